import { describe, expect, it } from 'vitest';
import type { KubeObject } from '@skiff/apimachinery';
import {
  CONTROLLER_REVISION_HASH_LABEL,
  controllerRevisionName,
  hashControllerRevision,
  newControllerRevision,
  nextRevision,
  planUpdateRevision,
  revisionsToTruncate,
  safeEncodeString,
  sortRevisions,
  type ControllerRevisionObject,
} from './controllerHistory.js';

const parent: KubeObject = { apiVersion: 'apps/v1', kind: 'StatefulSet', metadata: { name: 'web', namespace: 'default', uid: 'uid-web' } };

function rev(name: string, revision: number, image: string, created = '2026-01-01T00:00:00Z'): ControllerRevisionObject {
  const r = newControllerRevision(parent, { app: 'web' }, { spec: { template: { $patch: 'replace', spec: { containers: [{ name: 'c', image }] } } } }, revision);
  r.metadata.name = name;
  r.metadata.creationTimestamp = created;
  return r;
}

describe('hashControllerRevision', () => {
  it('is stable, ignores key order, and changes with the data and the collision count', () => {
    const a = hashControllerRevision({ spec: { x: 1, y: 2 } });
    expect(hashControllerRevision({ spec: { y: 2, x: 1 } })).toBe(a);
    expect(hashControllerRevision({ spec: { x: 1, y: 3 } })).not.toBe(a);
    expect(hashControllerRevision({ spec: { x: 1, y: 2 } }, 1)).not.toBe(a);
    expect(hashControllerRevision({ spec: { x: 1, y: 2 } }, 1)).toBe(hashControllerRevision({ spec: { x: 1, y: 2 } }, 1));
    expect(a).toMatch(/^[bcdfghjklmnpqrstvwxz2456789]+$/);
  });

  it.each([
    ['0123456789', '456789bcdf'],
    ['', ''],
  ])('safeEncodeString(%j) = %j', (input, want) => {
    expect(safeEncodeString(input)).toBe(want);
  });
});

describe('controllerRevisionName', () => {
  it.each([
    ['web', 'abc', 'web-abc'],
    ['x'.repeat(250), 'abc', `${'x'.repeat(223)}-abc`],
  ])('%s + %s', (prefix, hash, want) => {
    expect(controllerRevisionName(prefix, hash)).toBe(want);
  });
});

describe('newControllerRevision', () => {
  it('is named after the parent and hash, labelled with the template labels and hash, controlled by the parent', () => {
    const r = newControllerRevision(parent, { app: 'web' }, { spec: {} }, 3);
    const hash = hashControllerRevision({ spec: {} });
    expect(r.metadata.name).toBe(`web-${hash}`);
    expect(r.metadata.labels).toEqual({ app: 'web', [CONTROLLER_REVISION_HASH_LABEL]: hash });
    expect(r.metadata.ownerReferences).toEqual([{ apiVersion: 'apps/v1', kind: 'StatefulSet', name: 'web', uid: 'uid-web', controller: true, blockOwnerDeletion: true }]);
    expect(r.revision).toBe(3);
  });
});

describe('sortRevisions and nextRevision', () => {
  it('orders by revision, then creation, then name', () => {
    const sorted = sortRevisions([rev('c', 2, 'v2'), rev('b', 1, 'v1', '2026-01-02T00:00:00Z'), rev('a', 1, 'v1', '2026-01-02T00:00:00Z'), rev('z', 1, 'v0')]);
    expect(sorted.map((r) => r.metadata.name)).toEqual(['z', 'a', 'b', 'c']);
  });
  it.each([
    [[], 1],
    [[1, 2, 7], 8],
  ])('next after %j is %i', (numbers, want) => {
    expect(nextRevision(numbers.map((n, i) => rev(`r${i}`, n, `v${n}`)))).toBe(want);
  });
});

describe('planUpdateRevision', () => {
  const r1 = rev('web-1', 1, 'v1');
  const r2 = rev('web-2', 2, 'v2');
  it.each([
    ['empty history: create', [], 'v1', 'create', undefined],
    ['newest equals: unchanged', [r1, r2], 'v2', 'unchanged', 'web-2'],
    ['older equals: bump it (rollback)', [r1, r2], 'v1', 'bump', 'web-1'],
    ['new template: create', [r1, r2], 'v3', 'create', undefined],
  ])('%s', (_, history, image, action, name) => {
    const plan = planUpdateRevision(history as ControllerRevisionObject[], rev('candidate', 3, image as string));
    expect(plan.action).toBe(action);
    if (name) expect(plan.revision.metadata.name).toBe(name);
    if (plan.action === 'bump') expect(plan.to).toBe(3);
  });
});

describe('revisionsToTruncate', () => {
  const history = [1, 2, 3, 4].map((n) => rev(`r${n}`, n, `v${n}`));
  it.each([
    ['under the limit: nothing', 10, ['r4'], []],
    ['limit 1, r4 live: delete the two oldest', 1, ['r4'], ['r1', 'r2']],
    ['limit 1, r4 current and r2 on a pod: delete r1 only', 1, ['r4', 'r2'], ['r1']],
    ['limit 0: every non-live revision', 0, ['r3'], ['r1', 'r2', 'r4']],
  ])('%s', (_, limit, live, want) => {
    expect(revisionsToTruncate(history, new Set(live as string[]), limit as number).map((r) => r.metadata.name)).toEqual(want);
  });
});
