import { ANN_PROVISIONED_BY, LOCAL_PATH_PROVISIONER, shape, type KubeObject } from '@skiff/apimachinery';
import type { PersistentVolume, PersistentVolumeClaim } from 'kubernetes-types/core/v1.js';

/**
 * What a pod's `persistentVolumeClaim` volume mounts, read from its claim and the claim's volume
 * (the kubelet's getPVCExtractPV, with its messages): a directory on this node. A local-path
 * volume's directory is made on first use; any other must already be there (a hostPath volume
 * with DirectoryOrCreate excepted), as the kubelet leaves a pre-made volume's content alone.
 */
export type ClaimVolume = { ok: true; path: string; create: boolean; volumeName: string } | { ok: false; message: string };

/** The claim and its volume as fetched; undefined for what does not exist. */
export interface FetchedClaim {
  claim?: KubeObject;
  volume?: KubeObject;
}

export function claimVolume(namespace: string, claimName: string, fetched: FetchedClaim): ClaimVolume {
  const fail = (why: string): ClaimVolume => ({ ok: false, message: `error processing PVC ${namespace}/${claimName}: ${why}` });
  if (!fetched.claim) return fail(`failed to fetch PVC from API server: persistentvolumeclaims "${claimName}" not found`);
  const claim = shape<PersistentVolumeClaim>(fetched.claim);
  if (claim.status?.phase !== 'Bound') return fail('PVC is not bound');
  const volumeName = claim.spec?.volumeName;
  if (!volumeName) return fail('PVC has empty pvc.Spec.VolumeName');
  if (!fetched.volume) return fail(`failed to fetch PV "${volumeName}" from API server: persistentvolumes "${volumeName}" not found`);
  const volume = shape<PersistentVolume>(fetched.volume);
  const ref = volume.spec?.claimRef;
  if (ref?.name !== claimName || ref.namespace !== namespace || ref.uid !== claim.metadata?.uid) {
    return fail(`found PV object "${volumeName}" but it has a ClaimRef that points to PVC ${ref?.namespace ?? ''}/${ref?.name ?? ''} (uid ${JSON.stringify(ref?.uid ?? '')}), not to this PVC`);
  }
  if (volume.spec?.local?.path) {
    const provisioned = volume.metadata?.annotations?.[ANN_PROVISIONED_BY] === LOCAL_PATH_PROVISIONER;
    return { ok: true, path: volume.spec.local.path, create: provisioned, volumeName };
  }
  if (volume.spec?.hostPath?.path) return { ok: true, path: volume.spec.hostPath.path, create: volume.spec.hostPath.type === 'DirectoryOrCreate', volumeName };
  return fail(`PV "${volumeName}" has no volume source this node can mount`);
}
