import type { PersistentVolume, PersistentVolumeClaim } from 'kubernetes-types/core/v1.js';
import type { StorageClass } from 'kubernetes-types/storage/v1.js';
import { describe, expect, it } from 'vitest';
import { planClaimSync } from './planClaimSync.js';
import { planVolumeSync } from './planVolumeSync.js';

const UID = 'claim-uid';

function claim(opts: { volumeName?: string; bound?: boolean; class?: string; selectedNode?: string; provisioner?: string; storage?: string } = {}): PersistentVolumeClaim {
  const annotations: Record<string, string> = {};
  if (opts.bound) annotations['pv.kubernetes.io/bind-completed'] = 'yes';
  if (opts.selectedNode) annotations['volume.kubernetes.io/selected-node'] = opts.selectedNode;
  if (opts.provisioner) {
    annotations['volume.kubernetes.io/storage-provisioner'] = opts.provisioner;
    annotations['volume.beta.kubernetes.io/storage-provisioner'] = opts.provisioner;
  }
  return {
    metadata: { name: 'data', namespace: 'default', uid: UID, annotations },
    spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: opts.storage ?? '1Gi' } }, storageClassName: opts.class ?? '', ...(opts.volumeName ? { volumeName: opts.volumeName } : {}) },
    status: { phase: opts.bound ? 'Bound' : 'Pending' },
  };
}

function volume(name: string, opts: { claimUid?: string; claimName?: string; phase?: string; class?: string; storage?: string; provisioned?: string; policy?: string; byController?: boolean; deleting?: boolean } = {}): PersistentVolume {
  const annotations: Record<string, string> = {};
  if (opts.provisioned) annotations['pv.kubernetes.io/provisioned-by'] = opts.provisioned;
  if (opts.byController) annotations['pv.kubernetes.io/bound-by-controller'] = 'yes';
  const claimRef = opts.claimName || opts.claimUid !== undefined ? { namespace: 'default', name: opts.claimName ?? 'data', ...(opts.claimUid ? { uid: opts.claimUid } : {}) } : undefined;
  return {
    metadata: { name, annotations, ...(opts.deleting ? { deletionTimestamp: '2026-01-01T00:00:00Z' } : {}) },
    spec: { capacity: { storage: opts.storage ?? '1Gi' }, accessModes: ['ReadWriteOnce'], storageClassName: opts.class ?? '', persistentVolumeReclaimPolicy: opts.policy ?? 'Retain', hostPath: { path: `/d/${name}` }, ...(claimRef ? { claimRef } : {}) },
    status: { phase: opts.phase ?? 'Available' },
  };
}

const localPath: StorageClass = { metadata: { name: 'local-path' }, provisioner: 'skiff.dev/local-path', volumeBindingMode: 'WaitForFirstConsumer', reclaimPolicy: 'Delete' };
const immediate: StorageClass = { metadata: { name: 'fast' }, provisioner: 'example.com/fast', volumeBindingMode: 'Immediate' };
const manual: StorageClass = { metadata: { name: 'manual' }, provisioner: 'kubernetes.io/no-provisioner', volumeBindingMode: 'Immediate' };

