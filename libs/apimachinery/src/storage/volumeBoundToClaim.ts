import type { PersistentVolume, PersistentVolumeClaim } from 'kubernetes-types/core/v1.js';
import { ANN_BOUND_BY_CONTROLLER } from './annotations.js';
import { isVolumeBoundToClaim } from './persistentVolumeClaims.js';

/**
 * A copy of the volume with claimRef set to the claim (Kubernetes' bindVolumeToClaim), marked
 * bound-by-controller unless it was already pre-bound to that claim. The PV controller writes it
 * for claims it binds; the scheduler for WaitForFirstConsumer claims it binds on the chosen node.
 */
export function volumeBoundToClaim(volume: PersistentVolume, claim: PersistentVolumeClaim): PersistentVolume {
  const next = structuredClone(volume);
  const preBound = isVolumeBoundToClaim(volume, claim);
  next.spec = {
    ...next.spec,
    claimRef: {
      kind: 'PersistentVolumeClaim',
      namespace: claim.metadata?.namespace,
      name: claim.metadata?.name,
      uid: claim.metadata?.uid,
      apiVersion: 'v1',
      resourceVersion: claim.metadata?.resourceVersion,
    },
  };
  if (!preBound) next.metadata = { ...next.metadata, annotations: { ...next.metadata?.annotations, [ANN_BOUND_BY_CONTROLLER]: 'yes' } };
  return next;
}
