import { ANN_BIND_COMPLETED, ANN_BOUND_BY_CONTROLLER, isVolumeBoundToClaim, type KubeObject } from '@skiff/apimachinery';

export { volumeBoundToClaim } from '@skiff/apimachinery';
import type { PersistentVolume, PersistentVolumeClaim, PersistentVolumeClaimStatus } from 'kubernetes-types/core/v1.js';

/**
 * The objects a binding step writes, built as copies (the read objects stay untouched): the
 * volume pointing at its claim, the claim naming its volume, either one's new status.
 * (Kubernetes' bindVolumeToClaim, bindClaimToVolume, updateClaimStatus, unbindVolume.)
 */

/** A typed volume or claim as the client writes it. */
export function asObject(obj: PersistentVolume | PersistentVolumeClaim): KubeObject {
  return obj as KubeObject;
}

/** Whether the volume's claimRef is this very claim, uid included (not just pre-bound by name). */
export function volumeRefersToClaim(volume: PersistentVolume, claim: PersistentVolumeClaim): boolean {
  return isVolumeBoundToClaim(volume, claim) && volume.spec?.claimRef?.uid === claim.metadata?.uid;
}

/** The volume given back: no claimRef and no controller mark, so it is Available again. */
export function volumeUnbound(volume: PersistentVolume): PersistentVolume {
  const next = structuredClone(volume);
  if (next.spec) delete next.spec.claimRef;
  if (next.metadata?.annotations) {
    delete next.metadata.annotations[ANN_BOUND_BY_CONTROLLER];
  }
  return next;
}

/** The claim naming its volume, with bind-completed (and bound-by-controller when the controller chose the volume). */
export function claimBoundToVolume(claim: PersistentVolumeClaim, volume: PersistentVolume): PersistentVolumeClaim {
  const next = structuredClone(claim);
  const chosenByController = !claim.spec?.volumeName;
  next.spec = { ...next.spec, volumeName: volume.metadata?.name };
  next.metadata = {
    ...next.metadata,
    annotations: { ...next.metadata?.annotations, [ANN_BIND_COMPLETED]: 'yes', ...(chosenByController ? { [ANN_BOUND_BY_CONTROLLER]: 'yes' } : {}) },
  };
  return next;
}

/** Whether the claim already says everything claimBoundToVolume would. */
export function claimRecordsBinding(claim: PersistentVolumeClaim, volume: PersistentVolume): boolean {
  return claim.spec?.volumeName === volume.metadata?.name && claim.metadata?.annotations?.[ANN_BIND_COMPLETED] !== undefined;
}

/**
 * A claim's status in `phase`: with a volume its access modes, and its capacity when the claim
 * is becoming Bound (a later difference may be a resize in progress, so it is not overwritten);
 * without one, neither.
 */
export function claimStatus(claim: PersistentVolumeClaim, phase: string, volume: PersistentVolume | undefined): PersistentVolumeClaimStatus {
  const current = claim.status ?? {};
  const next: PersistentVolumeClaimStatus = { ...current, phase };
  if (!volume) {
    delete next.accessModes;
    delete next.capacity;
    return next;
  }
  next.accessModes = volume.spec?.accessModes;
  if (current.phase !== phase || !current.capacity) {
    const storage = volume.spec?.capacity?.storage;
    next.capacity = storage !== undefined ? { ...current.capacity, storage } : current.capacity;
  }
  return next;
}
