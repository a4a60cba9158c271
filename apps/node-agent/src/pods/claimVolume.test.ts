import type { KubeObject } from '@skiff/apimachinery';
import { describe, expect, it } from 'vitest';
import { claimVolume, type FetchedClaim } from './claimVolume.js';

const claim = (phase: string, volumeName?: string): KubeObject => ({
  apiVersion: 'v1',
  kind: 'PersistentVolumeClaim',
  metadata: { name: 'data', namespace: 'shop', uid: 'claim-uid' },
  spec: { ...(volumeName ? { volumeName } : {}) },
  status: { phase },
});

const volume = (source: Record<string, unknown>, opts: { uid?: string; provisioned?: boolean } = {}): KubeObject => ({
  apiVersion: 'v1',
  kind: 'PersistentVolume',
  metadata: { name: 'pv1', ...(opts.provisioned ? { annotations: { 'pv.kubernetes.io/provisioned-by': 'skiff.dev/local-path' } } : {}) },
  spec: { claimRef: { namespace: 'shop', name: 'data', uid: opts.uid ?? 'claim-uid' }, ...source },
});

describe('claimVolume', () => {
  it.each<[string, FetchedClaim, unknown]>([
    ['no claim', {}, { ok: false, message: 'error processing PVC shop/data: failed to fetch PVC from API server: persistentvolumeclaims "data" not found' }],
    ['a claim not bound yet', { claim: claim('Pending') }, { ok: false, message: 'error processing PVC shop/data: PVC is not bound' }],
    ['a bound claim whose volume is gone', { claim: claim('Bound', 'pv1') }, { ok: false, message: 'error processing PVC shop/data: failed to fetch PV "pv1" from API server: persistentvolumes "pv1" not found' }],
    ['a volume bound to another claim of the name', { claim: claim('Bound', 'pv1'), volume: volume({ hostPath: { path: '/srv' } }, { uid: 'old' }) }, { ok: false, message: expect.stringMatching(/has a ClaimRef that points to PVC shop\/data \(uid "old"\)/) }],
    ['a provisioned local volume is made on first use', { claim: claim('Bound', 'pv1'), volume: volume({ local: { path: '/data/volumes/pv1' } }, { provisioned: true }) }, { ok: true, path: '/data/volumes/pv1', create: true, volumeName: 'pv1' }],
    ['a local volume made by hand must exist', { claim: claim('Bound', 'pv1'), volume: volume({ local: { path: '/mnt/disk' } }) }, { ok: true, path: '/mnt/disk', create: false, volumeName: 'pv1' }],
    ['a hostPath volume with DirectoryOrCreate is made', { claim: claim('Bound', 'pv1'), volume: volume({ hostPath: { path: '/srv/x', type: 'DirectoryOrCreate' } }) }, { ok: true, path: '/srv/x', create: true, volumeName: 'pv1' }],
  ])('%s', (_name, fetched, expected) => {
    expect(claimVolume('shop', 'data', fetched)).toEqual(expected);
  });
});
