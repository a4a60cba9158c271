import type { KubeObject, ResourceType } from '@skiff/apimachinery';
import type { ReconcileContext } from '@skiff/controller-runtime';
import { listDependents } from './listDependents.js';
import { finalizersWithout, ORPHAN, ownerReferencesWithout } from './ownerReferences.js';

/**
 * An Orphan deletion: every dependent loses its reference to the owner (and so survives it),
 * then the `orphan` finalizer comes off and the API server removes the owner.
 */
export async function orphanDependents(type: ResourceType, owner: KubeObject, ctx: ReconcileContext): Promise<void> {
  const uid = owner.metadata.uid!;
  for (const { type: depType, obj } of await listDependents(ctx.client, type, owner)) {
    const { namespace, name, resourceVersion } = obj.metadata;
    // The resourceVersion is a precondition: a dependent changed since the list is retried, not overwritten.
    await ctx.client.patch(depType, namespace, name!, { metadata: { resourceVersion, ownerReferences: ownerReferencesWithout(obj, [uid]) } }, 'merge');
  }
  const { namespace, name, resourceVersion } = owner.metadata;
  await ctx.client.patch(type, namespace, name!, { metadata: { resourceVersion, finalizers: finalizersWithout(owner, ORPHAN) } }, 'merge');
  ctx.log.info('dependents orphaned; removed the orphan finalizer');
}
