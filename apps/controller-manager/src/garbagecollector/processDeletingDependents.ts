import type { KubeObject, ResourceType } from '@skiff/apimachinery';
import type { ReconcileContext } from '@skiff/controller-runtime';
import { listDependents } from './listDependents.js';
import { blocksOwnerDeletion, FOREGROUND_DELETION, finalizersWithout } from './ownerReferences.js';

/**
 * The owner's side of a Foreground deletion: its dependents delete themselves (each one's
 * reconcile sees an owner waiting for it); once no dependent with blockOwnerDeletion is left, the
 * `foregroundDeletion` finalizer comes off and the API server removes the owner.
 */
export async function processDeletingDependents(type: ResourceType, owner: KubeObject, ctx: ReconcileContext): Promise<void> {
  const blocking = (await listDependents(ctx.client, type, owner)).filter((d) => blocksOwnerDeletion(d.obj, owner.metadata.uid));
  if (blocking.length > 0) {
    // Each blocking dependent's deletion wakes this owner again.
    ctx.log.debug({ blocking: blocking.map((d) => `${d.obj.kind}/${d.obj.metadata.name}`) }, 'waiting for blocking dependents');
    return;
  }
  const { namespace, name, resourceVersion } = owner.metadata;
  await ctx.client.patch(type, namespace, name!, { metadata: { resourceVersion, finalizers: finalizersWithout(owner, FOREGROUND_DELETION) } }, 'merge');
  ctx.log.info('no blocking dependents left; removed the foregroundDeletion finalizer');
}
