import { describe, expect, it } from 'vitest';
import { makeNode, makePod } from '../testing/builders.js';
import { isNodeReady } from './nodeReady.js';

describe('NodeReady', () => {
  it.each<[string, ReturnType<typeof makeNode>, ReturnType<typeof makePod>, string | undefined]>([
    ['a Ready node', makeNode(), makePod(), undefined],
    ['a node that is not Ready', makeNode().notReady(), makePod(), 'node(s) were not ready'],
    ['a cordoned node', makeNode().unschedulable(), makePod(), 'node(s) were unschedulable'],
    ['cordoned and not Ready: cordoned first', makeNode().unschedulable().notReady(), makePod(), 'node(s) were unschedulable'],
    ['a pod that tolerates cordoned nodes', makeNode().unschedulable(), makePod().toleration({ key: 'node.kubernetes.io/unschedulable', operator: 'Exists', effect: 'NoSchedule' }), undefined],
    ['a pod that tolerates everything', makeNode().notReady(), makePod().toleration({ operator: 'Exists' }), undefined],
  ])('%s', (_name, node, pod, reason) => {
    const r = isNodeReady(pod.info(), node.info());
    expect(r.fits ? undefined : r.reasons.join()).toBe(reason);
  });
});
