import { describe, expect, it } from 'vitest';
import { accessModesString, persistentVolumeClaimPrinter, persistentVolumePrinter, storageClassPrinter } from './storage.js';

const now = new Date('2026-12-05T10:00:00Z');
const created = '2026-12-05T09:58:00Z';

describe('storage printers', () => {
  it('prints access modes in Kubernetes order', () => {
    expect(accessModesString(['ReadWriteMany', 'ReadWriteOnce'])).toBe('RWO,RWX');
    expect(accessModesString(['ReadWriteOncePod'])).toBe('RWOP');
  });

  it('prints a bound volume as kubectl get pv -o wide does', () => {
    const p = persistentVolumePrinter;
    expect(p.columns.map((c) => c.name)).toEqual(['Name', 'Capacity', 'Access Modes', 'Reclaim Policy', 'Status', 'Claim', 'StorageClass', 'VolumeAttributesClass', 'Reason', 'Age', 'VolumeMode']);
    const row = p.cells(
      {
        metadata: { name: 'pvc-1', creationTimestamp: created },
        spec: { capacity: { storage: '1Gi' }, accessModes: ['ReadWriteOnce'], persistentVolumeReclaimPolicy: 'Delete', claimRef: { namespace: 'default', name: 'data' }, storageClassName: 'local-path', volumeMode: 'Filesystem' },
        status: { phase: 'Bound' },
      },
      now,
    );
    expect(row.cells).toEqual(['pvc-1', '1Gi', 'RWO', 'Delete', 'Bound', 'default/data', 'local-path', '<unset>', '', '2m', 'Filesystem']);
  });

  it('shows a terminating volume as Terminating', () => {
    const row = persistentVolumePrinter.cells({ metadata: { name: 'v', deletionTimestamp: created }, spec: {}, status: { phase: 'Released' } }, now);
    expect(row.cells[4]).toBe('Terminating');
    expect(row.cells[1]).toBe('0');
  });

  it('prints capacity and modes of a claim only once it has a volume', () => {
    const p = persistentVolumeClaimPrinter;
    expect(p.columns.map((c) => c.name)).toEqual(['Name', 'Status', 'Volume', 'Capacity', 'Access Modes', 'StorageClass', 'VolumeAttributesClass', 'Age', 'VolumeMode']);
    const pending = { metadata: { name: 'data', creationTimestamp: created }, spec: { storageClassName: 'local-path', resources: { requests: { storage: '1Gi' } } }, status: { phase: 'Pending' } };
    expect(p.cells(pending, now).cells).toEqual(['data', 'Pending', '', '', '', 'local-path', '<unset>', '2m', '<unset>']);
    const bound = { ...pending, spec: { ...pending.spec, volumeName: 'pvc-1', volumeMode: 'Filesystem' }, status: { phase: 'Bound', capacity: { storage: '1Gi' }, accessModes: ['ReadWriteOnce'] } };
    expect(p.cells(bound, now).cells).toEqual(['data', 'Bound', 'pvc-1', '1Gi', 'RWO', 'local-path', '<unset>', '2m', 'Filesystem']);
  });

  it('marks the default class', () => {
    const p = storageClassPrinter;
    const row = p.cells(
      { metadata: { name: 'local-path', creationTimestamp: created, annotations: { 'storageclass.kubernetes.io/is-default-class': 'true' } }, provisioner: 'skiff.dev/local-path', reclaimPolicy: 'Delete', volumeBindingMode: 'WaitForFirstConsumer' },
      now,
    );
    expect(row.cells).toEqual(['local-path (default)', 'skiff.dev/local-path', 'Delete', 'WaitForFirstConsumer', false, '2m']);
  });
});
