import { InvalidError, JOB_CONTROLLER_UID_LABEL, JOB_NAME_LABEL, NotFoundError, selectorFromLabelSelector, selectorToString, type KubeObject } from '@skiff/apimachinery';
import { TerminalError, type Controller, type ObjectRef, type ReconcileContext, type ReconcileResult } from '@skiff/controller-runtime';
import type { Pod } from 'kubernetes-types/core/v1.js';
import { applyClaim, controllerRef, planClaim } from '../common/ownership.js';
import { JOBS, PODS } from '../resources.js';
import { asJob, asPod, hasTrackingFinalizer, JOB_TRACKING_FINALIZER, podForJob } from './jobPods.js';
import { planJob } from './jobPlan.js';

/**
 * Job controller (Kubernetes' pkg/controller/job): runs a Job's pods to completion. Each pass
 * picks one step from `planJob` (count, release, stop, create) and carries it out; the change it
 * makes brings the Job back for the next. Pods are read from the API, not the cache, so a pass
 * right after a create sees the pods it made.
 */
export function jobController(): Controller {
  return {
    name: 'job',
    for: JOBS,
    owns: [PODS],
    // A pod orphaned while held (its Job deleted with propagationPolicy Orphan) still names its Job in a label.
    watches: [{ type: PODS, map: (obj) => (isHeldOrphan(asPod(obj)) ? [{ namespace: obj.metadata.namespace, name: obj.metadata.labels![JOB_NAME_LABEL] }] : []) }],
    concurrency: 8,
    reconcile: reconcileJob,
  };
}

export async function reconcileJob(ref: ObjectRef, ctx: ReconcileContext): Promise<ReconcileResult | void> {
  let obj: KubeObject;
  try {
    obj = await ctx.client.get(JOBS, ref.namespace, ref.name);
  } catch (err) {
    if (!(err instanceof NotFoundError)) throw err;
    // The Job is gone: its pods must not be held by a finalizer nobody will remove.
    await removeTrackingFinalizers(heldByFormerJob(ref, undefined, ctx), ctx);
    return;
  }
  await removeTrackingFinalizers(heldByFormerJob(ref, obj.metadata.uid, ctx), ctx);
  const pods = await podsOf(obj, ctx);
  const plan = planJob(asJob(obj), pods.map(asPod), ctx.now());
  const step = plan.step;
  switch (step.kind) {
    case 'writeStatus':
      try {
        await ctx.client.updateStatus(JOBS, { ...obj, status: step.status as Record<string, unknown> });
      } catch (err) {
        if (err instanceof NotFoundError) return;
        throw err;
      }
      for (const e of step.events) void ctx.events.record(obj, e.type, e.reason, e.message);
      break;
    case 'removeFinalizers':
      await removeTrackingFinalizers(step.pods, ctx);
      break;
    case 'deletePods':
      await deletePods(obj, step.pods, step.countAsFailed, ctx);
      break;
    case 'createPods':
      await createPods(obj, step.indexes ?? Array.from({ length: step.count }, () => undefined), ctx);
      break;
    case 'none':
      break;
  }
  if (plan.requeueAfterMs !== undefined) return { requeueAfterMs: plan.requeueAfterMs + 10 };
}

/** The Job's pods: those its selector matches (adopting orphans), and those it controls whose labels drifted. */
async function podsOf(job: KubeObject, ctx: ReconcileContext): Promise<KubeObject[]> {
  const selector = selectorFromLabelSelector(asJob(job).spec?.selector as never);
  const matching = (await ctx.client.list(PODS, { namespace: job.metadata.namespace, labelSelector: selectorToString(selector) })).items;
  const listed = new Set(matching.map((p) => p.metadata.uid));
  const drifted = ctx.cache(PODS).filter((p) => p.metadata.namespace === job.metadata.namespace && !listed.has(p.metadata.uid) && controllerRef(p)?.uid === job.metadata.uid);
  const claim = planClaim(job, selector, [...matching, ...drifted]);
  const adopted = await applyClaim(ctx.client, PODS, job, claim);
  // A pod let go (its labels no longer match) is no longer the Job's to count: nothing may hold it.
  await removeTrackingFinalizers(claim.release.map(asPod).filter(hasTrackingFinalizer), ctx);
  return [...claim.owned, ...adopted];
}

