import { deepEqual } from '@skiff/apimachinery';
import type { Job, JobCondition, JobStatus } from 'kubernetes-types/batch/v1.js';
import type { Pod } from 'kubernetes-types/core/v1.js';
import { formatIndexes, parseIndexes } from './completedIndexes.js';
import { completionIndexOf, hasTrackingFinalizer, isActive, isPodFailed, isPodReady, isTerminating, phaseOf } from './jobPods.js';
import { matchPodFailurePolicy } from './podFailurePolicy.js';

/**
 * The status a Job should have given its pods: Kubernetes' syncJob bookkeeping as a pure function.
 *
 * Finished pods are counted the way Kubernetes counts them, safe against crashes and double
 * counting: a finished pod still holding the `batch.kubernetes.io/job-tracking` finalizer is first
 * written to status.uncountedTerminatedPods; once its finalizer is gone (the controller removes
 * it after that write) it moves to status.succeeded or status.failed. An Indexed Job records
 * succeeded pods as status.completedIndexes instead.
 *
 * The Job's fate is decided in two steps, as Kubernetes 1.31+ writes it: first an interim
 * condition (FailureTarget with reason BackoffLimitExceeded, DeadlineExceeded or PodFailurePolicy;
 * SuccessCriteriaMet with reason CompletionsReached), then, once no pod is active, terminating or
 * uncounted, the terminal Failed or Complete with the same reason and message.
 */

export type JobEvent = { type: 'Normal' | 'Warning'; reason: string; message: string };

export interface ComputedJobStatus {
  status: JobStatus;
  events: JobEvent[];
  /** The interim condition in force (stored or new), if the Job's fate is decided. */
  target?: JobCondition;
  /** Succeeded completions, counted and not yet counted. */
  succeeded: number;
}

export const BACKOFF_LIMIT_MESSAGE = 'Job has reached the specified backoff limit';
export const DEADLINE_MESSAGE = 'Job was active longer than specified deadline';
export const COMPLETIONS_REACHED_MESSAGE = 'Reached expected number of succeeded pods';

