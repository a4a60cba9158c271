import {
  accessModesSatisfied,
  ANN_BETA_STORAGE_PROVISIONER,
  ANN_SELECTED_NODE,
  ANN_STORAGE_PROVISIONER,
  claimClass,
  findMatchingVolume,
  holdsAtLeast,
  isClaimBindCompleted,
  isDelayBindingClass,
  isVolumeBoundToClaim,
  requestedStorage,
  volumeCapacity,
  volumeClass,
  volumeModeOf,
} from '@skiff/apimachinery';
import type { PersistentVolume, PersistentVolumeClaim } from 'kubernetes-types/core/v1.js';
import type { StorageClass } from 'kubernetes-types/storage/v1.js';
import { claimRecordsBinding, volumeRefersToClaim } from './bindObjects.js';

/** A provisioner that provisions nothing: such a class only binds pre-made volumes. */
export const NO_PROVISIONER = 'kubernetes.io/no-provisioner';

export interface ClaimEvent {
  type: 'Normal' | 'Warning';
  reason: string;
  message: string;
}

/**
 * The one next step for a claim (pv_controller.go syncClaim). Binding is four writes, one per
 * pass, each visible before the next is decided: the volume's claimRef, the volume's phase, the
 * claim's volumeName, the claim's status. A crash between any two leaves a state the next pass
 * finishes from.
 */
export type ClaimStep =
  | { action: 'bindVolume'; volume: PersistentVolume }
  | { action: 'markVolumeBound'; volume: PersistentVolume }
  | { action: 'bindClaim'; volume: PersistentVolume }
  | { action: 'askProvisioner'; provisioner: string }
  | { action: 'status'; phase: 'Pending' | 'Bound' | 'Lost'; volume?: PersistentVolume };

export interface ClaimPlan {
  step: ClaimStep;
  /** What to tell the user about a claim left Pending or Lost. */
  event?: ClaimEvent;
}

export function planClaimSync(claim: PersistentVolumeClaim, volumes: readonly PersistentVolume[], classes: readonly StorageClass[]): ClaimPlan {
  return isClaimBindCompleted(claim) ? planBoundClaim(claim, volumes) : planUnboundClaim(claim, volumes, classes);
}

const byName = (volumes: readonly PersistentVolume[], name: string) => volumes.find((v) => v.metadata?.name === name);

/** The next of the four binding writes that is still to be made. */
export function bindStep(claim: PersistentVolumeClaim, volume: PersistentVolume): ClaimStep {
  if (!volumeRefersToClaim(volume, claim)) return { action: 'bindVolume', volume };
  if (volume.status?.phase !== 'Bound') return { action: 'markVolumeBound', volume };
  if (!claimRecordsBinding(claim, volume)) return { action: 'bindClaim', volume };
  return { action: 'status', phase: 'Bound', volume };
}

function pending(event?: ClaimEvent): ClaimPlan {
  return { step: { action: 'status', phase: 'Pending' }, ...(event ? { event } : {}) };
}

function planUnboundClaim(claim: PersistentVolumeClaim, volumes: readonly PersistentVolume[], classes: readonly StorageClass[]): ClaimPlan {
  const volumeName = claim.spec?.volumeName;
  if (volumeName) return planPreBoundClaim(claim, volumeName, volumes);

  const className = claimClass(claim);
  const sc = className ? classes.find((c) => c.metadata?.name === className) : undefined;
  // With WaitForFirstConsumer only a volume pre-bound to the claim is taken here: the scheduler
  // binds free volumes itself, on the node it picks, or names that node for the provisioner.
  const delayBinding = isDelayBindingClass(sc);
  const volume = findMatchingVolume(claim, volumes, { delayBinding });
  if (volume) return { step: bindStep(claim, volume) };
  if (delayBinding && !claim.metadata?.annotations?.[ANN_SELECTED_NODE]) {
    return pending({ type: 'Normal', reason: 'WaitForFirstConsumer', message: 'waiting for first consumer to be created before binding' });
  }
  if (sc && sc.provisioner && sc.provisioner !== NO_PROVISIONER) {
    const annotations = claim.metadata?.annotations ?? {};
    if (annotations[ANN_STORAGE_PROVISIONER] !== sc.provisioner || annotations[ANN_BETA_STORAGE_PROVISIONER] !== sc.provisioner) {
      return {
        step: { action: 'askProvisioner', provisioner: sc.provisioner },
        event: {
          type: 'Normal',
          reason: 'ExternalProvisioning',
          message: `Waiting for a volume to be created either by the external provisioner '${sc.provisioner}' or manually by the system administrator. If volume creation is delayed, please verify that the provisioner is running and correctly registered.`,
        },
      };
    }
    return pending();
  }
  if (className && !sc) return pending({ type: 'Warning', reason: 'ProvisioningFailed', message: `storageclass.storage.k8s.io "${className}" not found` });
  return pending({ type: 'Normal', reason: 'FailedBinding', message: 'no persistent volumes available for this claim and no storage class is set' });
}

/** The user named the volume: bind it if it is free (or already ours) and fits. */
function planPreBoundClaim(claim: PersistentVolumeClaim, volumeName: string, volumes: readonly PersistentVolume[]): ClaimPlan {
  const volume = byName(volumes, volumeName);
  if (!volume) return pending();
  if (!volume.spec?.claimRef) {
    const mismatch = volumeMismatch(claim, volume);
    if (mismatch) return pending({ type: 'Warning', reason: 'VolumeMismatch', message: `Cannot bind to requested volume "${volumeName}": ${mismatch}` });
    return { step: bindStep(claim, volume) };
  }
  if (isVolumeBoundToClaim(volume, claim)) return { step: bindStep(claim, volume) };
  return pending();
}

/** Why a volume the claim names cannot serve it (Kubernetes' checkVolumeSatisfyClaim), or undefined. */
export function volumeMismatch(claim: PersistentVolumeClaim, volume: PersistentVolume): string | undefined {
  if (!holdsAtLeast(volumeCapacity(volume), requestedStorage(claim))) return 'requested PV is too small';
  if (volumeClass(volume) !== claimClass(claim)) return 'storageClassName does not match';
  if (volumeModeOf(volume.spec) !== volumeModeOf(claim.spec)) return 'incompatible volumeMode';
  if (!accessModesSatisfied(claim, volume)) return 'incompatible accessMode';
  return undefined;
}

function planBoundClaim(claim: PersistentVolumeClaim, volumes: readonly PersistentVolume[]): ClaimPlan {
  const lost = (message: string): ClaimPlan => ({ step: { action: 'status', phase: 'Lost' }, event: { type: 'Warning', reason: 'ClaimLost', message } });
  const volumeName = claim.spec?.volumeName;
  if (!volumeName) return lost('Bound claim has lost reference to PersistentVolume. Data on the volume is lost!');
  const volume = byName(volumes, volumeName);
  if (!volume) return lost('Bound claim has lost its PersistentVolume. Data on the volume is lost!');
  if (!volume.spec?.claimRef || isVolumeBoundToClaim(volume, claim)) return { step: bindStep(claim, volume) };
  return { step: { action: 'status', phase: 'Lost' }, event: { type: 'Warning', reason: 'ClaimMisbound', message: 'Two claims are bound to the same volume, this one is bound incorrectly' } };
}
