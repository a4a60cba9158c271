import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KubeObject } from '@skiff/apimachinery';
import type { CronJob } from 'kubernetes-types/batch/v1.js';
import { CRONJOBS, JOBS } from '../src/resources.js';
import { TestCluster } from './cluster.js';
import { metricValue } from './metrics.js';

function cronJob(name: string, spec: Record<string, unknown> = {}, podLabels: Record<string, string> = {}): KubeObject {
  return {
    apiVersion: 'batch/v1',
    kind: 'CronJob',
    metadata: { name, namespace: 'default' },
    spec: {
      schedule: '*/1 * * * *',
      jobTemplate: { metadata: { labels: { app: name } }, spec: { template: { metadata: { labels: podLabels }, spec: { restartPolicy: 'OnFailure', containers: [{ name: 'main', image: 'busybox:1.36', command: ['true'] }] } } } },
      ...spec,
    },
  };
}

const cjStatus = (o: KubeObject | undefined) => ((o as unknown as CronJob | undefined)?.status ?? {});
const minute = 60_000;

describe('CronJob controller (with an injected clock)', () => {
  let c: TestCluster;
  let clock = new Date();
  let touches = 0;
  /** The first activation of "every minute" after the CronJob was created, and its Job's name. */
  let firstRun: Date;
  const jobsOf = (uid: string) => c.list(JOBS).filter((j) => j.metadata.ownerReferences?.some((r) => r.uid === uid && r.controller));
  /** Moves the controller's clock and makes it look at the CronJob. */
  async function at(t: Date, name: string): Promise<void> {
    clock = t;
    touches++;
    await c.client.patch(CRONJOBS, 'default', name, { metadata: { annotations: { 'test/touch': `${t.toISOString()} #${touches}` } } });
  }

  beforeAll(async () => {
    c = await TestCluster.start(['cronjob'], { now: () => clock });
    c.watch(JOBS);
    c.watch(CRONJOBS);
  });
  afterAll(async () => {
    await c?.stop();
  });

  it('starts the due activation from empty: named by its minute, stamped, owned, recorded as active', async () => {
    const cj = await c.client.create(CRONJOBS, cronJob('hello'));
    firstRun = new Date(Math.floor(Date.parse(cj.metadata.creationTimestamp!) / minute) * minute + minute);
    // Before the first activation nothing happens.
    await at(new Date(firstRun.getTime() - 5000), 'hello');
    await c.until('a pass with nothing due', async () => (await metricValue(c.cm?.registry, 'skiff_reconcile_total', { controller: 'cronjob' })) >= 2);
    expect(jobsOf(cj.metadata.uid!)).toHaveLength(0);

    await at(new Date(firstRun.getTime() + 5000), 'hello');
    const name = `hello-${firstRun.getTime() / minute}`;
    await c.until('the Job', () => !!c.get(JOBS, name));
    const job = c.get(JOBS, name)!;
    expect(job.metadata.labels).toMatchObject({ app: 'hello' });
    expect(job.metadata.annotations).toMatchObject({ 'batch.kubernetes.io/cronjob-scheduled-timestamp': firstRun.toISOString().replace(/\.\d{3}Z$/, 'Z') });
    expect(job.metadata.ownerReferences).toEqual([expect.objectContaining({ apiVersion: 'batch/v1', kind: 'CronJob', name: 'hello', uid: cj.metadata.uid, controller: true })]);
    await c.until('status records it', () => cjStatus(c.get(CRONJOBS, 'hello')).active?.[0]?.name === name);
    expect(cjStatus(c.get(CRONJOBS, 'hello'))).toMatchObject({ lastScheduleTime: firstRun.toISOString().replace(/\.\d{3}Z$/, 'Z'), active: [{ kind: 'Job', apiVersion: 'batch/v1', namespace: 'default', name, uid: job.metadata.uid }] });
    await c.until('SuccessfulCreate', () => c.eventsFor('hello', 'SuccessfulCreate').length === 1);
    expect(c.eventsFor('hello', 'SuccessfulCreate')[0].message).toBe(`Created job ${name}`);
  });

  it('converges after a change: a completed Job leaves the active list and, past the history limit, is deleted', async () => {
    const name = `hello-${firstRun.getTime() / minute}`;
    const done = new Date(firstRun.getTime() + 20_000).toISOString().replace(/\.\d{3}Z$/, 'Z');
    await c.client.patch(JOBS, 'default', name, { status: { startTime: done, completionTime: done, succeeded: 1, conditions: [{ type: 'Complete', status: 'True' }] } }, 'merge', { subresource: 'status' });
    await c.until('active cleared', () => !cjStatus(c.get(CRONJOBS, 'hello')).active?.length && cjStatus(c.get(CRONJOBS, 'hello')).lastSuccessfulTime === done);
    await c.until('SawCompletedJob', () => c.eventsFor('hello', 'SawCompletedJob').length === 1);
    expect(c.eventsFor('hello', 'SawCompletedJob')[0].message).toBe(`Saw completed job: ${name}, status: Complete`);

    await c.client.patch(CRONJOBS, 'default', 'hello', { spec: { successfulJobsHistoryLimit: 0 } });
    await c.until('history trimmed', () => !c.get(JOBS, name));
    await c.until('SuccessfulDelete', () => c.eventsFor('hello', 'SuccessfulDelete').length === 1);
  });

  it('a second reconcile at the same time writes nothing and starts nothing', async () => {
    const cj = c.get(CRONJOBS, 'hello')!;
    const before = JSON.stringify(cj.status);
    const jobs = jobsOf(cj.metadata.uid!).length;
    const runs = await metricValue(c.cm?.registry, 'skiff_reconcile_total', { controller: 'cronjob' });
    await at(clock, 'hello');
    await c.until('another pass', async () => (await metricValue(c.cm?.registry, 'skiff_reconcile_total', { controller: 'cronjob' })) > runs);
    expect(JSON.stringify((await c.client.get(CRONJOBS, 'default', 'hello')).status)).toBe(before);
    expect(jobsOf(cj.metadata.uid!)).toHaveLength(jobs);
  });

  it('leaves Jobs it does not control alone, and does not adopt one made from it by hand', async () => {
    const cj = c.get(CRONJOBS, 'hello')!;
    const stranger = await c.client.create(JOBS, { apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'stranger', namespace: 'default', labels: { app: 'hello' } }, spec: { template: { spec: { restartPolicy: 'Never', containers: [{ name: 'm', image: 'busybox:1.36' }] } } } });
    // What `kubectl create job --from=cronjob/hello` sends.
    const manual = await c.client.create(JOBS, {
      apiVersion: 'batch/v1',
      kind: 'Job',
      metadata: { name: 'by-hand', namespace: 'default', annotations: { 'cronjob.kubernetes.io/instantiate': 'manual' }, ownerReferences: [{ apiVersion: 'batch/v1', kind: 'CronJob', name: 'hello', uid: cj.metadata.uid!, controller: true }] },
      spec: { template: { spec: { restartPolicy: 'OnFailure', containers: [{ name: 'm', image: 'busybox:1.36' }] } } },
    });
    await c.until('UnexpectedJob', () => c.eventsFor('hello', 'UnexpectedJob').some((e) => e.message === 'Saw a job that the controller did not create or forgot: by-hand'));
    expect(cjStatus(c.get(CRONJOBS, 'hello')).active ?? []).toEqual([]);
    expect((await c.client.get(JOBS, 'default', 'stranger')).metadata.resourceVersion).toBe(stranger.metadata.resourceVersion);
    expect((await c.client.get(JOBS, 'default', 'by-hand')).metadata.resourceVersion).toBe(manual.metadata.resourceVersion);
  });

  it('stops on a template whose Job the API server refuses: one FailedCreate, a terminal result, no retries', async () => {
    // The pod template claims the label the API server generates for each Job: every Job is invalid.
    // The clock is ahead of the next activation already, so the CronJob's first pass tries to start it.
    clock = new Date(Date.now() + 2 * minute);
    const bad = await c.client.create(CRONJOBS, cronJob('clash', {}, { 'controller-uid': 'not-yours' }));
    await c.until('a terminal result', async () => (await metricValue(c.cm?.registry, 'skiff_reconcile_total', { controller: 'cronjob', result: 'terminal' })) >= 1);
    const terminal = await metricValue(c.cm?.registry, 'skiff_reconcile_total', { controller: 'cronjob', result: 'terminal' });
    // Other work passes through the same queue meanwhile: a backoff retry would show up here.
    await c.client.create(CRONJOBS, cronJob('probe'));
    await c.until('later work done', () => (cjStatus(c.get(CRONJOBS, 'probe')).active?.length ?? 0) === 1);
    // A retry would have tried (and failed) again: a second FailedCreate, a second terminal result.
    expect(await metricValue(c.cm?.registry, 'skiff_reconcile_total', { controller: 'cronjob', result: 'terminal' })).toBe(terminal);
    expect(jobsOf(bad.metadata.uid!)).toHaveLength(0);
    expect(c.eventsFor('clash', 'FailedCreate')).toHaveLength(1);
    expect(c.eventsFor('clash', 'FailedCreate')[0].message).toContain('Error creating job: ');
  });
});
