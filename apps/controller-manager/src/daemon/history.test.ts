import { describe, expect, it } from 'vitest';
import type { ControllerRevision } from 'kubernetes-types/apps/v1.js';
import { makeDaemonPod, makeDaemonSet } from '../testing/daemonBuilders.js';
import { matchesRevision, newRevision, revisionHash, revisionsToClean, revisionToKeep } from './history.js';

const rev = (name: string, revision: number, hash = name): ControllerRevision => ({ metadata: { name, labels: { 'controller-revision-hash': hash } }, revision });

describe('DaemonSet history', () => {
  it('records the template as a replacing patch, named by its hash, labelled and owned', () => {
    const ds = makeDaemonSet().build();
    const r = newRevision(ds, 3);
    const hash = revisionHash(ds);
    expect(r.metadata?.name).toBe(`agent-${hash}`);
    expect(r.metadata?.labels).toEqual({ app: 'agent', 'controller-revision-hash': hash });
    expect(r.metadata?.ownerReferences).toEqual([expect.objectContaining({ kind: 'DaemonSet', name: 'agent', uid: 'uid-agent', controller: true })]);
    expect(r.revision).toBe(3);
    expect(r.data).toEqual({ spec: { template: { ...ds.spec!.template, $patch: 'replace' } } });
    expect(matchesRevision(ds, r)).toBe(true);
    const changed = makeDaemonSet().build();
    changed.spec!.template.spec!.containers[0].image = 'agent:v2';
    expect(matchesRevision(changed, r)).toBe(false);
    expect(revisionHash(changed)).not.toBe(hash);
  });

  it('a collision count changes the hash', () => {
    const ds = makeDaemonSet().build();
    const bumped = makeDaemonSet().status({ collisionCount: 1 }).build();
    expect(revisionHash(bumped)).not.toBe(revisionHash(ds));
  });

  it('of duplicates keeps the highest revision', () => {
    expect(revisionToKeep([rev('a', 2), rev('b', 5), rev('c', 5)]).metadata?.name).toBe('c');
  });

  it.each([
    ['under the limit', [rev('r1', 1), rev('r2', 2)], 2, [], []],
    ['oldest first', [rev('r3', 3), rev('r1', 1), rev('r2', 2)], 1, [], ['r1', 'r2']],
    ['skips revisions live pods run', [rev('r1', 1), rev('r2', 2), rev('r3', 3)], 1, ['r1'], ['r2', 'r3']],
    ['limit 0', [rev('r1', 1)], 0, [], ['r1']],
  ])('cleans %s', (_name, old, limit, liveHashes, want) => {
    const pods = liveHashes.map((h) => makeDaemonPod(`p-${h}`).hash(h).build());
    expect(revisionsToClean(old, limit, pods).map((r) => r.metadata?.name)).toEqual(want);
  });
});
