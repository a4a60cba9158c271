import { describe, expect, it } from 'vitest';
import type { Job, JobStatus } from 'kubernetes-types/batch/v1.js';
import type { Pod } from 'kubernetes-types/core/v1.js';
import { formatIndexes, parseIndexes } from './completedIndexes.js';
import { JOB_COMPLETION_INDEX, JOB_TRACKING_FINALIZER } from './jobPods.js';
import { planJob, type JobStep } from './jobPlan.js';
import { podCreationBackoffMs } from './podCreationBackoff.js';

const NOW = new Date('2026-01-01T12:00:00Z');
const ago = (s: number) => new Date(NOW.getTime() - s * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');

function makeJob(spec: Partial<NonNullable<Job['spec']>> = {}, status: JobStatus = {}): Job {
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name: 'pi', namespace: 'default', uid: 'job-uid', creationTimestamp: ago(600) },
    spec: { completions: 1, parallelism: 1, backoffLimit: 6, completionMode: 'NonIndexed', suspend: false, podReplacementPolicy: 'TerminatingOrFailed', template: { spec: { restartPolicy: 'Never', containers: [{ name: 'main', image: 'busybox' }] } }, ...spec },
    status: { startTime: ago(300), ready: 0, terminating: 0, uncountedTerminatedPods: {}, ...status },
  };
}

function makePod(name: string) {
  const pod: Pod = { metadata: { name, namespace: 'default', uid: `uid-${name}`, finalizers: [JOB_TRACKING_FINALIZER], creationTimestamp: ago(200) }, spec: { containers: [{ name: 'main' }] }, status: { phase: 'Running' } };
  const b = {
    phase(p: string) {
      pod.status!.phase = p;
      return b;
    },
    exited(code: number, at: string) {
      pod.status!.phase = code === 0 ? 'Succeeded' : 'Failed';
      pod.status!.containerStatuses = [{ name: 'main', image: 'busybox', imageID: '', ready: false, restartCount: 0, state: { terminated: { exitCode: code, finishedAt: at } } }];
      return b;
    },
    untracked() {
      pod.metadata!.finalizers = [];
      return b;
    },
    index(i: number) {
      pod.metadata!.annotations = { [JOB_COMPLETION_INDEX]: String(i) };
      return b;
    },
    condition(type: string) {
      pod.status!.conditions = [...(pod.status!.conditions ?? []), { type, status: 'True' }];
      return b;
    },
    build: () => pod,
  };
  return b;
}

/** Runs the plan until it asks for something other than a status write (applying the writes), as passes would. */
function settle(job: Job, pods: Pod[]): { step: JobStep; job: Job; requeueAfterMs?: number; events: string[] } {
  const events: string[] = [];
  for (let i = 0; i < 5; i++) {
    const plan = planJob(job, pods, NOW);
    if (plan.step.kind !== 'writeStatus') return { step: plan.step, job, requeueAfterMs: plan.requeueAfterMs, events };
    job = { ...job, status: plan.step.status };
    events.push(...plan.step.events.map((e) => `${e.type} ${e.reason}: ${e.message}`));
  }
  throw new Error('status never settles');
}

const summary = (step: JobStep) =>
  step.kind === 'createPods' ? `create ${step.count}${step.indexes ? ` [${step.indexes}]` : ''}` : step.kind === 'deletePods' ? `delete ${step.pods.map((p) => p.metadata!.name)}${step.countAsFailed ? ' (failed)' : ''}` : step.kind === 'removeFinalizers' ? `release ${step.pods.map((p) => p.metadata!.name)}` : step.kind;

