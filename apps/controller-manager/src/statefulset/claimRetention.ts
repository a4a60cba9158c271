import type { KubeObject, OwnerReference } from '@skiff/apimachinery';
import { podInOrdinalRange, type ClaimObject, type StatefulSetObject } from './statefulPods.js';

/**
 * persistentVolumeClaimRetentionPolicy carried out the way Kubernetes does: not by deleting claims
 * itself, but by putting ownerReferences on them so the garbage collector does.
 * - whenDeleted: Delete -> the claim is owned by the StatefulSet (goes when the set goes);
 * - whenScaled: Delete -> a claim of a pod scaled away is owned by that pod (goes with it).
 * Retain removes the matching reference. References added here are not controller references.
 */

export type RetentionPolicy = { whenDeleted: 'Retain' | 'Delete'; whenScaled: 'Retain' | 'Delete' };

export function retentionPolicy(set: StatefulSetObject): RetentionPolicy {
  const p = set.spec?.persistentVolumeClaimRetentionPolicy ?? {};
  return { whenDeleted: p.whenDeleted === 'Delete' ? 'Delete' : 'Retain', whenScaled: p.whenScaled === 'Delete' ? 'Delete' : 'Retain' };
}

function refTo(owner: KubeObject, apiVersion: string, kind: string): OwnerReference {
  return { apiVersion, kind, name: owner.metadata.name!, uid: owner.metadata.uid! };
}

function hasRef(refs: readonly OwnerReference[], owner: KubeObject): boolean {
  return refs.some((r) => r.uid === owner.metadata.uid);
}

/**
 * The ownerReferences `claim` should have for this set and pod (updateClaimOwnerRefForSetAndPod),
 * or undefined when it already has them. A pod not yet created (no uid) gets no reference.
 *
 * | whenScaled | whenDeleted | pod in range      | pod scaled away   |
 * |------------|-------------|-------------------|-------------------|
 * | Retain     | Retain      | no set, no pod    | no set, no pod    |
 * | Retain     | Delete      | set, no pod       | set, no pod       |
 * | Delete     | Retain      | no set, no pod    | no set, pod       |
 * | Delete     | Delete      | set, no pod       | no set, pod       |
 */
export function claimOwnerReferences(claim: ClaimObject, set: StatefulSetObject, pod: KubeObject): OwnerReference[] | undefined {
  const policy = retentionPolicy(set);
  const scaledDown = !podInOrdinalRange(pod, set);
  const wantSet = policy.whenDeleted === 'Delete' && !(policy.whenScaled === 'Delete' && scaledDown);
  const wantPod = policy.whenScaled === 'Delete' && scaledDown && !!pod.metadata.uid;
  let refs = [...(claim.metadata.ownerReferences ?? [])] as OwnerReference[];
  let changed = false;
  const toggle = (owner: KubeObject, want: boolean, apiVersion: string, kind: string) => {
    if (!owner.metadata.uid) return;
    const has = hasRef(refs, owner);
    if (want && !has) {
      refs.push(refTo(owner, apiVersion, kind));
      changed = true;
    } else if (!want && has) {
      refs = refs.filter((r) => r.uid !== owner.metadata.uid);
      changed = true;
    }
  };
  toggle(set, wantSet, 'apps/v1', 'StatefulSet');
  if (pod.metadata.uid) toggle(pod, wantPod, 'v1', 'Pod');
  return changed ? refs : undefined;
}

/**
 * hasStaleOwnerRef: the claim is owned by an earlier pod of the same name (one with another uid,
 * or any, when the pod is not created yet). The garbage collector is about to delete it, so a new
 * pod must not start on it.
 */
export function claimIsStale(claim: ClaimObject, pod: KubeObject): boolean {
  return (claim.metadata.ownerReferences ?? []).some((r) => r.kind === 'Pod' && r.name === pod.metadata.name && r.uid !== pod.metadata.uid);
}
