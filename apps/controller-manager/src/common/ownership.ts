import { matchesLabels, type KubeObject, type LabelSelector, type OwnerReference, type ResourceType } from '@skiff/apimachinery';
import type { ApiClient } from '@skiff/kube-client';

export function controllerRef(obj: KubeObject): OwnerReference | undefined {
  return obj.metadata.ownerReferences?.find((r) => r.controller);
}

export function isControlledBy(obj: KubeObject, owner: KubeObject): boolean {
  return controllerRef(obj)?.uid === owner.metadata.uid;
}

export function ownerReferenceTo(owner: KubeObject): OwnerReference {
  return { apiVersion: owner.apiVersion!, kind: owner.kind!, name: owner.metadata.name!, uid: owner.metadata.uid!, controller: true, blockOwnerDeletion: true };
}

export interface ClaimPlan {
  /** Controlled by the owner and matching its selector. */
  owned: KubeObject[];
  /** Orphans that match the selector: the owner takes them. */
  adopt: KubeObject[];
  /** Controlled by the owner but no longer matching: let go. */
  release: KubeObject[];
}

/**
 * Kubernetes' ControllerRefManager: which candidates an owner controls, adopts and releases.
 * Objects controlled by someone else are never touched; an owner being deleted adopts nothing
 * and releases nothing (the garbage collector takes it from there). `belongs` narrows what matches
 * beyond the selector (a StatefulSet's pods must also be named after it).
 */
export function planClaim(owner: KubeObject, selector: LabelSelector, candidates: readonly KubeObject[], belongs: (obj: KubeObject) => boolean = () => true): ClaimPlan {
  const plan: ClaimPlan = { owned: [], adopt: [], release: [] };
  const deleting = !!owner.metadata.deletionTimestamp;
  for (const c of candidates) {
    if (c.metadata.namespace !== owner.metadata.namespace) continue;
    const ref = controllerRef(c);
    const matches = matchesLabels(selector, c.metadata.labels) && belongs(c);
    if (ref) {
      if (ref.uid !== owner.metadata.uid) continue;
      if (matches) plan.owned.push(c);
      else if (!deleting) plan.release.push(c);
      else plan.owned.push(c);
    } else if (matches && !deleting && !c.metadata.deletionTimestamp) {
      plan.adopt.push(c);
    }
  }
  return plan;
}

/**
 * Carries out adoption and release with merge patches that name the object's uid, so a
 * same-named replacement is never claimed by mistake. Returns the adopted objects as stored.
 */
export async function applyClaim(client: ApiClient, type: ResourceType, owner: KubeObject, plan: ClaimPlan): Promise<KubeObject[]> {
  const adopted: KubeObject[] = [];
  for (const obj of plan.adopt) {
    const refs = [...(obj.metadata.ownerReferences ?? []), ownerReferenceTo(owner)];
    adopted.push(await client.patch(type, obj.metadata.namespace, obj.metadata.name!, { metadata: { uid: obj.metadata.uid, ownerReferences: refs } }));
  }
  for (const obj of plan.release) {
    const refs = (obj.metadata.ownerReferences ?? []).filter((r) => r.uid !== owner.metadata.uid);
    await client.patch(type, obj.metadata.namespace, obj.metadata.name!, { metadata: { uid: obj.metadata.uid, ownerReferences: refs.length ? refs : null } });
  }
  return adopted;
}
