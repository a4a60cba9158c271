import type { ReconcileContext } from '@skiff/controller-runtime';
import { newControllerRevision, nextRevision, planUpdateRevision, revisionsToTruncate, type ControllerRevisionObject } from '../history/controllerHistory.js';
import { createControllerRevision, deleteControllerRevision, listControllerRevisions, updateControllerRevision } from '../history/revisionHistory.js';
import { podRevision, revisionData, type PodObject, type StatefulSetObject } from './statefulPods.js';

export interface StatefulSetRevisions {
  /** Sorted, as listed at the start of the pass. */
  revisions: ControllerRevisionObject[];
  current: ControllerRevisionObject;
  update: ControllerRevisionObject;
  collisionCount: number;
}

/** newRevision: the set's template as a revision, with the set's annotations. */
export function newStatefulSetRevision(set: StatefulSetObject, revision: number, collisionCount: number): ControllerRevisionObject {
  const rev = newControllerRevision(set, set.spec?.template?.metadata?.labels, revisionData(set), revision, collisionCount);
  rev.metadata.annotations = { ...(set.metadata.annotations ?? {}) };
  return rev;
}

/**
 * getStatefulSetRevisions: the update revision is the set's template (an existing equal revision
 * is reused, and moved to the top when it is older: a rollback); the current revision is the one
 * status names, or the update revision for a new set.
 */
export async function statefulSetRevisions(set: StatefulSetObject, ctx: ReconcileContext): Promise<StatefulSetRevisions> {
  const revisions = await listControllerRevisions(ctx.client, set, set.spec?.selector);
  let collisionCount = set.status?.collisionCount ?? 0;
  const plan = planUpdateRevision(revisions, newStatefulSetRevision(set, nextRevision(revisions), collisionCount));
  let update: ControllerRevisionObject;
  switch (plan.action) {
    case 'unchanged':
      update = plan.revision;
      break;
    case 'bump':
      update = await updateControllerRevision(ctx.client, plan.revision, plan.to);
      break;
    case 'create':
      ({ revision: update, collisionCount } = await createControllerRevision(ctx.client, set, plan.revision, collisionCount));
      break;
  }
  const current = revisions.find((r) => r.metadata.name === set.status?.currentRevision) ?? update;
  return { revisions, current, update, collisionCount };
}

/** truncateHistory: keeps revisionHistoryLimit revisions besides the live ones (current, update, on a pod). */
export async function truncateHistory(set: StatefulSetObject, pods: readonly PodObject[], r: StatefulSetRevisions, ctx: ReconcileContext): Promise<void> {
  const live = new Set([r.current.metadata.name!, r.update.metadata.name!]);
  for (const pod of pods) {
    const rev = podRevision(pod);
    if (rev) live.add(rev);
  }
  for (const rev of revisionsToTruncate(r.revisions, live, set.spec?.revisionHistoryLimit ?? 10)) await deleteControllerRevision(ctx.client, rev);
}
