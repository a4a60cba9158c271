import type { Job, JobStatus } from 'kubernetes-types/batch/v1.js';
import type { Pod } from 'kubernetes-types/core/v1.js';
import { parseIndexes } from './completedIndexes.js';
import { completionIndexOf, hasTrackingFinalizer, isActive, isPodFailed, isPodReady, phaseOf } from './jobPods.js';
import { activeDeadlineRemainingMs, computeJobStatus, isJobFinished, sameJobStatus, type JobEvent } from './jobStatus.js';
import { matchPodFailurePolicy } from './podFailurePolicy.js';
import { podCreationBackoffMs } from './podCreationBackoff.js';

/** Kubernetes' MaxPodCreateDeletePerSync: the most pods one pass creates or deletes. */
export const MAX_POD_CREATE_DELETE_PER_SYNC = 500;

/**
 * The one thing a pass over a Job does next. Each step changes the world (a status write, a pod
 * update, create or delete), and that change brings the Job back for the next step, so a pass
 * never acts on a view its own earlier writes made stale.
 */
export type JobStep =
  /** Record counts, uncounted pods, conditions; always first, so nothing is lost if the pass stops. */
  | { kind: 'writeStatus'; status: JobStatus; events: JobEvent[] }
  /** Pods already recorded in status (or never to be counted): let them go. */
  | { kind: 'removeFinalizers'; pods: Pod[] }
  /**
   * Stop pods. A failing Job's pods keep their finalizer, to be counted as failed; pods stopped
   * for suspension or scale-down lose it first and are not counted at all.
   */
  | { kind: 'deletePods'; pods: Pod[]; countAsFailed: boolean }
  /** Create pods; for an Indexed Job, one per index listed. */
  | { kind: 'createPods'; count: number; indexes?: number[] }
  | { kind: 'none' };

export interface JobPlan {
  step: JobStep;
  /** Look again after this long: the pod creation backoff or activeDeadlineSeconds runs out. */
  requeueAfterMs?: number;
}

function uidOf(p: Pod): string {
  return p.metadata!.uid!;
}

/** Pods to stop first: not ready before ready, unscheduled before scheduled, pending before running, newer before older. */
function byRemovalOrder(a: Pod, b: Pod): number {
  const rank = (p: Pod) => [isPodReady(p) ? 1 : 0, p.spec?.nodeName ? 1 : 0, phaseOf(p) === 'Running' ? 1 : 0];
  const [ra, rb] = [rank(a), rank(b)];
  for (let i = 0; i < ra.length; i++) if (ra[i] !== rb[i]) return ra[i] - rb[i];
  return (Date.parse(b.metadata?.creationTimestamp ?? '') || 0) - (Date.parse(a.metadata?.creationTimestamp ?? '') || 0);
}

/**
 * Which active pods go when `count` must: for an Indexed Job, first those with no valid index or
 * a second pod for an index; then by removal order.
 */
export function activePodsForRemoval(job: Job, active: readonly Pod[], count: number): Pod[] {
  const remove: Pod[] = [];
  let rest = [...active];
  if (job.spec?.completionMode === 'Indexed') {
    const seen = new Set<number>();
    rest = [];
    for (const p of [...active].sort((a, b) => byRemovalOrder(b, a))) {
      const i = completionIndexOf(p);
      if (i === undefined || i >= (job.spec.completions ?? 0) || seen.has(i)) remove.push(p);
      else {
        seen.add(i);
        rest.push(p);
      }
    }
  }
  rest.sort(byRemovalOrder);
  while (remove.length < count && rest.length) remove.push(rest.shift()!);
  return remove;
}

/** The lowest indexes neither completed nor running, at most `count`. */
export function firstPendingIndexes(job: Job, active: readonly Pod[], count: number): number[] {
  const completions = job.spec?.completions ?? 0;
  const taken = parseIndexes(job.status?.completedIndexes, completions);
  for (const p of active) {
    const i = completionIndexOf(p);
    if (i !== undefined) taken.add(i);
  }
  const out: number[] = [];
  for (let i = 0; i < completions && out.length < count; i++) if (!taken.has(i)) out.push(i);
  return out;
}

