import type { PersistentVolume, PersistentVolumeClaim } from 'kubernetes-types/core/v1.js';
import { describe, expect, it } from 'vitest';
import { findMatchingVolume, type MatchOptions } from './findMatchingVolume.js';
import { singleNodeAffinity } from './volumeNodeAffinity.js';

function pv(name: string, storage: string, opts: { modes?: string[]; class?: string; labels?: Record<string, string>; phase?: string; claim?: { name: string; uid?: string }; node?: string; mode?: string; deleting?: boolean } = {}): PersistentVolume {
  return {
    metadata: { name, labels: opts.labels, ...(opts.deleting ? { deletionTimestamp: '2026-01-01T00:00:00Z' } : {}) },
    spec: {
      capacity: { storage },
      accessModes: opts.modes ?? ['ReadWriteOnce'],
      storageClassName: opts.class ?? '',
      ...(opts.mode ? { volumeMode: opts.mode } : {}),
      ...(opts.claim ? { claimRef: { namespace: 'default', name: opts.claim.name, uid: opts.claim.uid } } : {}),
      ...(opts.node ? { nodeAffinity: singleNodeAffinity(opts.node) } : {}),
      hostPath: { path: `/data/${name}` },
    },
    status: { phase: opts.phase ?? 'Available' },
  };
}

function pvc(storage: string, opts: { modes?: string[]; class?: string; selector?: Record<string, string>; mode?: string } = {}): PersistentVolumeClaim {
  return {
    metadata: { name: 'data', namespace: 'default', uid: 'claim-uid' },
    spec: {
      accessModes: opts.modes ?? ['ReadWriteOnce'],
      resources: { requests: { storage } },
      storageClassName: opts.class ?? '',
      ...(opts.selector ? { selector: { matchLabels: opts.selector } } : {}),
      ...(opts.mode ? { volumeMode: opts.mode } : {}),
    },
  };
}

const nodeA = { name: 'node-a', labels: { 'kubernetes.io/hostname': 'node-a' } };
const nodeB = { name: 'node-b', labels: { 'kubernetes.io/hostname': 'node-b' } };

describe('findMatchingVolume', () => {
  it.each<[string, PersistentVolumeClaim, PersistentVolume[], MatchOptions, string | undefined]>([
    ['the smallest volume that is big enough', pvc('5Gi'), [pv('big', '10Gi'), pv('small', '1Gi'), pv('fits', '5Gi')], {}, 'fits'],
    ['nothing when every volume is too small', pvc('5Gi'), [pv('small', '4Gi')], {}, undefined],
    ['units compare by value: 5G is less than 5Gi', pvc('5Gi'), [pv('g', '5G'), pv('gi', '5120Mi')], {}, 'gi'],
    ['fewest access modes among equal sizes', pvc('1Gi'), [pv('both', '1Gi', { modes: ['ReadWriteOnce', 'ReadWriteMany'] }), pv('one', '1Gi')], {}, 'one'],
    ['the volume must offer every mode asked for', pvc('1Gi', { modes: ['ReadWriteMany'] }), [pv('rwo', '1Gi'), pv('rwx', '2Gi', { modes: ['ReadWriteMany'] })], {}, 'rwx'],
    ['the class must be the same', pvc('1Gi', { class: 'fast' }), [pv('none', '1Gi'), pv('slow', '1Gi', { class: 'slow' }), pv('fast', '2Gi', { class: 'fast' })], {}, 'fast'],
    ['no class only matches volumes without one', pvc('1Gi'), [pv('fast', '1Gi', { class: 'fast' })], {}, undefined],
    ['the selector must match the labels', pvc('1Gi', { selector: { tier: 'db' } }), [pv('web', '1Gi', { labels: { tier: 'web' } }), pv('db', '5Gi', { labels: { tier: 'db' } })], {}, 'db'],
    ['only Available volumes', pvc('1Gi'), [pv('released', '1Gi', { phase: 'Released' }), pv('failed', '1Gi', { phase: 'Failed' })], {}, undefined],
    ['never a volume claimed by another claim', pvc('1Gi'), [pv('theirs', '1Gi', { claim: { name: 'other' } })], {}, undefined],
    ['a volume pre-bound to this claim wins over a better fit', pvc('1Gi'), [pv('exact', '1Gi'), pv('mine', '9Gi', { claim: { name: 'data' }, phase: 'Available', class: 'other' })], {}, 'mine'],
    ['a pre-bound volume with the same uid', pvc('1Gi'), [pv('mine', '1Gi', { claim: { name: 'data', uid: 'claim-uid' }, phase: 'Bound' })], {}, 'mine'],
    ['not one pre-bound to an older claim of the same name', pvc('1Gi'), [pv('old', '1Gi', { claim: { name: 'data', uid: 'old-uid' } })], {}, undefined],
    ['a pre-bound volume must still be big enough', pvc('2Gi'), [pv('mine', '1Gi', { claim: { name: 'data' } })], {}, undefined],
    ['volume modes must agree', pvc('1Gi', { mode: 'Block' }), [pv('fs', '1Gi'), pv('block', '1Gi', { mode: 'Block' })], {}, 'block'],
    ['a volume being deleted is not offered', pvc('1Gi'), [pv('going', '1Gi', { deleting: true })], {}, undefined],
    ['excluded volumes are skipped', pvc('1Gi'), [pv('taken', '1Gi'), pv('next', '2Gi')], { excluded: new Set(['taken']) }, 'next'],
    ['delayed binding without a node picks nothing', pvc('1Gi'), [pv('any', '1Gi')], { delayBinding: true }, undefined],
    ['delayed binding without a node still takes a pre-bound volume', pvc('1Gi'), [pv('mine', '1Gi', { claim: { name: 'data' } })], { delayBinding: true }, 'mine'],
    ['with a node, only volumes usable there', pvc('1Gi'), [pv('on-b', '1Gi', { node: 'node-b' }), pv('on-a', '2Gi', { node: 'node-a' })], { node: nodeA, delayBinding: true }, 'on-a'],
    ['a volume without affinity is usable anywhere', pvc('1Gi'), [pv('anywhere', '1Gi')], { node: nodeB }, 'anywhere'],
    ['a pre-bound volume on another node is not usable', pvc('1Gi'), [pv('mine', '1Gi', { claim: { name: 'data' }, node: 'node-b' })], { node: nodeA }, undefined],
  ])('%s', (_name, claim, volumes, opts, expected) => {
    expect(findMatchingVolume(claim, volumes, opts)?.metadata?.name).toBe(expected);
  });
});
