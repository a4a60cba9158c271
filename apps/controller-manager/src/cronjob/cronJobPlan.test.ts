import { describe, expect, it } from 'vitest';
import { parseCronSchedule, type KubeObject } from '@skiff/apimachinery';
import type { CronJob, Job } from 'kubernetes-types/batch/v1.js';
import { jobNameFor, mostRecentScheduleTime, nextScheduleDelayMs, planCronJob, type CronJobStep } from './cronJobPlan.js';

const NOW = new Date('2026-01-01T10:17:30Z');

function makeCronJob(spec: Partial<NonNullable<CronJob['spec']>> = {}, status: NonNullable<CronJob['status']> = {}): KubeObject {
  return {
    apiVersion: 'batch/v1',
    kind: 'CronJob',
    metadata: { name: 'hello', namespace: 'default', uid: 'cj-uid', creationTimestamp: '2026-01-01T10:00:00Z' },
    spec: { schedule: '*/5 * * * *', concurrencyPolicy: 'Allow', suspend: false, successfulJobsHistoryLimit: 3, failedJobsHistoryLimit: 1, jobTemplate: { metadata: { labels: { app: 'hello' } }, spec: { template: { spec: { restartPolicy: 'OnFailure', containers: [{ name: 'c', image: 'busybox' }] } } } }, ...spec },
    status,
  };
}

function makeJob(name: string, outcome?: 'Complete' | 'Failed', start = '2026-01-01T10:00:00Z'): Job {
  return {
    metadata: { name, namespace: 'default', uid: `uid-${name}`, ownerReferences: [{ apiVersion: 'batch/v1', kind: 'CronJob', name: 'hello', uid: 'cj-uid', controller: true }] },
    status: { startTime: start, ...(outcome ? { conditions: [{ type: outcome, status: 'True' }], ...(outcome === 'Complete' ? { completionTime: start.replace(':00Z', ':30Z') } : {}) } : {}) },
  };
}
const ref = (j: Job) => ({ kind: 'Job', namespace: 'default', name: j.metadata!.name, uid: j.metadata!.uid, apiVersion: 'batch/v1' });

const summary = (step: CronJobStep) =>
  step.kind === 'createJob' ? `create ${step.job.metadata.name}` : step.kind === 'deleteJobs' ? `delete ${step.jobs.map((j) => j.metadata!.name)}` : step.kind === 'writeStatus' ? 'status' : `none${step.events.length ? ` (${step.events.map((e) => e.reason)})` : ''}`;

describe('mostRecentScheduleTime', () => {
  const schedule = (spec: string) => {
    const p = parseCronSchedule(spec);
    if (!p.ok) throw new Error(p.error);
    return p.schedule;
  };
  it.each([
    ['three missed: the latest runs', '*/5 * * * *', undefined, '2026-01-01T10:15:00.000Z', 'few'],
    ['none due yet', '0 12 * * *', undefined, undefined, 'none'],
    ['one due', '*/15 * * * *', undefined, '2026-01-01T10:15:00.000Z', 'none'],
    ['startingDeadlineSeconds hides older ones', '*/5 * * * *', 60, undefined, 'none'],
  ])('%s', (_, spec, deadline, want, missed) => {
    const cj = makeCronJob({ schedule: spec, ...(deadline ? { startingDeadlineSeconds: deadline } : {}) }) as unknown as CronJob;
    const r = mostRecentScheduleTime(cj, NOW, schedule(spec), true);
    expect(r.mostRecent?.toISOString()).toBe(want);
    expect(r.missed).toBe(missed);
  });

  it('wakes up at the next activation plus 100 ms', () => {
    const cj = makeCronJob({}, { lastScheduleTime: '2026-01-01T10:15:00Z' }) as unknown as CronJob;
    expect(nextScheduleDelayMs(cj, NOW, schedule('*/5 * * * *'))).toBe(2.5 * 60_000 + 100);
  });
});