/** Tracked pods whose finalizer can go now: counted in status, or finished in a way that is never counted. */
function finalizersToRemove(job: Job, pods: readonly Pod[]): Pod[] {
  const status = job.status ?? {};
  const uncounted = new Set([...(status.uncountedTerminatedPods?.succeeded ?? []), ...(status.uncountedTerminatedPods?.failed ?? [])]);
  const indexed = job.spec?.completionMode === 'Indexed';
  const completed = parseIndexes(status.completedIndexes, job.spec?.completions ?? 0);
  return pods.filter((p) => {
    if (!hasTrackingFinalizer(p)) return false;
    if (job.metadata?.deletionTimestamp || uncounted.has(uidOf(p))) return true;
    const i = completionIndexOf(p);
    const validIndex = !indexed || (i !== undefined && i < (job.spec?.completions ?? 0));
    if (phaseOf(p) === 'Succeeded') return indexed && (!validIndex || completed.has(i!));
    // A failure the pod failure policy ignores, or an Indexed pod with no index to count it against.
    return isPodFailed(p, job) && (!validIndex || !matchPodFailurePolicy(job, p).countFailed);
  });
}

/**
 * Kubernetes' syncJob as a dispatcher: count (status), release counted pods (finalizers), then
 * act on the pods: stop them all for a failing or suspended Job, remove extras, or create the
 * missing ones once the failure backoff allows. A finished Job only lets go of its pods.
 */
export function planJob(job: Job, pods: readonly Pod[], now: Date): JobPlan {
  if (isJobFinished(job)) {
    const held = pods.filter(hasTrackingFinalizer);
    return { step: held.length ? { kind: 'removeFinalizers', pods: held } : { kind: 'none' } };
  }
  const computed = computeJobStatus(job, pods, now);
  const deadline = computed.target ? undefined : activeDeadlineRemainingMs(job, computed.status.startTime, now);
  const requeue = (ms: number | undefined): Pick<JobPlan, 'requeueAfterMs'> => {
    const soonest = [ms, deadline].filter((x): x is number => x !== undefined && x > 0);
    return soonest.length ? { requeueAfterMs: Math.min(...soonest) } : {};
  };

  if (!sameJobStatus(job.status, computed.status)) return { step: { kind: 'writeStatus', status: computed.status, events: computed.events }, ...requeue(undefined) };

  const release = finalizersToRemove(job, pods);
  if (release.length) return { step: { kind: 'removeFinalizers', pods: release.slice(0, MAX_POD_CREATE_DELETE_PER_SYNC) }, ...requeue(undefined) };
  if (job.metadata?.deletionTimestamp) return { step: { kind: 'none' } };

  const spec = job.spec!;
  const active = pods.filter(isActive);
  if (computed.target) {
    if (computed.target.type === 'FailureTarget' && active.length) return { step: { kind: 'deletePods', pods: active.slice(0, MAX_POD_CREATE_DELETE_PER_SYNC), countAsFailed: true } };
    return { step: { kind: 'none' } };
  }
  if (spec.suspend) {
    return { step: active.length ? { kind: 'deletePods', pods: activePodsForRemoval(job, active, active.length), countAsFailed: false } : { kind: 'none' } };
  }

  const parallelism = spec.parallelism ?? 1;
  const completions = spec.completions ?? undefined;
  // A work queue (no completions) stops adding pods after the first success and lets the rest finish.
  const wantActive = completions === undefined ? (computed.succeeded > 0 ? active.length : parallelism) : Math.max(0, Math.min(completions - computed.succeeded, parallelism));
  const excess = activePodsForRemoval(job, active, Math.max(0, active.length - wantActive));
  if (excess.length) return { step: { kind: 'deletePods', pods: excess.slice(0, MAX_POD_CREATE_DELETE_PER_SYNC), countAsFailed: false }, ...requeue(undefined) };

  // podReplacementPolicy Failed: a pod still terminating holds its place until it has failed.
  const terminating = spec.podReplacementPolicy === 'Failed' ? (computed.status.terminating ?? 0) : 0;
  const missing = Math.min(wantActive - active.length - terminating, MAX_POD_CREATE_DELETE_PER_SYNC);
  if (missing <= 0) return { step: { kind: 'none' }, ...requeue(undefined) };
  const wait = podCreationBackoffMs(job, pods, now);
  if (wait > 0) return { step: { kind: 'none' }, ...requeue(wait) };
  if (spec.completionMode === 'Indexed') {
    const indexes = firstPendingIndexes(job, active, missing);
    return { step: indexes.length ? { kind: 'createPods', count: indexes.length, indexes } : { kind: 'none' }, ...requeue(undefined) };
  }
  return { step: { kind: 'createPods', count: missing }, ...requeue(undefined) };
}
