import type { StorageClass } from 'kubernetes-types/storage/v1.js';
import { describe, expect, it } from 'vitest';
import { defaultStorageClass } from './persistentVolumeClaims.js';
import { nodeSelectorTermsMatch, singleNodeAffinity, volumeNodeName } from './volumeNodeAffinity.js';

function sc(name: string, created: string, isDefault: string | undefined, beta = false): StorageClass {
  const key = beta ? 'storageclass.beta.kubernetes.io/is-default-class' : 'storageclass.kubernetes.io/is-default-class';
  return { metadata: { name, creationTimestamp: created, ...(isDefault !== undefined ? { annotations: { [key]: isDefault } } : {}) }, provisioner: 'x' };
}

describe('defaultStorageClass', () => {
  it.each<[string, StorageClass[], string | undefined]>([
    ['none marked', [sc('a', '2026-01-01T00:00:00Z', undefined)], undefined],
    ['only "true" counts', [sc('a', '2026-01-01T00:00:00Z', 'True'), sc('b', '2026-01-01T00:00:00Z', 'yes')], undefined],
    ['the marked one', [sc('a', '2026-01-01T00:00:00Z', undefined), sc('b', '2026-01-01T00:00:00Z', 'true')], 'b'],
    ['the beta annotation counts', [sc('old', '2026-01-01T00:00:00Z', 'true', true)], 'old'],
    ['the newest of several', [sc('a', '2026-01-01T00:00:00Z', 'true'), sc('b', '2026-02-01T00:00:00Z', 'true')], 'b'],
    ['by name when created together', [sc('b', '2026-01-01T00:00:00Z', 'true'), sc('a', '2026-01-01T00:00:00Z', 'true')], 'a'],
  ])('%s', (_name, classes, expected) => {
    expect(defaultStorageClass(classes)?.metadata?.name).toBe(expected);
  });
});

describe('volume node affinity', () => {
  const node = { name: 'node-a', labels: { 'kubernetes.io/hostname': 'node-a', zone: '3' } };
  it.each<[string, Parameters<typeof nodeSelectorTermsMatch>[0], boolean]>([
    ['the single-node affinity of its node', singleNodeAffinity('node-a').required!.nodeSelectorTerms, true],
    ['the single-node affinity of another', singleNodeAffinity('node-b').required!.nodeSelectorTerms, false],
    ['an empty term matches nothing', [{}], false],
    ['terms are ORed', [{ matchExpressions: [{ key: 'zone', operator: 'In', values: ['1'] }] }, { matchFields: [{ key: 'metadata.name', operator: 'In', values: ['node-a'] }] }], true],
    ['requirements are ANDed', [{ matchExpressions: [{ key: 'zone', operator: 'Exists' }, { key: 'gpu', operator: 'Exists' }] }], false],
    ['Gt compares integers', [{ matchExpressions: [{ key: 'zone', operator: 'Gt', values: ['2'] }] }], true],
  ])('%s', (_name, terms, expected) => {
    expect(nodeSelectorTermsMatch(terms, node)).toBe(expected);
  });

  it('names the node of a single-node volume, and no node otherwise', () => {
    expect(volumeNodeName({ spec: { nodeAffinity: singleNodeAffinity('node-a') } })).toBe('node-a');
    expect(volumeNodeName({ spec: {} })).toBeUndefined();
    expect(volumeNodeName({ spec: { nodeAffinity: { required: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'zone', operator: 'In', values: ['1'] }] }] } } } })).toBeUndefined();
  });
});
