import {
  ANN_PROVISIONED_BY,
  ANN_SELECTED_NODE,
  ANN_STORAGE_PROVISIONER,
  claimClass,
  isClaimBindCompleted,
  LOCAL_PATH_CLEANUP_FINALIZER,
  LOCAL_PATH_PROVISIONER,
  singleNodeAffinity,
} from '@skiff/apimachinery';
import type { PersistentVolume, PersistentVolumeClaim } from 'kubernetes-types/core/v1.js';
import type { StorageClass } from 'kubernetes-types/storage/v1.js';

/** What the local-path provisioner does for a claim (Rancher's local-path-provisioner, built in). */
export type ProvisionDecision =
  | { action: 'none' }
  | { action: 'provision'; nodeName: string; volumeName: string }
  /** A claim the provisioner can never serve as it is: said once, not retried until it changes. */
  | { action: 'refuse'; message: string };

const LOCAL_ACCESS_MODES = ['ReadWriteOnce', 'ReadWriteOncePod'];

/** The volume's name: `pvc-<claim uid>`, so a retried provisioning finds the volume it made. */
export function provisionedVolumeName(claim: PersistentVolumeClaim): string {
  return `pvc-${claim.metadata?.uid}`;
}

/**
 * A claim is ours once the PV controller asked this provisioner (the storage-provisioner
 * annotation) and it is not bound. A node-local directory needs a node: with WaitForFirstConsumer
 * the scheduler's choice (the selected-node annotation); with Immediate binding there is none to
 * pick, which Rancher's provisioner refuses the same way.
 */
export function decideProvisioning(claim: PersistentVolumeClaim, sc: StorageClass | undefined, existing: ReadonlySet<string>): ProvisionDecision {
  if (isClaimBindCompleted(claim) || claim.spec?.volumeName) return { action: 'none' };
  if (claim.metadata?.annotations?.[ANN_STORAGE_PROVISIONER] !== LOCAL_PATH_PROVISIONER) return { action: 'none' };
  if (!sc || sc.provisioner !== LOCAL_PATH_PROVISIONER || claimClass(claim) !== sc.metadata?.name) return { action: 'none' };
  const volumeName = provisionedVolumeName(claim);
  if (existing.has(volumeName)) return { action: 'none' };
  if (claim.spec?.selector) return { action: 'refuse', message: 'claim Selector is not supported' };
  if ((claim.spec?.accessModes ?? []).some((m) => !LOCAL_ACCESS_MODES.includes(m))) {
    return { action: 'refuse', message: 'NodePath only supports ReadWriteOnce and ReadWriteOncePod (1.22+) access modes' };
  }
  const nodeName = claim.metadata?.annotations?.[ANN_SELECTED_NODE];
  if (!nodeName) {
    if (sc.volumeBindingMode === 'WaitForFirstConsumer') return { action: 'none' };
    return { action: 'refuse', message: 'configuration error, no node was specified' };
  }
  return { action: 'provision', nodeName, volumeName };
}

/**
 * The volume for a claim on a node: `<volumeDir>/<name>` there (the node agent makes the
 * directory when a pod mounts it), only usable on that node, pre-bound to the claim (the PV
 * controller completes the binding), of the size and modes asked, reclaimed by the class's
 * policy. The finalizer keeps it until the node agent has removed the directory.
 */
export function localPathVolume(claim: PersistentVolumeClaim, sc: StorageClass, nodeName: string, volumeDir: string): PersistentVolume {
  const name = provisionedVolumeName(claim);
  return {
    apiVersion: 'v1',
    kind: 'PersistentVolume',
    metadata: {
      name,
      annotations: { [ANN_PROVISIONED_BY]: LOCAL_PATH_PROVISIONER },
      finalizers: [LOCAL_PATH_CLEANUP_FINALIZER],
    },
    spec: {
      capacity: { storage: claim.spec?.resources?.requests?.storage ?? '0' },
      accessModes: claim.spec?.accessModes ?? ['ReadWriteOnce'],
      persistentVolumeReclaimPolicy: sc.reclaimPolicy ?? 'Delete',
      storageClassName: sc.metadata?.name,
      volumeMode: claim.spec?.volumeMode ?? 'Filesystem',
      ...(sc.mountOptions ? { mountOptions: sc.mountOptions } : {}),
      claimRef: { kind: 'PersistentVolumeClaim', apiVersion: 'v1', namespace: claim.metadata?.namespace, name: claim.metadata?.name, uid: claim.metadata?.uid },
      local: { path: `${volumeDir.replace(/\/+$/, '')}/${name}` },
      nodeAffinity: singleNodeAffinity(nodeName),
    },
  };
}
