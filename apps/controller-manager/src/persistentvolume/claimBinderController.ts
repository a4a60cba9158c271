import { ANN_BETA_STORAGE_PROVISIONER, ANN_STORAGE_PROVISIONER, claimClass, deepEqual, isClaimBindCompleted, shape, type KubeObject } from '@skiff/apimachinery';
import type { Controller, ObjectRef, ReconcileContext } from '@skiff/controller-runtime';
import type { PersistentVolume, PersistentVolumeClaim } from 'kubernetes-types/core/v1.js';
import type { StorageClass } from 'kubernetes-types/storage/v1.js';
import { PERSISTENTVOLUMECLAIMS, PERSISTENTVOLUMES, STORAGECLASSES } from '../resources.js';
import { asObject, claimBoundToVolume, claimStatus, volumeBoundToClaim } from './bindObjects.js';
import { EventsOnce } from './eventsOnce.js';
import { planClaimSync, type ClaimStep } from './planClaimSync.js';
import { volumeWithPhase } from './volumePhase.js';

/**
 * The PV controller's claim side (Kubernetes' persistentvolume-binder, syncClaim): binds each
 * claim to a matching volume, or asks its class's provisioner for one, and keeps its phase
 * (Pending, Bound, Lost). Volumes are listed from the API, not the cache: two claims must never
 * both see one volume as free. If they race anyway, the volume write carries the resourceVersion
 * read, so the second write is a Conflict and its claim tries again from fresh.
 */
export function claimBinderController(): Controller {
  const events = new EventsOnce();
  return {
    name: 'persistentvolumeclaim-binder',
    for: PERSISTENTVOLUMECLAIMS,
    watches: [
      // A volume wakes the claim it names; a free one, every claim still looking.
      { type: PERSISTENTVOLUMES, map: (obj, ctx) => claimsWokenByVolume(shape<PersistentVolume>(obj), ctx.cache(PERSISTENTVOLUMECLAIMS)) },
      {
        type: STORAGECLASSES,
        map: (obj, ctx) =>
          ctx
            .cache(PERSISTENTVOLUMECLAIMS)
            .filter((c) => !isClaimBindCompleted(shape<PersistentVolumeClaim>(c)) && claimClass(shape<PersistentVolumeClaim>(c)) === obj.metadata.name)
            .map(refOfClaim),
      },
    ],
    concurrency: 4,
    reconcile: (ref, ctx) => reconcileClaim(ref, ctx, events),
  };
}

function refOfClaim(c: KubeObject): ObjectRef {
  return { namespace: c.metadata.namespace, name: c.metadata.name! };
}

export function claimsWokenByVolume(volume: PersistentVolume, claims: readonly KubeObject[]): ObjectRef[] {
  const ref = volume.spec?.claimRef;
  if (ref?.name && ref.namespace) return [{ namespace: ref.namespace, name: ref.name }];
  return claims.filter((c) => !isClaimBindCompleted(shape<PersistentVolumeClaim>(c))).map(refOfClaim);
}

export async function reconcileClaim(ref: ObjectRef, ctx: ReconcileContext, events: EventsOnce): Promise<void> {
  const obj = await ctx.client.getIfExists(PERSISTENTVOLUMECLAIMS, ref.namespace, ref.name);
  if (!obj) return;
  const claim = shape<PersistentVolumeClaim>(obj);
  // From the cache, as kube-controller-manager's binder does: a volume bound a moment ago but not yet
  // seen here is refused by the update's resourceVersion (a Conflict, retried), never bound twice.
  const volumes = ctx.cache(PERSISTENTVOLUMES).map((v) => shape<PersistentVolume>(v));
  const classes = ctx.cache(STORAGECLASSES).map((c) => shape<StorageClass>(c));
  const plan = planClaimSync(claim, volumes, classes);
  if (plan.event) await events.record(ctx, obj, plan.event.type, plan.event.reason, plan.event.message);
  await take(plan.step, claim, ctx);
}

/** The one write a step makes; each is visible to the next pass through the watch it causes. */
async function take(step: ClaimStep, claim: PersistentVolumeClaim, ctx: ReconcileContext): Promise<void> {
  switch (step.action) {
    case 'bindVolume':
      await ctx.client.update(PERSISTENTVOLUMES, asObject(volumeBoundToClaim(step.volume, claim)));
      return;
    case 'markVolumeBound':
      await ctx.client.updateStatus(PERSISTENTVOLUMES, asObject(volumeWithPhase(step.volume, { phase: 'Bound' }, ctx.now())));
      return;
    case 'bindClaim':
      await ctx.client.update(PERSISTENTVOLUMECLAIMS, asObject(claimBoundToVolume(claim, step.volume)));
      return;
    case 'askProvisioner': {
      const annotations = { ...claim.metadata?.annotations, [ANN_STORAGE_PROVISIONER]: step.provisioner, [ANN_BETA_STORAGE_PROVISIONER]: step.provisioner };
      await ctx.client.update(PERSISTENTVOLUMECLAIMS, asObject({ ...claim, metadata: { ...claim.metadata, annotations } }));
      return;
    }
    case 'status': {
      const status = claimStatus(claim, step.phase, step.volume);
      if (deepEqual(status, claim.status ?? {})) return;
      await ctx.client.updateStatus(PERSISTENTVOLUMECLAIMS, asObject({ ...claim, status }));
      return;
    }
  }
}

