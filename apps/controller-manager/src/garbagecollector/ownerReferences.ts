import { findByKind, RESOURCE_TYPES, type KubeObject, type OwnerReference, type ResourceType } from '@skiff/apimachinery';

/** The finalizers a DELETE with propagationPolicy Foreground / Orphan puts on the owner. */
export const FOREGROUND_DELETION = 'foregroundDeletion';
export const ORPHAN = 'orphan';

/**
 * Kinds the garbage collector tracks: every kind that can be listed, watched and deleted, except
 * Events (Kubernetes' collector ignores them too: they are many, short-lived and never owners).
 */
export const COLLECTED_TYPES: readonly ResourceType[] = RESOURCE_TYPES.filter(
  (t) => ['list', 'watch', 'delete'].every((v) => t.verbs.includes(v)) && !(t.group === '' && t.resource === 'events'),
);

/** The served kind an ownerReference names, if any. */
export function ownerTypeOf(ref: OwnerReference): ResourceType | undefined {
  return findByKind(ref.apiVersion, ref.kind);
}

export function hasFinalizer(obj: KubeObject, finalizer: string): boolean {
  return obj.metadata.finalizers?.includes(finalizer) ?? false;
}

/** An owner deleted with propagationPolicy Foreground: it waits for its blocking dependents. */
export function isDeletingDependents(obj: KubeObject): boolean {
  return !!obj.metadata.deletionTimestamp && hasFinalizer(obj, FOREGROUND_DELETION);
}

export function isDependentOf(obj: KubeObject, ownerUid: string | undefined): boolean {
  return !!ownerUid && (obj.metadata.ownerReferences?.some((r) => r.uid === ownerUid) ?? false);
}

/** A dependent that must be gone before its owner goes (Foreground deletion). */
export function blocksOwnerDeletion(obj: KubeObject, ownerUid: string | undefined): boolean {
  return !!ownerUid && (obj.metadata.ownerReferences?.some((r) => r.uid === ownerUid && r.blockOwnerDeletion === true) ?? false);
}

/** The ownerReferences left once those to `uids` are dropped; `null` removes the field in a merge patch. */
export function ownerReferencesWithout(obj: KubeObject, uids: readonly string[]): OwnerReference[] | null {
  const kept = (obj.metadata.ownerReferences ?? []).filter((r) => !uids.includes(r.uid));
  return kept.length ? kept : null;
}

/** The finalizers left once `finalizer` is dropped; `null` removes the field in a merge patch. */
export function finalizersWithout(obj: KubeObject, finalizer: string): string[] | null {
  const kept = (obj.metadata.finalizers ?? []).filter((f) => f !== finalizer);
  return kept.length ? kept : null;
}
