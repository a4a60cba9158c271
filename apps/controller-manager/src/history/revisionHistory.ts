import { AlreadyExistsError, NotFoundError, selectorFromLabelSelector, selectorToString, type KubeObject } from '@skiff/apimachinery';
import type { ApiClient } from '@skiff/kube-client';
import type { LabelSelector } from 'kubernetes-types/meta/v1.js';
import { applyClaim, planClaim } from '../common/ownership.js';
import { CONTROLLERREVISIONS } from '../resources.js';
import { canonicalData, controllerRevisionName, hashControllerRevision, sortRevisions, type ControllerRevisionObject } from './controllerHistory.js';

/**
 * Kubernetes' controller history (pkg/controller/history): the half that talks to the API server.
 * StatefulSets and DaemonSets keep their templates' history through these calls.
 */

/**
 * ListControllerRevisions plus the parent's adoption of orphans: the revisions in the parent's
 * namespace its selector matches that it controls, or that nobody controls (those it adopts), by
 * revision. Revisions controlled by another parent are left alone; none are ever released.
 */
export async function listControllerRevisions(client: ApiClient, parent: KubeObject, selector: LabelSelector | undefined): Promise<ControllerRevisionObject[]> {
  const sel = selectorFromLabelSelector(selector as never);
  const { items } = await client.list(CONTROLLERREVISIONS, { namespace: parent.metadata.namespace, labelSelector: selectorToString(sel) });
  const plan = planClaim(parent, sel, items);
  const adopted = await applyClaim(client, CONTROLLERREVISIONS, parent, { ...plan, release: [] });
  return sortRevisions([...plan.owned, ...adopted] as ControllerRevisionObject[]);
}

/**
 * CreateControllerRevision: creates `revision` under the name its data and collision count hash
 * to. A same-named revision with the same data is the one wanted (made by an earlier pass);
 * one with other data is a hash collision, so the count goes up and the name changes.
 * Returns the stored revision and the collision count the parent must record.
 */
export async function createControllerRevision(client: ApiClient, parent: KubeObject, revision: ControllerRevisionObject, collisionCount: number): Promise<{ revision: ControllerRevisionObject; collisionCount: number }> {
  for (let count = collisionCount; ; count++) {
    const hash = hashControllerRevision(revision.data, count);
    const candidate: ControllerRevisionObject = structuredClone(revision);
    candidate.metadata.name = controllerRevisionName(parent.metadata.name!, hash);
    candidate.metadata.namespace = parent.metadata.namespace;
    try {
      return { revision: (await client.create(CONTROLLERREVISIONS, candidate)) as ControllerRevisionObject, collisionCount: count };
    } catch (err) {
      if (!(err instanceof AlreadyExistsError)) throw err;
      const existing = (await client.get(CONTROLLERREVISIONS, candidate.metadata.namespace, candidate.metadata.name)) as ControllerRevisionObject;
      if (canonicalData(existing.data) === canonicalData(candidate.data)) return { revision: existing, collisionCount: count };
    }
  }
}

/** UpdateControllerRevision: only the revision number changes (a rollback to this snapshot). */
export async function updateControllerRevision(client: ApiClient, revision: ControllerRevisionObject, newRevision: number): Promise<ControllerRevisionObject> {
  if (revision.revision === newRevision) return revision;
  return (await client.patch(CONTROLLERREVISIONS, revision.metadata.namespace, revision.metadata.name!, { metadata: { uid: revision.metadata.uid }, revision: newRevision })) as ControllerRevisionObject;
}

export async function deleteControllerRevision(client: ApiClient, revision: ControllerRevisionObject): Promise<void> {
  try {
    await client.delete(CONTROLLERREVISIONS, revision.metadata.namespace, revision.metadata.name!, { preconditions: { uid: revision.metadata.uid } });
  } catch (err) {
    if (!(err instanceof NotFoundError)) throw err;
  }
}
