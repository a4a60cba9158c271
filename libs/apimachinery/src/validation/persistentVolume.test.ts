import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../types.js';
import type { FieldErrors } from './fieldErrors.js';
import { validatePersistentVolume, validatePersistentVolumeClaim, validatePersistentVolumeClaimUpdate, validatePersistentVolumeUpdate } from './persistentVolume.js';
import { validateStorageClass, validateStorageClassUpdate } from './storageClass.js';

const pv = (spec: Record<string, unknown>): KubeObject => ({
  apiVersion: 'v1',
  kind: 'PersistentVolume',
  metadata: { name: 'pv1' },
  spec: { accessModes: ['ReadWriteOnce'], capacity: { storage: '1Gi' }, hostPath: { path: '/data/pv1' }, ...spec },
});

const pvc = (spec: Record<string, unknown>, phase = 'Pending'): KubeObject => ({
  apiVersion: 'v1',
  kind: 'PersistentVolumeClaim',
  metadata: { name: 'data', namespace: 'default' },
  spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } }, ...spec },
  status: { phase },
});

const sc = (fields: Record<string, unknown>): KubeObject => ({ apiVersion: 'storage.k8s.io/v1', kind: 'StorageClass', metadata: { name: 'fast' }, provisioner: 'skiff.dev/local-path', volumeBindingMode: 'Immediate', ...fields });

function messages(run: (errs: FieldErrors) => void): string[] {
  const errs: FieldErrors = [];
  run(errs);
  return errs.map((e) => `${e.field ?? ''}: ${e.message}`);
}

describe('PersistentVolume validation', () => {
  it.each<[string, Record<string, unknown>, string[]]>([
    ['a valid hostPath volume', {}, []],
    ['no access modes', { accessModes: [] }, ['spec.accessModes: Required value: must specify at least 1 access mode']],
    ['an unknown access mode', { accessModes: ['Sometimes'] }, ['spec.accessModes: Unsupported value: "Sometimes": supported values: "ReadOnlyMany", "ReadWriteMany", "ReadWriteOnce", "ReadWriteOncePod"']],
    ['ReadWriteOncePod with another mode', { accessModes: ['ReadWriteOncePod', 'ReadWriteOnce'] }, ['spec.accessModes: Forbidden: may not use ReadWriteOncePod with other access modes']],
    ['a zero capacity', { capacity: { storage: '0' } }, ['spec.capacity[storage]: Invalid value: "0": must be greater than zero']],
    ['no volume source', { hostPath: undefined }, ['spec: Required value: must specify a volume type']],
    ['an unsupported source', { hostPath: undefined, nfs: { server: 'x', path: '/' } }, ['spec.nfs: Forbidden: volume type not supported by this cluster; supported types: hostPath, local']],
    ['a local volume without node affinity', { hostPath: undefined, local: { path: '/d' } }, ['spec.nodeAffinity: Required value: Local volume requires node affinity']],
    ['an unknown reclaim policy', { persistentVolumeReclaimPolicy: 'Shred' }, ['spec.persistentVolumeReclaimPolicy: Unsupported value: "Shred": supported values: "Delete", "Recycle", "Retain"']],
  ])('%s', (_name, spec, expected) => {
    expect(messages((errs) => validatePersistentVolume(pv(spec), errs))).toEqual(expected);
  });

  it('keeps the source fixed but lets the claimRef change', () => {
    expect(messages((errs) => validatePersistentVolumeUpdate(pv({ claimRef: { namespace: 'default', name: 'data' } }), pv({}), errs))).toEqual([]);
    expect(messages((errs) => validatePersistentVolumeUpdate(pv({ hostPath: { path: '/elsewhere' } }), pv({}), errs))[0]).toMatch(/^spec.persistentvolumesource: Forbidden: spec.persistentvolumesource is immutable after creation/);
  });
});

describe('PersistentVolumeClaim validation', () => {
  it.each<[string, Record<string, unknown>, string[]]>([
    ['a valid claim', {}, []],
    ['no storage request', { resources: {} }, ['spec.resources[storage]: Required value']],
    ['a negative request', { resources: { requests: { storage: '-1Gi' } } }, ['spec.resources[storage]: Invalid value: "-1Gi": must be greater than zero']],
    ['no access modes', { accessModes: undefined }, ['spec.accessModes: Required value: at least 1 access mode is required']],
    ['a bad class name', { storageClassName: 'Not_A_Name' }, [expect.stringMatching(/^spec.storageClassName: Invalid value: "Not_A_Name": a lowercase RFC 1123 subdomain/) as unknown as string]],
  ])('%s', (_name, spec, expected) => {
    expect(messages((errs) => validatePersistentVolumeClaim(pvc(spec), errs))).toEqual(expected);
  });

  it.each<[string, KubeObject, KubeObject, RegExp | undefined]>([
    ['the controller fills volumeName', pvc({ volumeName: 'pv1' }), pvc({}), undefined],
    ['a class for a claim without one', pvc({ storageClassName: 'local-path' }), pvc({}), undefined],
    ['a bound claim grows', pvc({ resources: { requests: { storage: '2Gi' } } }, 'Bound'), pvc({}, 'Bound'), undefined],
    ['an unbound claim may not grow', pvc({ resources: { requests: { storage: '2Gi' } } }), pvc({}), /^spec: Forbidden: spec is immutable after creation except resources.requests and volumeAttributesClassName for bound claims/],
    ['a claim never shrinks', pvc({ resources: { requests: { storage: '512Mi' } } }, 'Bound'), pvc({}, 'Bound'), /^spec.resources.requests.storage: Forbidden: field can not be less than previous value/],
    ['the access modes are fixed', pvc({ accessModes: ['ReadWriteMany'] }), pvc({}), /^spec: Forbidden: spec is immutable/],
    ['a set class is fixed', pvc({ storageClassName: 'b' }), pvc({ storageClassName: 'a' }), /^spec: Forbidden: spec is immutable/],
  ])('update: %s', (_name, next, prev, expected) => {
    const found = messages((errs) => validatePersistentVolumeClaimUpdate(next, prev, errs));
    if (expected) expect(found.join('\n')).toMatch(expected);
    else expect(found).toEqual([]);
  });
});

describe('StorageClass validation', () => {
  it.each<[string, Record<string, unknown>, string[]]>([
    ['a valid class', {}, []],
    ['no provisioner', { provisioner: '' }, ['provisioner: Required value']],
    ['Recycle is not a class policy', { reclaimPolicy: 'Recycle' }, ['reclaimPolicy: Unsupported value: "Recycle": supported values: "Delete", "Retain"']],
    ['an unknown binding mode', { volumeBindingMode: 'Later' }, ['volumeBindingMode: Unsupported value: "Later": supported values: "Immediate", "WaitForFirstConsumer"']],
  ])('%s', (_name, fields, expected) => {
    expect(messages((errs) => validateStorageClass(sc(fields), errs))).toEqual(expected);
  });

  it('refuses changes to what the class makes', () => {
    expect(messages((errs) => validateStorageClassUpdate(sc({ provisioner: 'other', parameters: { a: 'b' } }), sc({}), errs))).toEqual([
      'parameters: Forbidden: updates to parameters are forbidden.',
      'provisioner: Forbidden: updates to provisioner are forbidden.',
    ]);
  });
});
