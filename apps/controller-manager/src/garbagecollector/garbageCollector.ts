import { deepEqual, groupVersion, type KubeObject, type ResourceType } from '@skiff/apimachinery';
import { refOf, type CacheReader, type Controller, type ObjectRef, type ReconcileContext } from '@skiff/controller-runtime';
import { attemptToDelete } from './attemptToDelete.js';
import { orphanDependents } from './orphanDependents.js';
import { COLLECTED_TYPES, hasFinalizer, isDeletingDependents, ORPHAN } from './ownerReferences.js';
import { processDeletingDependents } from './processDeletingDependents.js';

/**
 * Kubernetes' garbage collector as one controller per collected kind (a controller has one root
 * kind; owners and dependents may be of any kind). Each reconciles an object of its kind by key:
 *   gone                                    -> nothing;
 *   being deleted with the orphan finalizer -> orphan its dependents, drop the finalizer;
 *   being deleted in the foreground         -> drop `foregroundDeletion` once no blocking dependent is left;
 *   has ownerReferences                     -> delete it if every owner is gone, or drop the dangling references.
 */
export function garbageCollectorControllers(): Controller[] {
  return COLLECTED_TYPES.map(garbageCollectorFor);
}

export function garbageCollectorFor(type: ResourceType): Controller {
  return {
    name: `garbagecollector-${type.group ? `${type.resource}.${type.group}` : type.resource}`,
    for: type,
    watches: COLLECTED_TYPES.map((watched) => ({ type: watched, map: (obj: KubeObject, ctx: CacheReader) => relatedKeys(type, watched, obj, ctx) })),
    // Its decision depends on the object's owners, deletion and finalizers alone (the owners'
    // changes come through the watches): a status write or a Lease renewal wakes nothing.
    updated: (obj, old) =>
      !deepEqual(obj.metadata.ownerReferences, old.metadata.ownerReferences) ||
      obj.metadata.deletionTimestamp !== old.metadata.deletionTimestamp ||
      !deepEqual(obj.metadata.finalizers, old.metadata.finalizers),
    async reconcile(ref: ObjectRef, ctx: ReconcileContext): Promise<void> {
      // The cache is enough to pick the action: every write below carries a uid or resourceVersion precondition.
      const obj = ctx.cached(type, ref);
      if (!obj) return;
      if (obj.metadata.deletionTimestamp) {
        if (hasFinalizer(obj, ORPHAN)) return orphanDependents(type, obj, ctx);
        if (isDeletingDependents(obj)) return processDeletingDependents(type, obj, ctx);
        return;
      }
      if (obj.metadata.ownerReferences?.length) return attemptToDelete(type, obj, ctx);
    },
  };
}

/**
 * Which objects of `type` a change to `obj` (of kind `watched`) concerns:
 *  - its dependents, once it is gone or deleting them in the foreground (they may now have no owner);
 *  - its owners that wait for their dependents in the foreground (a blocking dependent may be gone).
 * Other changes (status updates, say) concern nobody: the object's own key covers it.
 */
export function relatedKeys(type: ResourceType, watched: ResourceType, obj: KubeObject, ctx: CacheReader): ObjectRef[] {
  const keys: ObjectRef[] = [];
  const uid = obj.metadata.uid;
  // By index: this runs for every event of every collected kind, once per collected kind.
  const gone = !uid || ctx.byIndex(watched, 'uid', uid).length === 0;
  if (uid && (gone || isDeletingDependents(obj))) {
    for (const dependent of ctx.byIndex(type, 'owner', uid)) keys.push(refOf(dependent));
  }
  const apiVersion = groupVersion(type);
  for (const ownerRef of obj.metadata.ownerReferences ?? []) {
    if (ownerRef.kind !== type.kind || ownerRef.apiVersion !== apiVersion) continue;
    const owner = ctx.byIndex(type, 'uid', ownerRef.uid)[0];
    if (owner && isDeletingDependents(owner)) keys.push(refOf(owner));
  }
  return keys;
}