describe('planJob: the next step for a Job', () => {
  it.each([
    ['a new Job creates up to parallelism pods', makeJob({ completions: 5, parallelism: 2 }), [], 'create 2'],
    ['never more than the completions left', makeJob({ completions: 5, parallelism: 4 }, { succeeded: 3 }), [], 'create 2'],
    ['a full Job waits', makeJob({ completions: 5, parallelism: 2 }), [makePod('a').build(), makePod('b').build()], 'none'],
    ['a smaller parallelism removes the extra pod, not-ready first', makeJob({ completions: 5, parallelism: 1 }), [makePod('a').condition('Ready').build(), makePod('b').build()], 'delete b'],
    ['a counted pod lets go of its finalizer', makeJob({}, { uncountedTerminatedPods: { succeeded: ['uid-a'] } }), [makePod('a').exited(0, ago(5)).build()], 'release a'],
    ['a failing Job stops its pods, counting them as failed', makeJob({ completions: 2, parallelism: 2, backoffLimit: 0 }, { failed: 1, conditions: [{ type: 'FailureTarget', status: 'True', reason: 'BackoffLimitExceeded' }] }), [makePod('b').untracked().build()], 'delete b (failed)'],
    ['a suspended Job stops its pods without counting them', makeJob({ suspend: true }), [makePod('a').build()], 'delete a'],
    ['a finished Job only lets go of its pods', makeJob({}, { conditions: [{ type: 'Complete', status: 'True' }] }), [makePod('a').exited(0, ago(5)).build()], 'release a'],
    ['an Indexed Job creates the lowest pending indexes', makeJob({ completionMode: 'Indexed', completions: 4, parallelism: 2 }, { completedIndexes: '0' }), [makePod('a').index(2).build()], 'create 1 [1]'],
    ['an Indexed Job removes a second pod for one index', makeJob({ completionMode: 'Indexed', completions: 4, parallelism: 2 }), [makePod('a').index(1).build(), makePod('b').index(1).build()], 'delete b'],
  ])('%s', (_, job, pods, want) => {
    expect(summary(settle(job, pods).step)).toBe(want);
  });

  it('records a finished pod as uncounted before anything else, then counts it once its finalizer is gone', () => {
    const job = makeJob({ completions: 2, parallelism: 1 });
    const done = makePod('a').exited(0, ago(5)).build();
    const first = planJob(job, [done], NOW);
    expect(first.step).toMatchObject({ kind: 'writeStatus', status: { uncountedTerminatedPods: { succeeded: ['uid-a'] } } });
    const recorded = { ...job, status: (first.step as { status: JobStatus }).status };
    expect(summary(planJob(recorded, [done], NOW).step)).toBe('release a');
    const released = makePod('a').exited(0, ago(5)).untracked().build();
    expect(planJob(recorded, [released], NOW).step).toMatchObject({ kind: 'writeStatus', status: { succeeded: 1, uncountedTerminatedPods: {} } });
  });

  it('completes in two steps: SuccessCriteriaMet while a pod is uncounted, then Complete', () => {
    const job = makeJob({ completions: 1 });
    const s1 = settle(job, [makePod('a').exited(0, ago(5)).build()]);
    expect(s1.job.status?.conditions?.map((c) => `${c.type}/${c.reason}`)).toEqual(['SuccessCriteriaMet/CompletionsReached']);
    expect(summary(s1.step)).toBe('release a');
    const s2 = settle(s1.job, [makePod('a').exited(0, ago(5)).untracked().build()]);
    expect(s2.job.status).toMatchObject({ succeeded: 1, completionTime: '2026-01-01T12:00:00Z', uncountedTerminatedPods: {} });
    expect(s2.job.status?.conditions?.map((c) => `${c.type}/${c.reason}/${c.message}`)).toEqual([
      'SuccessCriteriaMet/CompletionsReached/Reached expected number of succeeded pods',
      'Complete/CompletionsReached/Reached expected number of succeeded pods',
    ]);
    expect(s2.events).toEqual(['Normal Completed: Job completed']);
  });

  it.each([
    ['more failures than backoffLimit', makeJob({ backoffLimit: 1 }, { failed: 1 }), [makePod('b').exited(1, ago(1)).build()], 'BackoffLimitExceeded/Job has reached the specified backoff limit'],
    ['activeDeadlineSeconds passed', makeJob({ activeDeadlineSeconds: 60 }), [makePod('a').build()], 'DeadlineExceeded/Job was active longer than specified deadline'],
    [
      'a FailJob rule of the pod failure policy',
      makeJob({ podReplacementPolicy: 'Failed', podFailurePolicy: { rules: [{ action: 'FailJob', onExitCodes: { containerName: 'main', operator: 'In', values: [42] } }] } }),
      [makePod('a').exited(42, ago(1)).build()],
      'PodFailurePolicy/Container main for pod default/a failed with exit code 42 matching FailJob rule at index 0',
    ],
  ])('fails a Job for %s (FailureTarget first)', (_, job, pods, want) => {
    const s = settle(job, pods);
    const target = s.job.status?.conditions?.find((c) => c.type === 'FailureTarget');
    expect(`${target?.reason}/${target?.message}`).toBe(want);
    expect(s.job.status?.conditions?.some((c) => c.type === 'Failed')).toBe(false);
  });

  it('ends a failing Job with Failed once its pods are counted and gone, with a Warning', () => {
    const job = makeJob({ backoffLimit: 0 }, { failed: 1, conditions: [{ type: 'FailureTarget', status: 'True', reason: 'BackoffLimitExceeded', message: 'Job has reached the specified backoff limit' }] });
    const s = settle(job, [makePod('a').exited(1, ago(5)).untracked().build()]);
    expect(s.job.status?.conditions?.map((c) => c.type)).toEqual(['FailureTarget', 'Failed']);
    expect(s.job.status?.completionTime).toBeUndefined();
    expect(s.events).toEqual(['Warning BackoffLimitExceeded: Job has reached the specified backoff limit']);
  });

  it('does not count a failure the pod failure policy ignores', () => {
    const job = makeJob({ backoffLimit: 0, podReplacementPolicy: 'Failed', podFailurePolicy: { rules: [{ action: 'Ignore', onPodConditions: [{ type: 'DisruptionTarget', status: 'True' }] }] } });
    const evicted = makePod('a').phase('Failed').condition('DisruptionTarget').build();
    const s = settle(job, [evicted]);
    expect(s.job.status?.conditions ?? []).toEqual([]);
    expect(summary(s.step)).toBe('release a');
  });

  it('waits out the failure backoff before replacing a failed pod', () => {
    const job = makeJob({ backoffLimit: 6 }, { failed: 2 });
    const pods = [makePod('a').exited(1, ago(30)).untracked().build(), makePod('b').exited(1, ago(5)).untracked().build()];
    const s = settle(job, pods);
    // Two failures: 20 s from the last one, 5 s ago.
    expect(s.step.kind).toBe('none');
    expect(s.requeueAfterMs).toBe(15_000);
  });

  it('sets the Suspended condition and resets startTime on resume', () => {
    const suspended = settle(makeJob({ suspend: true }), []);
    expect(suspended.job.status?.conditions).toEqual([{ type: 'Suspended', status: 'True', reason: 'JobSuspended', message: 'Job suspended', lastProbeTime: '2026-01-01T12:00:00Z', lastTransitionTime: '2026-01-01T12:00:00Z' }]);
    const resumed = settle({ ...suspended.job, spec: { ...suspended.job.spec!, suspend: false } }, []);
    expect(resumed.job.status?.conditions?.[0]).toMatchObject({ type: 'Suspended', status: 'False', reason: 'JobResumed' });
    expect(resumed.job.status?.startTime).toBe('2026-01-01T12:00:00Z');
    expect(resumed.events).toEqual(['Normal Resumed: Job resumed']);
    expect(summary(resumed.step)).toBe('create 1');
  });

  it('records completed indexes for an Indexed Job instead of uncounted uids', () => {
    const job = makeJob({ completionMode: 'Indexed', completions: 3, parallelism: 3 });
    const s = settle(job, [makePod('a').index(0).exited(0, ago(5)).build(), makePod('b').index(2).exited(0, ago(5)).build(), makePod('c').index(1).build()]);
    expect(s.job.status).toMatchObject({ completedIndexes: '0,2', succeeded: 2, active: 1, uncountedTerminatedPods: {} });
    expect(summary(s.step)).toBe('release a,b');
  });
});

