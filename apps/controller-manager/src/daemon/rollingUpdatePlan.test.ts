import { describe, expect, it } from 'vitest';
import type { Pod } from 'kubernetes-types/core/v1.js';
import { makeDaemonPod, makeDaemonSet, makeNode } from '../testing/daemonBuilders.js';
import { podsByNode } from './managePlan.js';
import { planRollingUpdate, rollingBounds } from './rollingUpdatePlan.js';

const NOW = new Date('2026-01-05T00:00:00Z');
const nodes = (...names: string[]) => names.map((n) => makeNode(n).build());
const old = (node: string) => makeDaemonPod(`old-${node}`).on(node).hash('h0').ready();
const fresh = (node: string) => makeDaemonPod(`new-${node}`).on(node).created('2026-01-02T00:00:00Z');

describe('planRollingUpdate', () => {
  it.each([
    ['maxUnavailable 1: one old pod at a time', makeDaemonSet().unavailable(1), nodes('a', 'b', 'c'), [old('a'), old('b'), old('c')], ['old-a'], []],
    ['maxUnavailable 2', makeDaemonSet().unavailable(2), nodes('a', 'b', 'c'), [old('a'), old('b'), old('c')], ['old-a', 'old-b'], []],
    ['maxUnavailable 50% of 3 rounds up to 2', makeDaemonSet().unavailable('50%'), nodes('a', 'b', 'c'), [old('a'), old('b'), old('c')], ['old-a', 'old-b'], []],
    ['a new pod not yet available uses the budget', makeDaemonSet().unavailable(1), nodes('a', 'b'), [fresh('a'), old('b')], [], []],
    ['once it is available, the next old pod goes', makeDaemonSet().unavailable(1), nodes('a', 'b'), [fresh('a').ready(), old('b')], ['old-b'], []],
    ['a node still without a pod uses the budget', makeDaemonSet().unavailable(1), nodes('a', 'b'), [old('b')], [], []],
    ['an unavailable old pod is replaced, and uses the budget', makeDaemonSet().unavailable(1), nodes('a', 'b', 'c'), [makeDaemonPod('sick').on('a').hash('h0'), old('b'), old('c')], ['sick'], []],
    ['unavailable old pods are all replaced, past the budget', makeDaemonSet().unavailable(1), nodes('a', 'b', 'c'), [makeDaemonPod('sick').on('a').hash('h0'), makeDaemonPod('sick2').on('b').hash('h0'), old('c')], ['sick', 'sick2'], []],
    ['a pod being deleted does not count', makeDaemonSet().unavailable(1), nodes('a', 'b'), [old('a').deleting(), old('b')], [], []],
    ['nothing old: nothing to do', makeDaemonSet().unavailable(1), nodes('a', 'b'), [fresh('a').ready(), fresh('b').ready()], [], []],
    ['minReadySeconds: ready but not yet available holds the budget', makeDaemonSet().unavailable(1).minReady(3600), nodes('a', 'b'), [fresh('a').ready('2026-01-04T23:30:00Z'), old('b').ready('2026-01-01T00:00:00Z')], [], []],
    ['surge 1: a new pod starts beside one old pod', makeDaemonSet().surge(1), nodes('a', 'b'), [old('a'), old('b')], [], ['a']],
    ['surge: an unavailable new pod holds the surge', makeDaemonSet().surge(1), nodes('a', 'b'), [old('a'), fresh('a'), old('b')], [], []],
    ['surge: an available new pod frees its old one', makeDaemonSet().surge(1), nodes('a', 'b'), [old('a'), fresh('a').ready(), old('b')], ['old-a'], ['b']],
    ['surge: an unavailable old pod gets its replacement at once', makeDaemonSet().surge(1), nodes('a', 'b'), [makeDaemonPod('sick').on('a').hash('h0'), old('b')], [], ['a', 'b']],
    ['surge 100%: every node at once', makeDaemonSet().surge('100%'), nodes('a', 'b', 'c'), [old('a'), old('b'), old('c')], [], ['a', 'b', 'c']],
  ])('%s', (_name, ds, ns, pods, del, create) => {
    const plan = planRollingUpdate(ds.build(), ns, podsByNode(pods.map((p) => p.build())), 'new', NOW);
    expect(plan.delete.map((p: Pod) => p.metadata?.name).sort()).toEqual(del);
    expect(plan.create.sort()).toEqual(create);
  });

  it('surge: an old pod on a node that left the selection goes only while more pods are available than wanted', () => {
    const ds = makeDaemonSet().surge(1).nodeSelector({ role: 'web' }).build();
    const ns = [makeNode('a').build(), makeNode('b').label('role', 'web').build()];
    const waiting = planRollingUpdate(ds, ns, podsByNode([old('a').build()]), 'new', NOW);
    expect(waiting.delete).toEqual([]);
    const covered = planRollingUpdate(ds, ns, podsByNode([old('a').build(), fresh('b').ready().build()]), 'new', NOW);
    expect(covered.delete.map((p) => p.metadata?.name)).toEqual(['old-a']);
  });

  it.each([
    ['defaults', makeDaemonSet(), 5, { desired: 5, maxSurge: 0, maxUnavailable: 1 }],
    ['20% of 5', makeDaemonSet().unavailable('20%'), 5, { desired: 5, maxSurge: 0, maxUnavailable: 1 }],
    ['30% surge of 5 rounds up', makeDaemonSet().surge('30%'), 5, { desired: 5, maxSurge: 2, maxUnavailable: 0 }],
    ['both zero: one unavailable', makeDaemonSet().strategy({ type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 0, maxSurge: 0 } }), 3, { desired: 3, maxSurge: 0, maxUnavailable: 1 }],
    ['OnDelete', makeDaemonSet().strategy({ type: 'OnDelete' }), 3, { desired: 3, maxSurge: 0, maxUnavailable: 1 }],
  ])('bounds: %s', (_name, ds, count, want) => {
    expect(rollingBounds(ds.build(), nodes(...Array.from({ length: count }, (_, i) => `n${i}`)))).toEqual(want);
  });
});