describe('planClaimSync', () => {
  it.each<[string, PersistentVolumeClaim, PersistentVolume[], string, string | undefined]>([
    ['a matching volume: first its claimRef', claim(), [volume('pv1')], 'bindVolume pv1', undefined],
    ['then the volume phase', claim(), [volume('pv1', { claimUid: UID })], 'markVolumeBound pv1', undefined],
    ['then the claim names the volume', claim(), [volume('pv1', { claimUid: UID, phase: 'Bound' })], 'bindClaim pv1', undefined],
    ['then the claim status', claim({ volumeName: 'pv1', bound: true }), [volume('pv1', { claimUid: UID, phase: 'Bound' })], 'status Bound pv1', undefined],
    ['no volume and no class', claim(), [], 'status Pending', 'FailedBinding'],
    ['a class that does not exist', claim({ class: 'gone' }), [], 'status Pending', 'ProvisioningFailed'],
    ['WaitForFirstConsumer before a node is picked', claim({ class: 'local-path' }), [volume('pv1', { class: 'local-path' })], 'status Pending', 'WaitForFirstConsumer'],
    ['WaitForFirstConsumer with a node picked leaves free volumes to the scheduler', claim({ class: 'local-path', selectedNode: 'node-a', provisioner: 'skiff.dev/local-path' }), [volume('pv1', { class: 'local-path' })], 'status Pending', undefined],
    ['WaitForFirstConsumer once a node is picked asks the provisioner', claim({ class: 'local-path', selectedNode: 'node-a' }), [], 'askProvisioner skiff.dev/local-path', 'ExternalProvisioning'],
    ['and waits once asked', claim({ class: 'local-path', selectedNode: 'node-a', provisioner: 'skiff.dev/local-path' }), [], 'status Pending', undefined],
    ['the provisioned volume is pre-bound to it', claim({ class: 'local-path', selectedNode: 'node-a', provisioner: 'skiff.dev/local-path' }), [volume('pvc-1', { claimUid: UID, class: 'local-path', phase: 'Pending' })], 'markVolumeBound pvc-1', undefined],
    ['Immediate asks the provisioner at once', claim({ class: 'fast' }), [], 'askProvisioner example.com/fast', 'ExternalProvisioning'],
    ['no-provisioner classes only bind', claim({ class: 'manual' }), [], 'status Pending', 'FailedBinding'],
    ['a named volume that does not exist', claim({ volumeName: 'pv9' }), [], 'status Pending', undefined],
    ['a named volume that is too small', claim({ volumeName: 'pv1', storage: '2Gi' }), [volume('pv1')], 'status Pending', 'VolumeMismatch'],
    ['a named free volume', claim({ volumeName: 'pv1' }), [volume('pv1')], 'bindVolume pv1', undefined],
    ['a named volume bound elsewhere', claim({ volumeName: 'pv1' }), [volume('pv1', { claimName: 'other', claimUid: 'x' })], 'status Pending', undefined],
    ['a bound claim whose volume is gone', claim({ volumeName: 'pv1', bound: true }), [], 'status Lost', 'ClaimLost'],
    ['a bound claim without volumeName', claim({ bound: true }), [volume('pv1')], 'status Lost', 'ClaimLost'],
    ['a bound claim whose volume went to another claim', claim({ volumeName: 'pv1', bound: true }), [volume('pv1', { claimName: 'other', claimUid: 'x', phase: 'Bound' })], 'status Lost', 'ClaimMisbound'],
    ['a bound claim whose volume lost its claimRef binds it again', claim({ volumeName: 'pv1', bound: true }), [volume('pv1', { phase: 'Available' })], 'bindVolume pv1', undefined],
  ])('%s', (_name, c, volumes, expected, event) => {
    const plan = planClaimSync(c, volumes, [localPath, immediate, manual]);
    const s = plan.step;
    const described =
      s.action === 'status' ? `status ${s.phase}${s.volume ? ` ${s.volume.metadata?.name}` : ''}` : s.action === 'askProvisioner' ? `askProvisioner ${s.provisioner}` : `${s.action} ${s.volume.metadata?.name}`;
    expect(described).toBe(expected);
    expect(plan.event?.reason).toBe(event);
  });
});

describe('planVolumeSync', () => {
  const bound = claim({ volumeName: 'pv1', bound: true });
  it.each<[string, PersistentVolume, PersistentVolumeClaim | undefined, string]>([
    ['no claimRef: Available', volume('pv1', { phase: 'Pending' }), undefined, 'phase Available'],
    ['pre-bound without uid: Available', volume('pv1', { claimName: 'data', phase: 'Pending' }), undefined, 'phase Available'],
    ['its claim names it: Bound', volume('pv1', { claimUid: UID }), bound, 'phase Bound'],
    ['its claim is not bound yet: wait', volume('pv1', { claimUid: UID }), claim(), 'none'],
    ['its claim is gone: Released', volume('pv1', { claimUid: UID, phase: 'Bound' }), undefined, 'phase Released'],
    ['Released and Retain: kept', volume('pv1', { claimUid: UID, phase: 'Released' }), undefined, 'none'],
    ['Released and Delete, local-path: deleted', volume('pv1', { claimUid: UID, phase: 'Released', policy: 'Delete', provisioned: 'skiff.dev/local-path' }), undefined, 'delete'],
    ['already being deleted: wait for the node', volume('pv1', { claimUid: UID, phase: 'Released', policy: 'Delete', provisioned: 'skiff.dev/local-path', deleting: true }), undefined, 'none'],
    ['Released and Delete, another provisioner: theirs', volume('pv1', { claimUid: UID, phase: 'Released', policy: 'Delete', provisioned: 'example.com/x' }), undefined, 'none'],
    ['Released and Delete, made by hand: Failed', volume('pv1', { claimUid: UID, phase: 'Released', policy: 'Delete' }), undefined, 'phase Failed VolumeFailedDelete'],
    ['Released and Recycle: Failed', volume('pv1', { claimUid: UID, phase: 'Released', policy: 'Recycle' }), undefined, 'phase Failed VolumeFailedRecycle'],
    ['Failed stays Failed', volume('pv1', { claimUid: UID, phase: 'Failed', policy: 'Delete' }), undefined, 'none'],
    ['chosen by the controller for a claim bound elsewhere: given back', volume('pv1', { claimUid: UID, phase: 'Bound', byController: true }), claim({ volumeName: 'pv2', bound: true }), 'unbind'],
    ['pre-bound by the user for a claim bound elsewhere: left alone', volume('pv1', { claimUid: UID, phase: 'Bound' }), claim({ volumeName: 'pv2', bound: true }), 'none'],
  ])('%s', (_name, v, c, expected) => {
    const s = planVolumeSync(v, c);
    const described = s.action === 'phase' ? `phase ${s.status.phase}${s.event ? ` ${s.event.reason}` : ''}` : s.action;
    expect(described).toBe(expected);
  });
});
