import { groupVersion, NotFoundError, type KubeObject, type OwnerReference, type ResourceType } from '@skiff/apimachinery';
import { TerminalError, type ReconcileContext } from '@skiff/controller-runtime';
import { ApiDiscovery, type ApiClient } from '@skiff/kube-client';
import { COLLECTED_TYPES, ownerReferencesWithout, ownerTypeOf } from './ownerReferences.js';
import { ownerState, planDependent, type OwnerState, type OwnerStatus } from './planDependent.js';

/**
 * The dependent's side of garbage collection: looks up each owner, then deletes the object when
 * no owner is left, or drops the references to owners that are gone while another still lives.
 */
export async function attemptToDelete(type: ResourceType, obj: KubeObject, ctx: ReconcileContext): Promise<void> {
  const owners: OwnerStatus[] = [];
  for (const ref of obj.metadata.ownerReferences ?? []) owners.push({ ref, state: await lookupOwner(obj, ref, ctx) });
  // Only an owner waiting in the foreground makes it matter whether this object owns others (a cache scan).
  const hasDependents = owners.some((o) => o.state === 'waitingForDependents') && COLLECTED_TYPES.some((t) => ctx.byIndex(t, 'owner', obj.metadata.uid!).length > 0);
  const plan = planDependent(obj, owners, hasDependents);
  const { namespace, name, uid, resourceVersion } = obj.metadata;

  switch (plan.action) {
    case 'delete':
      ctx.log.info({ propagationPolicy: plan.propagationPolicy, owners: owners.map((o) => `${o.ref.kind}/${o.ref.name}:${o.state}`) }, 'deleting object whose owners are gone');
      // The uid precondition keeps a re-created object of the same name out of harm's way.
      await ctx.client.delete(type, namespace, name!, { propagationPolicy: plan.propagationPolicy, preconditions: { uid } });
      break;
    case 'removeOwnerReferences':
      ctx.log.info({ uids: plan.uids }, 'removing references to owners that are gone');
      await ctx.client.patch(type, namespace, name!, { metadata: { resourceVersion, ownerReferences: ownerReferencesWithout(obj, plan.uids) } }, 'merge');
      break;
    case 'none':
      break;
  }

  const unresolvable = owners.filter((o) => o.state === 'unresolvable');
  if (unresolvable.length) {
    // No retry can resolve these; the object stays until its references are fixed (which wakes it again).
    throw new TerminalError(`ownerReferences that can never be resolved: ${unresolvable.map((o) => describe(obj, o.ref)).join(', ')}`);
  }
}

/**
 * An owner present in the cache with the referenced uid is trusted: if it has gone since, its
 * deletion wakes this dependent again. An owner missing from the cache may just be newer than the
 * cache, so its absence is confirmed with the API before anything is deleted.
 */
async function lookupOwner(dependent: KubeObject, ref: OwnerReference, ctx: ReconcileContext): Promise<OwnerState> {
  const type = ownerTypeOf(ref) ?? (await discoveryOf(ctx.client).resourceFor(ref.apiVersion, ref.kind));
  if (!type) return 'unresolvable';
  if (type.namespaced && !dependent.metadata.namespace) return 'unresolvable';
  const namespace = type.namespaced ? dependent.metadata.namespace : undefined;
  if (COLLECTED_TYPES.includes(type)) {
    const cached = ctx.byIndex(type, 'uid', ref.uid).find((o) => o.metadata.name === ref.name && o.metadata.namespace === namespace);
    if (cached) return ownerState(ref, cached);
  }
  try {
    return ownerState(ref, await ctx.client.get(type, namespace, ref.name));
  } catch (err) {
    if (err instanceof NotFoundError) return 'absent';
    throw err;
  }
}

const discoveries = new WeakMap<ApiClient, ApiDiscovery>();

/** Owners of kinds this build does not know (custom resources) are found through the server's discovery. */
function discoveryOf(client: ApiClient): ApiDiscovery {
  let d = discoveries.get(client);
  if (!d) {
    d = new ApiDiscovery(client);
    discoveries.set(client, d);
  }
  return d;
}

function describe(dependent: KubeObject, ref: OwnerReference): string {
  const type = ownerTypeOf(ref);
  if (!type) return `${ref.apiVersion}/${ref.kind} ${ref.name} (kind not served)`;
  return `${groupVersion(type)}/${ref.kind} ${ref.name} (namespaced owner of cluster-scoped ${dependent.kind} ${dependent.metadata.name})`;
}
