import { ANN_BOUND_BY_CONTROLLER, ANN_PROVISIONED_BY, LOCAL_PATH_PROVISIONER } from '@skiff/apimachinery';
import type { PersistentVolume, PersistentVolumeClaim } from 'kubernetes-types/core/v1.js';

export interface VolumePhase {
  phase: 'Pending' | 'Available' | 'Bound' | 'Released' | 'Failed';
  reason?: string;
  message?: string;
}

/**
 * The one next step for a volume (pv_controller.go syncVolume and reclaimVolume):
 *   no claimRef, or one without uid (pre-bound, waiting) -> Available;
 *   its claim is gone                                   -> Released, then reclaim by policy;
 *   its claim names it                                  -> Bound;
 *   its claim is not bound yet                          -> nothing (the claim's pass binds);
 *   its claim went to another volume                    -> provisioned for it and Delete: reclaim;
 *                                                          chosen by the controller: give it back;
 *                                                          pre-bound by the user: leave it.
 * Reclaiming: Retain keeps the volume Released; Delete removes the PV object (a local-path
 * volume keeps a finalizer until its node agent has removed the directory); Recycle, and Delete
 * of a volume no one here provisioned, fail with Kubernetes' messages.
 */
export type VolumeStep =
  | { action: 'none' }
  | { action: 'phase'; status: VolumePhase; event?: { type: 'Normal' | 'Warning'; reason: string } }
  | { action: 'delete' }
  | { action: 'unbind' };

const NONE: VolumeStep = { action: 'none' };

const phase = (status: VolumePhase, event?: { type: 'Normal' | 'Warning'; reason: string }): VolumeStep => ({ action: 'phase', status, ...(event ? { event } : {}) });

/** `claim` is the claim the claimRef names, when it exists with the same uid. */
export function planVolumeSync(volume: PersistentVolume, claim: PersistentVolumeClaim | undefined): VolumeStep {
  const ref = volume.spec?.claimRef;
  if (!ref || !ref.uid) return phase({ phase: 'Available' });
  if (!claim) {
    const current = volume.status?.phase;
    if (current !== 'Released' && current !== 'Failed') return phase({ phase: 'Released' });
    return current === 'Released' ? reclaim(volume) : NONE;
  }
  const claimed = claim.spec?.volumeName;
  if (!claimed) return NONE;
  if (claimed === volume.metadata?.name) return phase({ phase: 'Bound' });
  const annotations = volume.metadata?.annotations ?? {};
  if (annotations[ANN_PROVISIONED_BY] !== undefined && volume.spec?.persistentVolumeReclaimPolicy === 'Delete') {
    const current = volume.status?.phase;
    if (current !== 'Released' && current !== 'Failed') return phase({ phase: 'Released' });
    return current === 'Released' ? reclaim(volume) : NONE;
  }
  if (annotations[ANN_BOUND_BY_CONTROLLER] !== undefined) return { action: 'unbind' };
  return NONE;
}

function reclaim(volume: PersistentVolume): VolumeStep {
  switch (volume.spec?.persistentVolumeReclaimPolicy) {
    case 'Retain':
      return NONE;
    case 'Recycle':
      return phase({ phase: 'Failed', message: 'No recycler plugin found for the volume!' }, { type: 'Warning', reason: 'VolumeFailedRecycle' });
    case 'Delete': {
      const provisioner = volume.metadata?.annotations?.[ANN_PROVISIONED_BY];
      if (provisioner === LOCAL_PATH_PROVISIONER) return volume.metadata?.deletionTimestamp ? NONE : { action: 'delete' };
      // Another provisioner deletes what it made.
      if (provisioner !== undefined) return NONE;
      return phase(
        { phase: 'Failed', message: `error getting deleter volume plugin for volume "${volume.metadata?.name}": no deletable volume plugin matched` },
        { type: 'Warning', reason: 'VolumeFailedDelete' },
      );
    }
    default:
      return NONE;
  }
}
