import { describe, expect, it } from 'vitest';
import { makeClaim, makeSet, makeStatefulPod } from '../testing/statefulSetBuilders.js';
import { claimIsStale, claimOwnerReferences } from './claimRetention.js';

describe('claimOwnerReferences', () => {
  const setRef = { apiVersion: 'apps/v1', kind: 'StatefulSet', name: 'web', uid: 'uid-web' };
  const podRef = (n: number) => ({ apiVersion: 'v1', kind: 'Pod', name: `web-${n}`, uid: `uid-web-${n}` });
  // The set has 1 replica: web-0 is in range, web-1 is scaled away.
  it.each<[string, 'Retain' | 'Delete', 'Retain' | 'Delete', number, object[], object[] | undefined]>([
    ['Retain/Retain, in range, no owners: unchanged', 'Retain', 'Retain', 0, [], undefined],
    ['Retain/Retain removes a set reference', 'Retain', 'Retain', 0, [setRef], []],
    ['whenDeleted Delete adds the set', 'Delete', 'Retain', 0, [], [setRef]],
    ['whenDeleted Delete keeps the set for a scaled-away pod', 'Delete', 'Retain', 1, [setRef], undefined],
    ['whenScaled Delete, in range: no pod reference', 'Retain', 'Delete', 0, [podRef(0)], []],
    ['whenScaled Delete, scaled away: the pod owns it', 'Retain', 'Delete', 1, [], [podRef(1)]],
    ['Delete/Delete, in range: the set owns it', 'Delete', 'Delete', 0, [], [setRef]],
    ['Delete/Delete, scaled away: the pod, not the set', 'Delete', 'Delete', 1, [setRef], [podRef(1)]],
  ])('%s', (_, whenDeleted, whenScaled, ordinal, owners, want) => {
    const set = makeSet(1).retention(whenDeleted, whenScaled).build();
    const claim = makeClaim(`www-web-${ordinal}`, owners as never);
    expect(claimOwnerReferences(claim, set, makeStatefulPod(set, ordinal).build())).toEqual(want);
  });
});

describe('claimIsStale', () => {
  const set = makeSet(1).build();
  it.each([
    ['no owners', [], false],
    ['owned by this pod', [{ kind: 'Pod', name: 'web-0', uid: 'uid-web-0' }], false],
    ['owned by an earlier web-0', [{ kind: 'Pod', name: 'web-0', uid: 'old' }], true],
    ['owned by the set', [{ kind: 'StatefulSet', name: 'web', uid: 'uid-web', apiVersion: 'apps/v1' }], false],
  ])('%s', (_, owners, want) => {
    expect(claimIsStale(makeClaim('www-web-0', owners), makeStatefulPod(set, 0).build())).toBe(want);
  });
});