describe('podCreationBackoffMs', () => {
  const job = makeJob();
  it.each([
    ['no failures', [makePod('a').exited(0, ago(1)).build()], 0],
    ['one failure 4 s ago: 10 s', [makePod('a').exited(1, ago(4)).build()], 6_000],
    ['three failures: 40 s', [makePod('a').exited(1, ago(50)).build(), makePod('b').exited(1, ago(40)).build(), makePod('c').exited(1, ago(10)).build()], 30_000],
    ['a success resets the count', [makePod('a').exited(1, ago(50)).build(), makePod('b').exited(0, ago(40)).build(), makePod('c').exited(1, ago(2)).build()], 8_000],
    ['capped at 6 min', Array.from({ length: 9 }, (_, i) => makePod(`p${i}`).exited(1, ago(100 - i)).build()), 360_000 - 92_000],
  ])('%s', (_, pods, want) => {
    expect(podCreationBackoffMs(job, pods, NOW)).toBe(want);
  });
});

describe('completed indexes', () => {
  it.each([
    [[0, 1, 2, 5, 7, 8], '0-2,5,7-8'],
    [[3], '3'],
    [[], ''],
  ])('%j <-> %s', (list, text) => {
    expect(formatIndexes(list)).toBe(text);
    expect([...parseIndexes(text, 100)].sort((a, b) => a - b)).toEqual(list);
  });
});