function isHeldOrphan(pod: Pod): boolean {
  return hasTrackingFinalizer(pod) && !pod.metadata?.ownerReferences?.some((r) => r.controller) && !!pod.metadata?.labels?.[JOB_NAME_LABEL];
}

/**
 * Pods still held for a Job of this name that no longer exists (deleted, or replaced by a new one),
 * whether they still name it as their controller or were orphaned.
 */
function heldByFormerJob(ref: ObjectRef, currentUid: string | undefined, ctx: ReconcileContext): Pod[] {
  return ctx
    .cache(PODS)
    .filter((p) => {
      if (p.metadata.namespace !== ref.namespace) return false;
      const owner = controllerRef(p);
      if (owner) return owner.kind === 'Job' && owner.apiVersion === 'batch/v1' && owner.name === ref.name && owner.uid !== currentUid;
      return p.metadata.labels?.[JOB_NAME_LABEL] === ref.name && p.metadata.labels?.[JOB_CONTROLLER_UID_LABEL] !== currentUid;
    })
    .map(asPod)
    .filter(hasTrackingFinalizer);
}

async function removeTrackingFinalizers(pods: readonly Pod[], ctx: ReconcileContext): Promise<void> {
  await Promise.all(
    pods.map(async (p) => {
      try {
        await ctx.client.patch(PODS, p.metadata!.namespace, p.metadata!.name!, { metadata: { uid: p.metadata!.uid, [`$deleteFromPrimitiveList/finalizers`]: [JOB_TRACKING_FINALIZER] } }, 'strategic');
      } catch (err) {
        if (!(err instanceof NotFoundError)) throw err;
      }
    }),
  );
}

/** Pods stopped for suspension or scale-down are released first: they are not the Job's failures. */
async function deletePods(job: KubeObject, pods: readonly Pod[], countAsFailed: boolean, ctx: ReconcileContext): Promise<void> {
  if (!countAsFailed) await removeTrackingFinalizers(pods.filter(hasTrackingFinalizer), ctx);
  await Promise.all(
    pods.map(async (p) => {
      try {
        await ctx.client.delete(PODS, p.metadata!.namespace, p.metadata!.name!, { preconditions: { uid: p.metadata!.uid } });
        void ctx.events.record(job, 'Normal', 'SuccessfulDelete', `Deleted pod: ${p.metadata!.name}`);
      } catch (err) {
        if (!(err instanceof NotFoundError)) throw err;
      }
    }),
  );
}

/**
 * Creates pods in slow-start batches (1, 2, 4, ...) like Kubernetes, so a template the API server
 * rejects fails after one request. A rejection will not succeed until the Job changes: terminal.
 */
async function createPods(job: KubeObject, indexes: readonly (number | undefined)[], ctx: ReconcileContext): Promise<void> {
  let next = 0;
  for (let batch = 1; next < indexes.length; batch *= 2) {
    const slice = indexes.slice(next, next + batch);
    next += slice.length;
    const results = await Promise.allSettled(slice.map((i) => ctx.client.create(PODS, podForJob(job, i))));
    for (const r of results) if (r.status === 'fulfilled') void ctx.events.record(job, 'Normal', 'SuccessfulCreate', `Created pod: ${r.value.metadata.name}`);
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) {
      const err = failed.reason as Error;
      await ctx.events.record(job, 'Warning', 'FailedCreate', `Error creating: ${err.message}`);
      if (err instanceof InvalidError) throw new TerminalError(err.message);
      throw err;
    }
  }
}
