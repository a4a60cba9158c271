import type { KubeObject, OwnerReference } from '@skiff/apimachinery';
import { FOREGROUND_DELETION, hasFinalizer, ORPHAN } from './ownerReferences.js';

/**
 * What the collector knows of one owner:
 *   live                 - exists with the referenced uid (being deleted without waiting counts too);
 *   waitingForDependents - exists and is being deleted in the foreground;
 *   absent               - no object of that name, or one with another uid (a re-created owner);
 *   unresolvable         - a kind the API server does not serve, or a namespaced owner of a
 *                          cluster-scoped object: it can never be proved gone, so it keeps the dependent.
 */
export type OwnerState = 'live' | 'waitingForDependents' | 'absent' | 'unresolvable';

export interface OwnerStatus {
  ref: OwnerReference;
  state: OwnerState;
}

export type DeletePropagation = 'Background' | 'Foreground' | 'Orphan';

export type DependentAction =
  | { action: 'none' }
  | { action: 'delete'; propagationPolicy: DeletePropagation }
  | { action: 'removeOwnerReferences'; uids: string[] };

/** The state of the owner a reference names, given the object found under its name (if any). */
export function ownerState(ref: OwnerReference, found: KubeObject | undefined): OwnerState {
  if (!found || found.metadata.uid !== ref.uid) return 'absent';
  if (found.metadata.deletionTimestamp && hasFinalizer(found, FOREGROUND_DELETION)) return 'waitingForDependents';
  return 'live';
}

/**
 * Kubernetes' attemptToDeleteItem for one dependent:
 *   being deleted already                     -> nothing;
 *   some owner live (or unresolvable)         -> drop the references to absent and waiting owners, keep the object;
 *   no live owner, one waiting for dependents -> delete it, in the foreground if it has dependents of its own
 *                                                (so the waiting owner also waits for those);
 *   every owner absent                        -> delete it, honouring a propagation finalizer it already has.
 */
export function planDependent(dependent: KubeObject, owners: readonly OwnerStatus[], hasDependents: boolean): DependentAction {
  if (dependent.metadata.deletionTimestamp || owners.length === 0) return { action: 'none' };
  const solid = owners.filter((o) => o.state === 'live' || o.state === 'unresolvable');
  if (solid.length > 0) {
    const uids = owners.filter((o) => o.state === 'absent' || o.state === 'waitingForDependents').map((o) => o.ref.uid);
    return uids.length ? { action: 'removeOwnerReferences', uids } : { action: 'none' };
  }
  if (owners.some((o) => o.state === 'waitingForDependents') && hasDependents) return { action: 'delete', propagationPolicy: 'Foreground' };
  if (hasFinalizer(dependent, ORPHAN)) return { action: 'delete', propagationPolicy: 'Orphan' };
  if (hasFinalizer(dependent, FOREGROUND_DELETION)) return { action: 'delete', propagationPolicy: 'Foreground' };
  return { action: 'delete', propagationPolicy: 'Background' };
}
