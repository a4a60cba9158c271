import { AlreadyExistsError, ANN_NODE_VOLUME_DIR, claimClass, NotFoundError, shape, type KubeObject } from '@skiff/apimachinery';
import { TerminalError, type Controller, type ObjectRef, type ReconcileContext } from '@skiff/controller-runtime';
import type { PersistentVolume, PersistentVolumeClaim } from 'kubernetes-types/core/v1.js';
import type { StorageClass } from 'kubernetes-types/storage/v1.js';
import { NODES, PERSISTENTVOLUMECLAIMS, PERSISTENTVOLUMES, STORAGECLASSES } from '../resources.js';
import { asObject } from './bindObjects.js';
import { EventsOnce } from './eventsOnce.js';
import { decideProvisioning, localPathVolume } from './localPathVolume.js';

/**
 * Skiff's local-path provisioner: makes a node-local volume for each claim the PV controller
 * hands to `skiff.dev/local-path`, on the node the scheduler picked for the claim's first pod.
 * Deleting is the node agent's (only it can remove the directory), announced by the PV
 * controller deleting the volume object.
 */
export function localPathProvisioner(): Controller {
  const events = new EventsOnce();
  return {
    name: 'local-path-provisioner',
    for: PERSISTENTVOLUMECLAIMS,
    watches: [
      // A volume gone before its claim was bound leaves the claim to provision again.
      { type: PERSISTENTVOLUMES, map: (obj) => claimOfVolume(obj) },
      { type: STORAGECLASSES, map: (obj, ctx) => ctx.cache(PERSISTENTVOLUMECLAIMS).filter((c) => claimClass(shape<PersistentVolumeClaim>(c)) === obj.metadata.name).map((c) => ({ namespace: c.metadata.namespace, name: c.metadata.name! })) },
    ],
    concurrency: 2,
    reconcile: (ref, ctx) => reconcileProvisioning(ref, ctx, events),
  };
}

function claimOfVolume(obj: KubeObject): ObjectRef[] {
  const ref = shape<PersistentVolume>(obj).spec?.claimRef;
  return ref?.name && ref.namespace ? [{ namespace: ref.namespace, name: ref.name }] : [];
}

export async function reconcileProvisioning(ref: ObjectRef, ctx: ReconcileContext, events: EventsOnce): Promise<void> {
  const obj = await ctx.client.getIfExists(PERSISTENTVOLUMECLAIMS, ref.namespace, ref.name);
  if (!obj) return;
  const claim = shape<PersistentVolumeClaim>(obj);
  const className = claimClass(claim);
  const sc = className ? ctx.cache(STORAGECLASSES).find((c) => c.metadata.name === className) : undefined;
  const existing = new Set(ctx.cache(PERSISTENTVOLUMES).map((v) => v.metadata.name!));
  const decision = decideProvisioning(claim, sc && shape<StorageClass>(sc), existing);
  if (decision.action === 'none') return;
  if (decision.action === 'refuse') {
    await events.record(ctx, obj, 'Warning', 'ProvisioningFailed', `failed to provision volume with StorageClass "${className}": ${decision.message}`);
    throw new TerminalError(decision.message);
  }
  let node: KubeObject;
  try {
    node = await ctx.client.get(NODES, undefined, decision.nodeName);
  } catch (err) {
    if (!(err instanceof NotFoundError)) throw err;
    await events.record(ctx, obj, 'Warning', 'ProvisioningFailed', `failed to get target node: nodes "${decision.nodeName}" not found`);
    throw err;
  }
  const volumeDir = node.metadata.annotations?.[ANN_NODE_VOLUME_DIR];
  if (!volumeDir) {
    const message = `failed to provision volume with StorageClass "${className}": node "${decision.nodeName}" does not say where its volumes go (annotation ${ANN_NODE_VOLUME_DIR})`;
    await events.record(ctx, obj, 'Warning', 'ProvisioningFailed', message);
    // A node registering later may still say it: retried with backoff.
    throw new Error(message);
  }
  const volume = localPathVolume(claim, shape<StorageClass>(sc!), decision.nodeName, volumeDir);
  try {
    await ctx.client.create(PERSISTENTVOLUMES, asObject(volume));
  } catch (err) {
    if (err instanceof AlreadyExistsError) return;
    throw err;
  }
  await ctx.events.record(obj, 'Normal', 'ProvisioningSucceeded', `Successfully provisioned volume ${volume.metadata!.name}`);
}
