import { describe, expect, it } from 'vitest';
import { makeDaemonPod, makeDaemonSet, makeNode } from '../testing/daemonBuilders.js';
import { daemonPodTemplate, daemonPodTolerations, isPodUpdated, nodeNameAffinity, nodeShouldRunDaemonPod, targetNodeName } from './daemonPods.js';

describe('nodeShouldRunDaemonPod: which nodes get a daemon pod, and which keep theirs', () => {
  const run = { shouldRun: true, shouldContinueRunning: true };
  const keepOnly = { shouldRun: false, shouldContinueRunning: true };
  const never = { shouldRun: false, shouldContinueRunning: false };
  it.each([
    ['a plain node', makeNode('a'), makeDaemonSet(), run],
    ['nodeSelector matches', makeNode('a').label('disk', 'ssd'), makeDaemonSet().nodeSelector({ disk: 'ssd' }), run],
    ['nodeSelector does not match', makeNode('a').label('disk', 'hdd'), makeDaemonSet().nodeSelector({ disk: 'ssd' }), never],
    ['required affinity In', makeNode('a').label('zone', 'z1'), makeDaemonSet().requiredTerms([{ matchExpressions: [{ key: 'zone', operator: 'In', values: ['z1'] }] }]), run],
    ['required affinity NotIn', makeNode('a').label('zone', 'z1'), makeDaemonSet().requiredTerms([{ matchExpressions: [{ key: 'zone', operator: 'NotIn', values: ['z1'] }] }]), never],
    ['terms are ORed', makeNode('a').label('zone', 'z2'), makeDaemonSet().requiredTerms([{ matchExpressions: [{ key: 'zone', operator: 'In', values: ['z1'] }] }, { matchExpressions: [{ key: 'zone', operator: 'Exists' }] }]), run],
    ['matchFields on the node name', makeNode('b'), makeDaemonSet().requiredTerms([{ matchFields: [{ key: 'metadata.name', operator: 'In', values: ['a'] }] }]), never],
    ['template nodeName names another node', makeNode('a'), makeDaemonSet().nodeName('b'), never],
    ['untolerated NoSchedule taint: keeps its pod, gets no new one', makeNode('a').taint('dedicated', 'NoSchedule', 'db'), makeDaemonSet(), keepOnly],
    ['untolerated NoExecute taint: loses its pod', makeNode('a').taint('dedicated', 'NoExecute', 'db'), makeDaemonSet(), never],
    ['tolerated taint', makeNode('a').taint('dedicated', 'NoSchedule', 'db'), makeDaemonSet().tolerate({ key: 'dedicated', operator: 'Equal', value: 'db', effect: 'NoSchedule' }), run],
    ['PreferNoSchedule does not keep a daemon off', makeNode('a').taint('soft', 'PreferNoSchedule'), makeDaemonSet(), run],
    ['a cordoned node still runs daemons', makeNode('a').taint('node.kubernetes.io/unschedulable', 'NoSchedule'), makeDaemonSet(), run],
    ['an unreachable node keeps its daemon', makeNode('a').taint('node.kubernetes.io/unreachable', 'NoExecute'), makeDaemonSet(), run],
    ['a not-ready node (NoSchedule) keeps but gets none', makeNode('a').taint('node.kubernetes.io/not-ready', 'NoSchedule').taint('node.kubernetes.io/not-ready', 'NoExecute'), makeDaemonSet(), keepOnly],
    ['network-unavailable keeps ordinary daemons off', makeNode('a').taint('node.kubernetes.io/network-unavailable', 'NoSchedule'), makeDaemonSet(), keepOnly],
    ['network-unavailable lets host-network daemons on', makeNode('a').taint('node.kubernetes.io/network-unavailable', 'NoSchedule'), makeDaemonSet().hostNetwork(), run],
  ])('%s', (_name, node, ds, want) => {
    expect(nodeShouldRunDaemonPod(node.build(), ds.build())).toEqual(want);
  });
});

describe('daemon pods', () => {
  it('get the automatic tolerations once, replacing an equal user toleration', () => {
    const t = daemonPodTolerations({ tolerations: [{ key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 30 }, { key: 'mine', operator: 'Exists' }] });
    expect(t.filter((x) => x.key === 'node.kubernetes.io/not-ready')).toEqual([{ key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute' }]);
    expect(t.map((x) => `${x.key}:${x.effect ?? ''}`)).toEqual([
      'node.kubernetes.io/not-ready:NoExecute',
      'mine:',
      'node.kubernetes.io/unreachable:NoExecute',
      'node.kubernetes.io/disk-pressure:NoSchedule',
      'node.kubernetes.io/memory-pressure:NoSchedule',
      'node.kubernetes.io/pid-pressure:NoSchedule',
      'node.kubernetes.io/unschedulable:NoSchedule',
    ]);
    expect(daemonPodTolerations({ hostNetwork: true }).some((x) => x.key === 'node.kubernetes.io/network-unavailable')).toBe(true);
  });

  it('are pinned to their node by a metadata.name term that replaces the template terms, keeping other affinity', () => {
    const affinity = nodeNameAffinity({ nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'zone', operator: 'In', values: ['z1'] }] }] }, preferredDuringSchedulingIgnoredDuringExecution: [] }, podAntiAffinity: {} }, 'node-1');
    expect(affinity).toEqual({
      nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchFields: [{ key: 'metadata.name', operator: 'In', values: ['node-1'] }] }] }, preferredDuringSchedulingIgnoredDuringExecution: [] },
      podAntiAffinity: {},
    });
  });

  it.each([
    ['bound', makeDaemonPod('p').on('a'), 'a'],
    ['aimed at a node by affinity', makeDaemonPod('p').aimedAt('b'), 'b'],
    ['neither', makeDaemonPod('p'), undefined],
  ])('belong to the node they are %s', (_name, pod, want) => {
    expect(targetNodeName(pod.build())).toBe(want);
  });

  it.each([
    ['hash matches', { 'controller-revision-hash': 'h1' }, true],
    ['hash differs, no generation', { 'controller-revision-hash': 'h0' }, false],
    ['generation matches (a pod older than revisions)', { 'pod-template-generation': '2' }, true],
    ['generation differs', { 'pod-template-generation': '1' }, false],
  ])('are up to date when %s', (_name, labels, want) => {
    const pod = makeDaemonPod('p').build();
    pod.metadata!.labels = labels;
    expect(isPodUpdated(pod, 'h1', '2')).toBe(want);
  });

  it('are made from the template with the generation and revision labels and the tolerations', () => {
    const t = daemonPodTemplate(makeDaemonSet().build(), 'abc');
    expect(t.metadata?.labels).toEqual({ app: 'agent', 'pod-template-generation': '1', 'controller-revision-hash': 'abc' });
    expect(t.spec?.tolerations).toHaveLength(6);
  });
});
