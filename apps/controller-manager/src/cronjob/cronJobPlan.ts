import { formatRFC3339InZone, isKnownTimeZone, parseCronSchedule, type CronSchedule, type KubeObject } from '@skiff/apimachinery';
import type { CronJob, CronJobStatus, Job } from 'kubernetes-types/batch/v1.js';
import type { ObjectReference } from 'kubernetes-types/core/v1.js';
import { ownerReferenceTo } from '../common/ownership.js';

/** The annotation a CronJob's Job carries: when it was scheduled, in the CronJob's time zone. */
export const CRONJOB_SCHEDULED_TIMESTAMP = 'batch.kubernetes.io/cronjob-scheduled-timestamp';
/** Kubernetes' nextScheduleDelta: look 100 ms after the activation, in case clocks differ a little. */
export const NEXT_SCHEDULE_DELTA_MS = 100;
/** More missed activations than this means a wrong clock or a long outage, not a backlog to run. */
const MANY_MISSED = 100;

export type CronJobEvent = { type: 'Normal' | 'Warning'; reason: string; message: string };

/** The one thing a pass over a CronJob does next. */
export type CronJobStep =
  /** Active list and lastSuccessfulTime follow the Jobs. */
  | { kind: 'writeStatus'; status: CronJobStatus; events: CronJobEvent[] }
  /** Remove Jobs (history beyond its limits, or running Jobs a Replace schedule supersedes), then record it. */
  | { kind: 'deleteJobs'; jobs: Job[]; status: CronJobStatus; events: CronJobEvent[] }
  /** Start the Job of `scheduledTime` and record it as active and as the last schedule. */
  | { kind: 'createJob'; job: KubeObject; scheduledTime: Date }
  | { kind: 'none'; events: CronJobEvent[] };

export interface CronJobPlan {
  step: CronJobStep;
  /** When the next activation is due (plus the delta), if the CronJob is to be looked at again. */
  requeueAfterMs?: number;
}

function rfc3339(t: Date): string {
  return t.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

function finishedAs(job: Job): 'Complete' | 'Failed' | undefined {
  const c = job.status?.conditions?.find((x) => (x.type === 'Complete' || x.type === 'Failed') && x.status === 'True');
  return c?.type as 'Complete' | 'Failed' | undefined;
}

/** `<cronjob>-<scheduled time in minutes since the epoch>`: one name per activation, so a retry never starts it twice. */
export function jobNameFor(cronJobName: string, scheduledTime: Date): string {
  return `${cronJobName}-${Math.floor(scheduledTime.getTime() / 60_000)}`;
}

export interface MostRecent {
  /** The last schedule time, or the creation time. */
  earliest: Date;
  /** The latest activation at or before now that is after `earliest`. */
  mostRecent?: Date;
  missed: 'none' | 'few' | 'many';
}

/**
 * Kubernetes' mostRecentScheduleTime: the latest activation after the last schedule (or the
 * CronJob's creation) that is not in the future. With `withDeadline`, activations older than
 * startingDeadlineSeconds are not considered at all.
 *
 * Worked example: "*\/5 * * * *", last scheduled 10:00, now 10:17: activations 10:05, 10:10,
 * 10:15 were missed; the most recent is 10:15, and that is the one that runs (the others do not).
 */
export function mostRecentScheduleTime(cj: CronJob, now: Date, schedule: CronSchedule, withDeadline: boolean): MostRecent {
  let earliest = new Date(cj.status?.lastScheduleTime ?? cj.metadata?.creationTimestamp ?? now.toISOString());
  const deadline = cj.spec?.startingDeadlineSeconds;
  if (withDeadline && deadline !== undefined && deadline !== null) {
    const limit = new Date(now.getTime() - deadline * 1000);
    if (limit > earliest) earliest = limit;
  }
  const t1 = schedule.next(earliest);
  if (now < t1) return { earliest, missed: 'none' };
  const t2 = schedule.next(t1);
  if (now < t2) return { earliest, mostRecent: t1, missed: 'none' };
  // Skip ahead by whole intervals rather than stepping through years of a wrong clock.
  const interval = Math.round((t2.getTime() - t1.getTime()) / 1000);
  const missedCount = Math.floor((now.getTime() - t1.getTime()) / 1000 / interval) + 1;
  let mostRecent: Date | undefined;
  for (let t = schedule.next(new Date(t1.getTime() + (missedCount - 2) * interval * 1000)); t <= now; t = schedule.next(t)) mostRecent = t;
  return { earliest, mostRecent, missed: missedCount > MANY_MISSED ? 'many' : 'few' };
}

/** How long until the CronJob must be looked at again: its next activation after the last one (or now, if some were missed). */
export function nextScheduleDelayMs(cj: CronJob, now: Date, schedule: CronSchedule): number {
  const { earliest, mostRecent, missed } = mostRecentScheduleTime(cj, now, schedule, false);
  const from = mostRecent ?? (missed === 'none' ? earliest : now);
  return schedule.next(from).getTime() + NEXT_SCHEDULE_DELTA_MS - now.getTime();
}

function refTo(job: Job): ObjectReference {
  return { kind: 'Job', namespace: job.metadata?.namespace, name: job.metadata?.name, uid: job.metadata?.uid, apiVersion: 'batch/v1', resourceVersion: job.metadata?.resourceVersion };
}

/** The Job for one activation: the template's labels, annotations and spec, the scheduled time, owned by the CronJob. */
export function jobFromTemplate(cronJob: KubeObject, scheduledTime: Date): KubeObject {
  const cj = cronJob as unknown as CronJob;
  const template = cj.spec!.jobTemplate;
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: {
      name: jobNameFor(cronJob.metadata.name!, scheduledTime),
      namespace: cronJob.metadata.namespace,
      ...(template.metadata?.labels ? { labels: { ...template.metadata.labels } } : {}),
      annotations: { ...(template.metadata?.annotations ?? {}), [CRONJOB_SCHEDULED_TIMESTAMP]: formatRFC3339InZone(scheduledTime, cj.spec!.timeZone ?? 'UTC') },
      ownerReferences: [ownerReferenceTo(cronJob)],
    },
    spec: structuredClone(template.spec ?? {}) as Record<string, unknown>,
  };
}