describe('planCronJob', () => {
  const done = makeJob('hello-29446140', 'Complete');
  it.each([
    ['starts the most recent missed activation', makeCronJob(), [], `create ${jobNameFor('hello', new Date('2026-01-01T10:15:00Z'))}`],
    ['does nothing for an activation already started', makeCronJob({}, { lastScheduleTime: '2026-01-01T10:15:00Z' }), [], 'none'],
    ['waits while suspended', makeCronJob({ suspend: true }), [], 'none'],
    ['Forbid: skips while a Job runs', makeCronJob({ concurrencyPolicy: 'Forbid' }, { active: [ref(makeJob('hello-1'))], lastScheduleTime: '2026-01-01T10:10:00Z' }), [makeJob('hello-1')], 'none (JobAlreadyActive)'],
    ['Replace: stops the running Job first', makeCronJob({ concurrencyPolicy: 'Replace' }, { active: [ref(makeJob('hello-1'))], lastScheduleTime: '2026-01-01T10:10:00Z' }), [makeJob('hello-1')], 'delete hello-1'],
    ['Allow: starts another beside it', makeCronJob({}, { active: [ref(makeJob('hello-1'))], lastScheduleTime: '2026-01-01T10:10:00Z' }), [makeJob('hello-1')], 'create hello-29454375'],
    ['too late for startingDeadlineSeconds', makeCronJob({ startingDeadlineSeconds: 60, schedule: '15 10 * * *' }, { lastScheduleTime: '2026-01-01T10:00:00Z' }), [], 'none'],
    ['a finished Job leaves the active list', makeCronJob({}, { active: [ref(done)], lastScheduleTime: '2026-01-01T10:15:00Z' }), [done], 'status'],
    ['a vanished Job leaves the active list', makeCronJob({}, { active: [ref(makeJob('gone'))], lastScheduleTime: '2026-01-01T10:15:00Z' }), [], 'status'],
    [
      'trims the history of failed Jobs to its limit, oldest first',
      makeCronJob({}, { lastScheduleTime: '2026-01-01T10:15:00Z', lastSuccessfulTime: '2026-01-01T10:10:30Z' }),
      [makeJob('f1', 'Failed', '2026-01-01T10:00:00Z'), makeJob('f2', 'Failed', '2026-01-01T10:05:00Z'), makeJob('ok', 'Complete', '2026-01-01T10:10:00Z')],
      'delete f1',
    ],
  ])('%s', (_, cj, jobs, want) => {
    const plan = planCronJob(cj, jobs, NOW);
    expect(summary(plan.step)).toBe(want);
  });

  it('makes the Job from the template, named and stamped with its scheduled time', () => {
    const plan = planCronJob(makeCronJob({ timeZone: 'Europe/Berlin', schedule: '15 11 * * *' }), [], NOW);
    expect(plan.step.kind).toBe('createJob');
    const job = (plan.step as { job: KubeObject }).job;
    expect(job.metadata).toMatchObject({
      name: 'hello-29454375',
      labels: { app: 'hello' },
      annotations: { 'batch.kubernetes.io/cronjob-scheduled-timestamp': '2026-01-01T11:15:00+01:00' },
      ownerReferences: [{ apiVersion: 'batch/v1', kind: 'CronJob', name: 'hello', uid: 'cj-uid', controller: true, blockOwnerDeletion: true }],
    });
    expect(job.spec).toEqual({ template: { spec: { restartPolicy: 'OnFailure', containers: [{ name: 'c', image: 'busybox' }] } } });
  });

  it('records the latest completion as lastSuccessfulTime and says what it saw', () => {
    const plan = planCronJob(makeCronJob({}, { active: [ref(done)], lastScheduleTime: '2026-01-01T10:15:00Z' }), [done], NOW);
    expect(plan.step).toEqual({
      kind: 'writeStatus',
      status: { lastScheduleTime: '2026-01-01T10:15:00Z', lastSuccessfulTime: '2026-01-01T10:00:30Z' },
      events: [{ type: 'Normal', reason: 'SawCompletedJob', message: 'Saw completed job: hello-29446140, status: Complete' }],
    });
  });
});
