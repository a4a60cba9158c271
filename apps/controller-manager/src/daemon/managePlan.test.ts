import { describe, expect, it } from 'vitest';
import type { Pod } from 'kubernetes-types/core/v1.js';
import { makeDaemonPod, makeDaemonSet, makeNode } from '../testing/daemonBuilders.js';
import { planDaemonPods, podsByNode } from './managePlan.js';

const NOW = new Date('2026-01-05T00:00:00Z');
const names = (pods: readonly Pod[]) => pods.map((p) => p.metadata?.name).sort();

describe('planDaemonPods: one daemon pod per eligible node', () => {
  it.each([
    ['creates on every node without one', [makeNode('a'), makeNode('b')], [makeDaemonPod('pa').on('a')], makeDaemonSet(), ['b'], []],
    ['skips nodes the selector leaves out', [makeNode('a').label('disk', 'ssd'), makeNode('b')], [], makeDaemonSet().nodeSelector({ disk: 'ssd' }), ['a'], []],
    ['an unbound pod aimed at a node counts for it', [makeNode('a')], [makeDaemonPod('pa').aimedAt('a')], makeDaemonSet(), [], []],
    ['a pod being deleted holds its node until it is gone', [makeNode('a')], [makeDaemonPod('pa').on('a').deleting()], makeDaemonSet(), [], []],
    ['deletes pods from nodes that left the selector', [makeNode('a')], [makeDaemonPod('pa').on('a')], makeDaemonSet().nodeSelector({ disk: 'ssd' }), [], ['pa']],
    ['deletes pods from nodes with an untolerated NoExecute taint', [makeNode('a').taint('x', 'NoExecute')], [makeDaemonPod('pa').on('a')], makeDaemonSet(), [], ['pa']],
    ['keeps pods on nodes with an untolerated NoSchedule taint', [makeNode('a').taint('x', 'NoSchedule')], [makeDaemonPod('pa').on('a')], makeDaemonSet(), [], []],
    ['deletes failed and succeeded pods', [makeNode('a'), makeNode('b')], [makeDaemonPod('pa').on('a').phase('Failed'), makeDaemonPod('pb').on('b').phase('Succeeded')], makeDaemonSet(), [], ['pa', 'pb']],
    [
      'keeps the oldest of two, bound first',
      [makeNode('a')],
      [makeDaemonPod('young').on('a').created('2026-01-03T00:00:00Z'), makeDaemonPod('old').on('a').created('2026-01-02T00:00:00Z'), makeDaemonPod('unbound').aimedAt('a').created('2026-01-01T00:00:00Z')],
      makeDaemonSet(),
      [],
      ['unbound', 'young'],
    ],
    ['deletes unbound pods aimed at nodes that no longer exist', [makeNode('a')], [makeDaemonPod('pa').on('a'), makeDaemonPod('ghost').aimedAt('gone'), makeDaemonPod('bound-ghost').on('gone')], makeDaemonSet(), [], ['ghost']],
    ['surge: an old pod stays beside a new one that is not available yet', [makeNode('a')], [makeDaemonPod('old').on('a').hash('h0').ready(), makeDaemonPod('new').on('a').created('2026-01-02T00:00:00Z')], makeDaemonSet().surge(1), [], []],
    ['surge: the old pod goes once the new one is available', [makeNode('a')], [makeDaemonPod('old').on('a').hash('h0').ready(), makeDaemonPod('new').on('a').ready().created('2026-01-02T00:00:00Z')], makeDaemonSet().surge(1), [], ['old']],
    ['surge: an old pod that is not ready goes at once', [makeNode('a')], [makeDaemonPod('old').on('a').hash('h0'), makeDaemonPod('new').on('a').created('2026-01-02T00:00:00Z')], makeDaemonSet().surge(1), [], ['old']],
    ['surge: a third pod goes', [makeNode('a')], [makeDaemonPod('old').on('a').hash('h0').ready(), makeDaemonPod('old2').on('a').hash('h0').created('2026-01-02T00:00:00Z'), makeDaemonPod('new').on('a')], makeDaemonSet().surge(1), [], ['old2']],
  ])('%s', (_name, nodes, pods, ds, create, del) => {
    const plan = planDaemonPods(ds.build(), nodes.map((n) => n.build()), podsByNode(pods.map((p) => p.build())), 'new', NOW);
    expect(plan.create.sort()).toEqual(create);
    expect(names(plan.delete)).toEqual(del);
  });

  it('reports failed pods for their Warning', () => {
    const plan = planDaemonPods(makeDaemonSet().build(), [makeNode('a').build()], podsByNode([makeDaemonPod('pa').on('a').phase('Failed').build()]), 'new', NOW);
    expect(names(plan.failed)).toEqual(['pa']);
  });

  it('leaves out finished pods already being deleted, and pods that name no node', () => {
    const byNode = podsByNode([makeDaemonPod('done').on('a').phase('Succeeded').deleting().build(), makeDaemonPod('nowhere').build(), makeDaemonPod('pa').on('a').deleting().build()]);
    expect([...byNode.entries()].map(([n, ps]) => [n, names(ps)])).toEqual([['a', ['pa']]]);
  });
});
