import { describe, expect, it } from 'vitest';
import type { Taint, Toleration } from '../framework/types.js';
import { makeNode, makePod } from '../testing/builders.js';
import { toleratesNodeTaints } from './taintToleration.js';

const gpu: Taint = { key: 'dedicated', value: 'gpu', effect: 'NoSchedule' };

describe('TaintToleration', () => {
  it.each<[string, Taint[], Toleration[], string | undefined]>([
    ['an untainted node', [], [], undefined],
    ['a NoSchedule taint, no toleration', [gpu], [], "node(s) had untolerated taint {dedicated: gpu}"],
    ['a NoExecute taint, no toleration', [{ key: 'node.kubernetes.io/unreachable', effect: 'NoExecute' }], [], 'node(s) had untolerated taint {node.kubernetes.io/unreachable: }'],
    ['PreferNoSchedule does not filter', [{ key: 'soft', effect: 'PreferNoSchedule' }], [], undefined],
    ['a tolerated taint', [gpu], [{ key: 'dedicated', operator: 'Equal', value: 'gpu', effect: 'NoSchedule' }], undefined],
    ['the first untolerated of two', [gpu, { key: 'zone', value: 'a', effect: 'NoSchedule' }], [{ key: 'dedicated', operator: 'Exists' }], 'node(s) had untolerated taint {zone: a}'],
    ['tolerate everything', [gpu, { key: 'x', effect: 'NoExecute' }], [{ operator: 'Exists' }], undefined],
  ])('%s', (_name, taints, tolerations, reason) => {
    let node = makeNode();
    for (const t of taints) node = node.taint(t);
    let pod = makePod();
    for (const t of tolerations) pod = pod.toleration(t);
    const r = toleratesNodeTaints(pod.info(), node.info());
    expect(r.fits ? undefined : r.reasons.join()).toBe(reason);
  });
});