/** Finished Jobs beyond the history limits, oldest first (by start time; never-started ones last, then by name). */
export function jobsBeyondHistory(cj: CronJob, jobs: readonly Job[]): Job[] {
  const byStart = (a: Job, b: Job) => {
    const sa = a.status?.startTime;
    const sb = b.status?.startTime;
    if (!sa !== !sb) return sa ? -1 : 1;
    if (sa && sb && sa !== sb) return Date.parse(sa) - Date.parse(sb);
    return (a.metadata?.name ?? '').localeCompare(b.metadata?.name ?? '');
  };
  const out: Job[] = [];
  for (const [outcome, limit] of [
    ['Complete', cj.spec?.successfulJobsHistoryLimit],
    ['Failed', cj.spec?.failedJobsHistoryLimit],
  ] as const) {
    if (limit === undefined || limit === null) continue;
    const finished = jobs.filter((j) => finishedAs(j) === outcome).sort(byStart);
    out.push(...finished.slice(0, Math.max(0, finished.length - limit)));
  }
  return out;
}

/**
 * Kubernetes' CronJob sync (cronjob_controllerv2.go) as a dispatcher over the CronJob and the Jobs
 * it controls: bring the status in line with the Jobs, trim the history, then, if an activation
 * is due and allowed (suspend, startingDeadlineSeconds, concurrencyPolicy), start its Job.
 */