function rfc3339(d: Date): string {
  return d.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

function condition(type: string, status: 'True' | 'False', reason: string, message: string, now: Date): JobCondition {
  const at = rfc3339(now);
  return { type, status, reason, message, lastProbeTime: at, lastTransitionTime: at };
}

export function hasCondition(status: JobStatus | undefined, type: string): boolean {
  return status?.conditions?.some((c) => c.type === type && c.status === 'True') ?? false;
}

export function isJobFinished(job: Job): boolean {
  return hasCondition(job.status, 'Complete') || hasCondition(job.status, 'Failed');
}

function storedTarget(status: JobStatus): JobCondition | undefined {
  return status.conditions?.find((c) => (c.type === 'FailureTarget' || c.type === 'SuccessCriteriaMet') && c.status === 'True');
}

/** A pod a Job counts: for an Indexed Job, only pods with an index below completions. */
function hasValidIndex(job: Job, pod: Pod): boolean {
  if (job.spec?.completionMode !== 'Indexed') return true;
  const i = completionIndexOf(pod);
  return i !== undefined && i < (job.spec.completions ?? 0);
}

/** restartPolicy OnFailure: the kubelet restarts failing containers, so restarts are the failures. */
function pastBackoffLimitOnFailure(job: Job, pods: readonly Pod[]): boolean {
  if (job.spec?.template.spec?.restartPolicy !== 'OnFailure') return false;
  let restarts = 0;
  for (const p of pods) {
    const phase = phaseOf(p);
    if (phase !== 'Running' && phase !== 'Pending') continue;
    for (const s of [...(p.status?.initContainerStatuses ?? []), ...(p.status?.containerStatuses ?? [])]) restarts += s.restartCount ?? 0;
  }
  const limit = job.spec.backoffLimit ?? 6;
  return limit === 0 ? restarts > 0 : restarts >= limit;
}

/** ms until activeDeadlineSeconds passes (<= 0: passed); undefined when there is no deadline running. */
export function activeDeadlineRemainingMs(job: Job, startTime: string | undefined, now: Date): number | undefined {
  const ads = job.spec?.activeDeadlineSeconds;
  if (ads === undefined || ads === null || !startTime || job.spec?.suspend) return undefined;
  return Date.parse(startTime) + ads * 1000 - now.getTime();
}

/** Appends or updates a condition; a False one is never added where none was (ensureJobConditionStatus). */
function ensureCondition(conditions: JobCondition[], wanted: JobCondition): boolean {
  const i = conditions.findIndex((c) => c.type === wanted.type);
  if (i < 0) {
    if (wanted.status === 'False') return false;
    conditions.push(wanted);
    return true;
  }
  const c = conditions[i];
  if (c.status === wanted.status && c.reason === wanted.reason && c.message === wanted.message) return false;
  conditions[i] = wanted;
  return true;
}

export function computeJobStatus(job: Job, pods: readonly Pod[], now: Date): ComputedJobStatus {
  const stored: JobStatus = job.status ?? {};
  const spec = job.spec!;
  const indexed = spec.completionMode === 'Indexed';
  const completions = spec.completions ?? undefined;
  const events: JobEvent[] = [];

  const active = pods.filter(isActive);
  const terminating = pods.filter(isTerminating).length;
  const tracked = new Set(pods.filter(hasTrackingFinalizer).map((p) => p.metadata!.uid!));

  // Uncounted pods whose finalizer is gone (or which are gone) are counted now.
  const storedSucceeded = stored.uncountedTerminatedPods?.succeeded ?? [];
  const storedFailed = stored.uncountedTerminatedPods?.failed ?? [];
  const uncountedSucceeded = storedSucceeded.filter((uid) => tracked.has(uid));
  const uncountedFailed = storedFailed.filter((uid) => tracked.has(uid));
  let succeededCounter = (stored.succeeded ?? 0) + storedSucceeded.length - uncountedSucceeded.length;
  const failedCounter = (stored.failed ?? 0) + storedFailed.length - uncountedFailed.length;
  const uncounted = new Set([...uncountedSucceeded, ...uncountedFailed]);

  // Finished pods not seen before: still tracked, not yet uncounted.
  const fresh = pods.filter((p) => tracked.has(p.metadata!.uid!) && !uncounted.has(p.metadata!.uid!) && hasValidIndex(job, p));
  const newSucceeded = fresh.filter((p) => phaseOf(p) === 'Succeeded');
  const newFailed = fresh.filter((p) => phaseOf(p) !== 'Succeeded' && isPodFailed(p, job));
  const newFailedCounted = newFailed.filter((p) => matchPodFailurePolicy(job, p).countFailed);

  let completedIndexes: Set<number> | undefined;
  let succeeded: number;
  if (indexed) {
    completedIndexes = parseIndexes(stored.completedIndexes, completions ?? 0);
    for (const p of pods) if (phaseOf(p) === 'Succeeded' && hasValidIndex(job, p)) completedIndexes.add(completionIndexOf(p)!);
    succeeded = completedIndexes.size;
    succeededCounter = succeeded;
  } else {
    succeeded = succeededCounter + uncountedSucceeded.length + newSucceeded.length;
  }
  const failed = failedCounter + uncountedFailed.length + newFailedCounted.length;

  const conditions = structuredClone(stored.conditions ?? []);
  let startTime = stored.startTime;
  if (!startTime && !spec.suspend) startTime = rfc3339(now);

  let target = storedTarget(stored);
  if (!target) {
    const failJob = pods.filter((p) => isPodFailed(p, job)).map((p) => matchPodFailurePolicy(job, p).failJobMessage).find(Boolean);
    const deadline = activeDeadlineRemainingMs(job, startTime, now);
    if (failJob) target = condition('FailureTarget', 'True', 'PodFailurePolicy', failJob, now);
    else if (failed > (spec.backoffLimit ?? 6) || pastBackoffLimitOnFailure(job, pods)) target = condition('FailureTarget', 'True', 'BackoffLimitExceeded', BACKOFF_LIMIT_MESSAGE, now);
    else if (deadline !== undefined && deadline <= 0) target = condition('FailureTarget', 'True', 'DeadlineExceeded', DEADLINE_MESSAGE, now);
    else if (active.length === 0 && (completions === undefined ? succeeded > 0 : succeeded >= completions)) {
      target = condition('SuccessCriteriaMet', 'True', 'CompletionsReached', COMPLETIONS_REACHED_MESSAGE, now);
    }
    if (target) conditions.push(target);
  }
  const failing = target?.type === 'FailureTarget';

  // Once the Job is failing, every pod not finished counts as failed.
  const countedFailedUids = new Set(newFailedCounted.map((p) => p.metadata!.uid!));
  if (failing) {
    for (const p of fresh) if (phaseOf(p) !== 'Succeeded' && matchPodFailurePolicy(job, p).countFailed) countedFailedUids.add(p.metadata!.uid!);
  }
  const nextUncountedSucceeded = indexed ? [] : [...uncountedSucceeded, ...newSucceeded.map((p) => p.metadata!.uid!)];
  const nextUncountedFailed = [...uncountedFailed, ...fresh.filter((p) => countedFailedUids.has(p.metadata!.uid!)).map((p) => p.metadata!.uid!)];

  if (!target) {
    if (spec.suspend) {
      if (ensureCondition(conditions, condition('Suspended', 'True', 'JobSuspended', 'Job suspended', now))) events.push({ type: 'Normal', reason: 'Suspended', message: 'Job suspended' });
    } else if (ensureCondition(conditions, condition('Suspended', 'False', 'JobResumed', 'Job resumed', now))) {
      events.push({ type: 'Normal', reason: 'Resumed', message: 'Job resumed' });
      // activeDeadlineSeconds counts the time a Job is continuously active.
      startTime = rfc3339(now);
    }
  }

  let completionTime = stored.completionTime;
  // The terminal condition waits until nothing is left to run, to stop or to count.
  if (target && active.length === 0 && terminating === 0 && nextUncountedSucceeded.length === 0 && nextUncountedFailed.length === 0) {
    const final = condition(failing ? 'Failed' : 'Complete', 'True', target.reason ?? '', target.message ?? '', now);
    ensureCondition(conditions, final);
    if (failing) events.push({ type: 'Warning', reason: target.reason ?? 'Failed', message: target.message ?? '' });
    else {
      completionTime = final.lastTransitionTime;
      if (completions !== undefined && succeeded > completions) events.push({ type: 'Warning', reason: 'TooManySucceededPods', message: 'Too many succeeded pods running after completion count reached' });
      events.push({ type: 'Normal', reason: 'Completed', message: 'Job completed' });
    }
  }

  const uncountedTerminatedPods: NonNullable<JobStatus['uncountedTerminatedPods']> = {};
  if (nextUncountedSucceeded.length) uncountedTerminatedPods.succeeded = nextUncountedSucceeded;
  if (nextUncountedFailed.length) uncountedTerminatedPods.failed = nextUncountedFailed;
  const status: JobStatus = {
    ...(conditions.length ? { conditions } : {}),
    ...(startTime ? { startTime } : {}),
    ...(completionTime ? { completionTime } : {}),
    ...(active.length ? { active: active.length } : {}),
    ...(succeededCounter ? { succeeded: succeededCounter } : {}),
    ...(failedCounter ? { failed: failedCounter } : {}),
    ...(completedIndexes?.size ? { completedIndexes: formatIndexes(completedIndexes) } : {}),
    uncountedTerminatedPods,
    ready: active.filter(isPodReady).length,
    terminating,
  };
  return { status, events, target, succeeded };
}

/** Compares what the controller writes, so that a converged Job is not rewritten. */
export function sameJobStatus(stored: JobStatus | undefined, next: JobStatus): boolean {
  return deepEqual(JSON.parse(JSON.stringify(stored ?? {})), JSON.parse(JSON.stringify(next)));
}
