import { NotFoundError, shape, type KubeObject } from '@skiff/apimachinery';
import type { Controller, ObjectRef, ReconcileContext } from '@skiff/controller-runtime';
import type { PersistentVolume, PersistentVolumeClaim } from 'kubernetes-types/core/v1.js';
import { PERSISTENTVOLUMECLAIMS, PERSISTENTVOLUMES } from '../resources.js';
import { asObject, volumeUnbound } from './bindObjects.js';
import { planVolumeSync } from './planVolumeSync.js';
import { hasPhase, volumeWithPhase } from './volumePhase.js';

/**
 * The PV controller's volume side (Kubernetes' syncVolume): keeps each volume's phase
 * (Available, Bound, Released, Failed), gives back volumes it chose for a claim that went
 * elsewhere, and reclaims volumes whose claim is gone by their policy. The claim is read from the
 * API: releasing a volume on a stale "claim is gone" would hand its data to the next claim.
 */
export function volumeBinderController(): Controller {
  return {
    name: 'persistentvolume-binder',
    for: PERSISTENTVOLUMES,
    watches: [{ type: PERSISTENTVOLUMECLAIMS, map: (obj, ctx) => volumesOfClaim(shape<PersistentVolumeClaim>(obj), ctx.cache(PERSISTENTVOLUMES)) }],
    concurrency: 4,
    reconcile: reconcileVolume,
  };
}

/** The volumes a claim change concerns: the one it names, and those whose claimRef names it. */
export function volumesOfClaim(claim: PersistentVolumeClaim, volumes: readonly KubeObject[]): ObjectRef[] {
  const names = new Set<string>();
  if (claim.spec?.volumeName) names.add(claim.spec.volumeName);
  for (const v of volumes) {
    const ref = shape<PersistentVolume>(v).spec?.claimRef;
    if (ref?.namespace === claim.metadata?.namespace && ref?.name === claim.metadata?.name) names.add(v.metadata.name!);
  }
  return [...names].map((name) => ({ name }));
}

async function claimOf(volume: PersistentVolume, ctx: ReconcileContext): Promise<PersistentVolumeClaim | undefined> {
  const ref = volume.spec?.claimRef;
  if (!ref?.uid || !ref.name) return undefined;
  try {
    const claim = shape<PersistentVolumeClaim>(await ctx.client.get(PERSISTENTVOLUMECLAIMS, ref.namespace, ref.name));
    // A new claim under the old name is not this volume's claim.
    return claim.metadata?.uid === ref.uid ? claim : undefined;
  } catch (err) {
    if (err instanceof NotFoundError) return undefined;
    throw err;
  }
}

export async function reconcileVolume(ref: ObjectRef, ctx: ReconcileContext): Promise<void> {
  const obj = await ctx.client.getIfExists(PERSISTENTVOLUMES, undefined, ref.name);
  if (!obj) return;
  const volume = shape<PersistentVolume>(obj);
  const step = planVolumeSync(volume, await claimOf(volume, ctx));
  switch (step.action) {
    case 'none':
      return;
    case 'phase':
      if (hasPhase(volume, step.status)) return;
      await ctx.client.updateStatus(PERSISTENTVOLUMES, asObject(volumeWithPhase(volume, step.status, ctx.now())));
      if (step.event) await ctx.events.record(obj, step.event.type, step.event.reason, step.status.message ?? '');
      return;
    case 'unbind':
      await ctx.client.update(PERSISTENTVOLUMES, asObject(volumeUnbound(volume)));
      return;
    case 'delete':
      try {
        await ctx.client.delete(PERSISTENTVOLUMES, undefined, ref.name, { preconditions: { uid: obj.metadata.uid } });
      } catch (err) {
        if (!(err instanceof NotFoundError)) throw err;
      }
      return;
  }
}
