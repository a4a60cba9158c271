import { describe, expect, it } from 'vitest';
import { makeNode, makePod } from '../testing/builders.js';
import { matchesNodeAffinity, REASON_NODE_AFFINITY } from './nodeAffinity.js';

const node = () => makeNode('node-a').label('disk', 'ssd').label('zone', 'eu-1').label('cores', '8');
const term = (...matchExpressions: unknown[]) => ({ matchExpressions });

describe('NodeAffinity', () => {
  it.each<[string, ReturnType<typeof makePod>, boolean]>([
    ['no selector, no affinity', makePod(), true],
    ['nodeSelector matches', makePod().nodeSelector({ disk: 'ssd' }), true],
    ['nodeSelector with a wrong value', makePod().nodeSelector({ disk: 'hdd' }), false],
    ['nodeSelector on a missing label', makePod().nodeSelector({ gpu: 'yes' }), false],
    ['In', makePod().requiredAffinity([term({ key: 'zone', operator: 'In', values: ['eu-1', 'eu-2'] })]), true],
    ['In, no value matches', makePod().requiredAffinity([term({ key: 'zone', operator: 'In', values: ['us-1'] })]), false],
    ['NotIn', makePod().requiredAffinity([term({ key: 'zone', operator: 'NotIn', values: ['us-1'] })]), true],
    ['NotIn on a missing label matches', makePod().requiredAffinity([term({ key: 'gpu', operator: 'NotIn', values: ['x'] })]), true],
    ['Exists', makePod().requiredAffinity([term({ key: 'disk', operator: 'Exists' })]), true],
    ['DoesNotExist', makePod().requiredAffinity([term({ key: 'disk', operator: 'DoesNotExist' })]), false],
    ['Gt', makePod().requiredAffinity([term({ key: 'cores', operator: 'Gt', values: ['4'] })]), true],
    ['Lt', makePod().requiredAffinity([term({ key: 'cores', operator: 'Lt', values: ['4'] })]), false],
    ['Gt on a non-integer label', makePod().requiredAffinity([term({ key: 'zone', operator: 'Gt', values: ['1'] })]), false],
    ['expressions of a term are ANDed', makePod().requiredAffinity([term({ key: 'disk', operator: 'Exists' }, { key: 'zone', operator: 'In', values: ['us-1'] })]), false],
    ['terms are ORed', makePod().requiredAffinity([term({ key: 'zone', operator: 'In', values: ['us-1'] }), term({ key: 'disk', operator: 'Exists' })]), true],
    ['an empty term matches nothing', makePod().requiredAffinity([{}]), false],
    ['no terms match nothing', makePod().requiredAffinity([]), false],
    ['matchFields on the node name', makePod().requiredAffinity([{ matchFields: [{ key: 'metadata.name', operator: 'In', values: ['node-a'] }] }]), true],
    ['matchFields on another name', makePod().requiredAffinity([{ matchFields: [{ key: 'metadata.name', operator: 'In', values: ['node-b'] }] }]), false],
    ['selector and affinity must both hold', makePod().nodeSelector({ disk: 'hdd' }).requiredAffinity([term({ key: 'disk', operator: 'Exists' })]), false],
  ])('%s', (_name, pod, fits) => {
    const r = matchesNodeAffinity(pod.info(), node().info());
    expect(r).toEqual(fits ? { fits: true } : { fits: false, reasons: [REASON_NODE_AFFINITY] });
  });
});
