import { NotFoundError, selectorFromLabelSelector, selectorToString, type KubeObject } from '@skiff/apimachinery';
import { type Controller, type ObjectRef, type ReconcileContext, type ReconcileResult } from '@skiff/controller-runtime';
import { applyClaim, planClaim } from '../common/ownership.js';
import { persistentVolumeClaims, PODS, STATEFULSETS } from '../resources.js';
import { planStatefulSetUpdate } from './planStatefulSetUpdate.js';
import { StatefulPodControl } from './statefulPodControl.js';
import { applyRevision, isMemberOf, type ClaimObject, type PodObject, type StatefulSetObject } from './statefulPods.js';
import { statefulSetRevisions, truncateHistory } from './statefulSetRevisions.js';
import { computeReplicaStatus, sameStatefulSetStatus, statefulSetStatus } from './statefulSetStatus.js';

/**
 * StatefulSet controller (pkg/controller/statefulset): pods with stable names, hostnames and
 * storage, created and removed in ordinal order (or all at once with Parallel), rolled to a new
 * template from the highest ordinal down to the partition, with the template's history kept as
 * ControllerRevisions for `kubectl rollout history/undo`.
 */
export function statefulSetController(): Controller {
  return {
    name: 'statefulset',
    for: STATEFULSETS,
    owns: [PODS],
    concurrency: 4,
    reconcile: reconcileStatefulSet,
  };
}

/** One pass: claim pods -> revisions -> plan -> act -> status -> history. */
export async function reconcileStatefulSet(ref: ObjectRef, ctx: ReconcileContext): Promise<ReconcileResult | void> {
  const set = (await ctx.client.getIfExists(STATEFULSETS, ref.namespace, ref.name)) as StatefulSetObject | undefined;
  if (!set) return;
  // Being deleted: the garbage collector removes the pods; nothing here may make new ones.
  if (set.metadata.deletionTimestamp) return;
  const pods = await claimPods(set, ctx);
  const revisions = await statefulSetRevisions(set, ctx);
  const claims = await listClaims(set, ctx);
  const plan = planStatefulSetUpdate({
    set,
    currentSet: applyRevision(set, revisions.current),
    currentRevision: revisions.current.metadata.name!,
    updateRevision: revisions.update.metadata.name!,
    pods,
    claims,
    now: ctx.now(),
  });
  if (plan.waitingFor) ctx.log.debug({ key: `${ref.namespace}/${ref.name}`, waitingFor: plan.waitingFor }, 'statefulset waits');

  const control = new StatefulPodControl(set, claims, ctx);
  let failure: unknown;
  try {
    for (const action of plan.actions) await control.run(action);
  } catch (err) {
    failure = err;
  }

  // The status is written even when an action failed, as Kubernetes does: it says what is there.
  const now = ctx.now();
  const counts = computeReplicaStatus(pods, set.spec?.minReadySeconds ?? 0, revisions.current.metadata.name!, revisions.update.metadata.name!, now);
  const status = statefulSetStatus(set, counts, revisions.current.metadata.name!, revisions.update.metadata.name!, revisions.collisionCount);
  if (!sameStatefulSetStatus(set.status, status)) {
    try {
      await ctx.client.patch(STATEFULSETS, set.metadata.namespace, set.metadata.name!, { status }, 'merge', { subresource: 'status' });
    } catch (err) {
      if (!(err instanceof NotFoundError)) throw err;
    }
  }
  if (failure) throw failure;
  await truncateHistory(set, pods, revisions, ctx);
  if (counts.nextAvailableAt !== undefined) return { requeueAfterMs: Math.max(0, counts.nextAvailableAt - now.getTime()) + 10 };
}

/**
 * getPodsForStatefulSet: the pods matching the selector and named `<set>-<ordinal>`, adopting
 * orphans and releasing pods that stopped matching. Read from the API, not the cache, so a pass
 * right after a create sees what it made.
 */
async function claimPods(set: StatefulSetObject, ctx: ReconcileContext): Promise<PodObject[]> {
  const selector = selectorFromLabelSelector(set.spec?.selector as never);
  const matching = (await ctx.client.list(PODS, { namespace: set.metadata.namespace, labelSelector: selectorToString(selector) })).items;
  const listed = new Set(matching.map((m) => m.metadata.uid));
  const drifted = ctx.cache(PODS).filter((p) => p.metadata.namespace === set.metadata.namespace && !listed.has(p.metadata.uid));
  const plan = planClaim(set, selector, [...matching, ...drifted], (pod) => isMemberOf(set, pod));
  const adopted = await applyClaim(ctx.client, PODS, set, plan);
  return [...plan.owned, ...adopted] as PodObject[];
}

/** The claims in the set's namespace, by name; only a set with claim templates reads them. */
async function listClaims(set: StatefulSetObject, ctx: ReconcileContext): Promise<Map<string, ClaimObject>> {
  if (!set.spec?.volumeClaimTemplates?.length) return new Map();
  const { items } = await ctx.client.list(persistentVolumeClaims(), { namespace: set.metadata.namespace });
  return new Map(items.map((c: KubeObject) => [c.metadata.name!, c as ClaimObject]));
}