export function planCronJob(cronJob: KubeObject, jobs: readonly Job[], now: Date): CronJobPlan {
  const cj = cronJob as unknown as CronJob;
  const spec = cj.spec!;
  const stored: CronJobStatus = cj.status ?? {};
  const events: CronJobEvent[] = [];

  // 1. Active list: finished Jobs leave it, vanished ones too; lastSuccessfulTime follows completions.
  const children = new Map(jobs.map((j) => [j.metadata!.uid!, j]));
  let active = [...(stored.active ?? [])];
  let lastSuccessfulTime = stored.lastSuccessfulTime;
  for (const j of jobs) {
    const listed = active.some((a) => a.uid === j.metadata!.uid);
    const outcome = finishedAs(j);
    if (!listed && !outcome) {
      events.push({ type: 'Warning', reason: 'UnexpectedJob', message: `Saw a job that the controller did not create or forgot: ${j.metadata!.name}` });
    } else if (listed && outcome) {
      active = active.filter((a) => a.uid !== j.metadata!.uid);
      events.push({ type: 'Normal', reason: 'SawCompletedJob', message: `Saw completed job: ${j.metadata!.name}, status: ${outcome}` });
    }
    const done = j.status?.completionTime;
    if (outcome === 'Complete' && done && (!lastSuccessfulTime || Date.parse(done) > Date.parse(lastSuccessfulTime))) lastSuccessfulTime = done;
  }
  for (const a of active.filter((x) => !children.has(x.uid ?? ''))) {
    events.push({ type: 'Normal', reason: 'MissingJob', message: `Active job went missing: ${a.name}` });
  }
  active = active.filter((a) => children.has(a.uid ?? ''));
  const status: CronJobStatus = {
    ...(active.length ? { active } : {}),
    ...(stored.lastScheduleTime ? { lastScheduleTime: stored.lastScheduleTime } : {}),
    ...(lastSuccessfulTime ? { lastSuccessfulTime } : {}),
  };
  const statusChanged = JSON.stringify(status.active ?? []) !== JSON.stringify(stored.active ?? []) || status.lastSuccessfulTime !== stored.lastSuccessfulTime;
  if (statusChanged) return { step: { kind: 'writeStatus', status, events } };

  // 2. History.
  const expired = jobsBeyondHistory(cj, jobs);
  if (expired.length) {
    return { step: { kind: 'deleteJobs', jobs: expired, status, events: expired.map((j) => ({ type: 'Normal', reason: 'SuccessfulDelete', message: `Deleted job ${j.metadata!.name}` })) } };
  }
  if (cronJob.metadata.deletionTimestamp) return { step: { kind: 'none', events } };

  // 3. Scheduling.
  if (spec.timeZone && !isKnownTimeZone(spec.timeZone)) {
    return { step: { kind: 'none', events: [...events, { type: 'Warning', reason: 'UnknownTimeZone', message: `invalid timeZone: ${JSON.stringify(spec.timeZone)}: unknown time zone ${spec.timeZone}` }] } };
  }
  if (spec.suspend) return { step: { kind: 'none', events } };
  const parsed = parseCronSchedule(spec.schedule, spec.timeZone);
  if (!parsed.ok) {
    return { step: { kind: 'none', events: [...events, { type: 'Warning', reason: 'UnparseableSchedule', message: `unparseable schedule: ${JSON.stringify(spec.schedule)} : ${parsed.error}` }] } };
  }
  const schedule = parsed.schedule;
  if (spec.schedule.includes('TZ')) events.push({ type: 'Warning', reason: 'UnsupportedSchedule', message: `CRON_TZ or TZ used in schedule ${JSON.stringify(spec.schedule)} is not officially supported, see https://kubernetes.io/docs/concepts/workloads/controllers/cron-jobs/ for more details` });
  const requeueAfterMs = nextScheduleDelayMs(cj, now, schedule);
  const due = mostRecentScheduleTime(cj, now, schedule, true);
  if (due.missed === 'many') events.push({ type: 'Warning', reason: 'TooManyMissedTimes', message: 'too many missed start times. Set or decrease .spec.startingDeadlineSeconds or check clock skew' });
  const scheduledTime = due.mostRecent;
  if (!scheduledTime) return { step: { kind: 'none', events }, requeueAfterMs };
  const deadline = spec.startingDeadlineSeconds;
  if (deadline !== undefined && deadline !== null && scheduledTime.getTime() + deadline * 1000 < now.getTime()) {
    events.push({ type: 'Warning', reason: 'MissSchedule', message: `Missed scheduled time to start a job: ${scheduledTime.toUTCString().replace('GMT', '+0000')}` });
    return { step: { kind: 'none', events }, requeueAfterMs };
  }
  const name = jobNameFor(cronJob.metadata.name!, scheduledTime);
  if (active.some((a) => a.name === name) || stored.lastScheduleTime === rfc3339(scheduledTime)) return { step: { kind: 'none', events }, requeueAfterMs };
  if (spec.concurrencyPolicy === 'Forbid' && active.length) {
    events.push({ type: 'Normal', reason: 'JobAlreadyActive', message: 'Not starting job because prior execution is running and concurrency policy is Forbid' });
    return { step: { kind: 'none', events }, requeueAfterMs };
  }
  if (spec.concurrencyPolicy === 'Replace' && active.length) {
    const running = jobs.filter((j) => active.some((a) => a.uid === j.metadata!.uid));
    return {
      step: { kind: 'deleteJobs', jobs: running, status: { ...status, active: undefined }, events: running.map((j) => ({ type: 'Normal', reason: 'SuccessfulDelete', message: `Deleted job ${j.metadata!.name}` })) },
      requeueAfterMs,
    };
  }
  return { step: { kind: 'createJob', job: jobFromTemplate(cronJob, scheduledTime), scheduledTime }, requeueAfterMs };
}

/** The status once the Job of `scheduledTime` has started. */
export function withStartedJob(status: CronJobStatus, job: Job, scheduledTime: Date): CronJobStatus {
  const active = (status.active ?? []).filter((a) => a.uid !== job.metadata?.uid);
  return { ...status, active: [...active, refTo(job)], lastScheduleTime: rfc3339(scheduledTime) };
}
