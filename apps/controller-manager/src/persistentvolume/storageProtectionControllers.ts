import { NotFoundError, PV_PROTECTION_FINALIZER, PVC_PROTECTION_FINALIZER, shape, type KubeObject } from '@skiff/apimachinery';
import type { Controller, ObjectRef, ReconcileContext } from '@skiff/controller-runtime';
import type { Pod } from 'kubernetes-types/core/v1.js';
import { PERSISTENTVOLUMECLAIMS, PERSISTENTVOLUMES, PODS } from '../resources.js';
import { claimProtectionDone, volumeProtectionDone, withoutFinalizer } from './storageProtection.js';

/**
 * Kubernetes' pvc-protection controller: a claim being deleted keeps its finalizer while a
 * scheduled pod names it. Pods are listed from the API for the decision: a stale cache missing a
 * new pod would let the claim, and with it the pod's data, go.
 */
export function claimProtectionController(): Controller {
  return {
    name: 'pvc-protection',
    for: PERSISTENTVOLUMECLAIMS,
    filter: (claim) => !!claim.metadata.finalizers?.includes(PVC_PROTECTION_FINALIZER),
    watches: [
      {
        type: PODS,
        map: (pod) =>
          (shape<Pod>(pod).spec?.volumes ?? []).flatMap((v) => (v.persistentVolumeClaim?.claimName ? [{ namespace: pod.metadata.namespace, name: v.persistentVolumeClaim.claimName }] : [])),
      },
    ],
    concurrency: 2,
    reconcile: reconcileClaimProtection,
  };
}

async function getOrUndefined(ctx: ReconcileContext, ref: ObjectRef, type: typeof PERSISTENTVOLUMES): Promise<KubeObject | undefined> {
  try {
    return await ctx.client.get(type, ref.namespace, ref.name);
  } catch (err) {
    if (err instanceof NotFoundError) return undefined;
    throw err;
  }
}

export async function reconcileClaimProtection(ref: ObjectRef, ctx: ReconcileContext): Promise<void> {
  const claim = await getOrUndefined(ctx, ref, PERSISTENTVOLUMECLAIMS);
  if (!claim?.metadata.deletionTimestamp) return;
  const pods = (await ctx.client.list(PODS, { namespace: ref.namespace })).items;
  if (!claimProtectionDone(claim, pods)) return;
  await ctx.client.patch(PERSISTENTVOLUMECLAIMS, ref.namespace, ref.name, withoutFinalizer(claim, PVC_PROTECTION_FINALIZER));
}

/** Kubernetes' pv-protection controller: a volume being deleted keeps its finalizer while it is Bound. */
export function volumeProtectionController(): Controller {
  return {
    name: 'pv-protection',
    for: PERSISTENTVOLUMES,
    filter: (volume) => !!volume.metadata.finalizers?.includes(PV_PROTECTION_FINALIZER),
    concurrency: 2,
    reconcile: async (ref, ctx) => {
      const volume = await getOrUndefined(ctx, ref, PERSISTENTVOLUMES);
      if (!volume || !volumeProtectionDone(volume)) return;
      await ctx.client.patch(PERSISTENTVOLUMES, undefined, ref.name, withoutFinalizer(volume, PV_PROTECTION_FINALIZER));
    },
  };
}
