import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KubeObject } from '@skiff/apimachinery';
import type { Job } from 'kubernetes-types/batch/v1.js';
import { JOBS, PODS } from '../src/resources.js';
import { TestCluster } from './cluster.js';
import { metricValue } from './metrics.js';

const TRACKING = 'batch.kubernetes.io/job-tracking';

function job(name: string, spec: Record<string, unknown>, image = 'busybox:1.36'): KubeObject {
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name, namespace: 'default' },
    spec: { template: { spec: { restartPolicy: 'Never', containers: [{ name: 'main', image, command: ['sh', '-c', 'exit 0'] }] } }, ...spec },
  };
}

const jobStatus = (o: KubeObject | undefined) => ((o as unknown as Job | undefined)?.status ?? {});
const conditions = (o: KubeObject | undefined) => (jobStatus(o).conditions ?? []).filter((c) => c.status === 'True').map((c) => c.type);

describe('Job controller (the test plays the kubelet)', () => {
  let c: TestCluster;
  beforeAll(async () => {
    c = await TestCluster.start(['job', 'ttlafterfinished', 'garbagecollector']);
    c.watch(JOBS);
  });
  afterAll(async () => {
    await c?.stop();
  });

  /** The kubelet's verdict on a pod: its container exited with `code`. */
  async function finish(pod: KubeObject, code: number): Promise<void> {
    const at = new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
    const status = {
      phase: code === 0 ? 'Succeeded' : 'Failed',
      conditions: [{ type: 'Ready', status: 'False', lastTransitionTime: at }],
      containerStatuses: [{ name: 'main', image: 'busybox:1.36', imageID: '', ready: false, restartCount: 0, state: { terminated: { exitCode: code, reason: code ? 'Error' : 'Completed', finishedAt: at } } }],
    };
    await c.client.patch(PODS, 'default', pod.metadata.name!, { status }, 'merge', { subresource: 'status' });
  }
  const running = (uid: string) => c.podsOf(uid).filter((p) => !['Succeeded', 'Failed'].includes((p.status as { phase?: string }).phase ?? ''));

  it('runs a Job from empty to Complete: parallelism at a time, counted through the tracking finalizer', async () => {
    const created = await c.client.create(JOBS, job('pi', { completions: 3, parallelism: 2 }));
    const uid = created.metadata.uid!;
    await c.until('2 pods', () => c.podsOf(uid).length === 2);
    for (const p of c.podsOf(uid)) {
      expect(p.metadata.name).toMatch(/^pi-[a-z0-9]{5}$/);
      expect(p.metadata.finalizers).toEqual([TRACKING]);
      expect(p.metadata.labels).toMatchObject({ 'batch.kubernetes.io/controller-uid': uid, 'batch.kubernetes.io/job-name': 'pi', 'controller-uid': uid, 'job-name': 'pi' });
      expect(p.metadata.ownerReferences).toEqual([expect.objectContaining({ kind: 'Job', name: 'pi', uid, controller: true, blockOwnerDeletion: true })]);
    }
    await c.until('active 2', () => jobStatus(c.get(JOBS, 'pi')).active === 2);
    expect(jobStatus(c.get(JOBS, 'pi')).startTime).toBeTruthy();

    // Each success makes room for the next pod until three have succeeded.
    for (let done = 0; done < 3; done++) {
      await c.until(`a running pod (${done} done)`, () => running(uid).length > 0);
      const pod = running(uid)[0];
      await finish(pod, 0);
      await c.until('the kubelet verdict seen', () => !running(uid).some((p) => p.metadata.uid === pod.metadata.uid));
    }
    await c.until('Complete', () => conditions(c.get(JOBS, 'pi')).includes('Complete'), 30_000);
    const s = jobStatus(c.get(JOBS, 'pi'));
    expect(s).toMatchObject({ succeeded: 3, ready: 0, terminating: 0, uncountedTerminatedPods: {} });
    expect(s.active).toBeUndefined();
    expect(conditions(c.get(JOBS, 'pi'))).toEqual(['SuccessCriteriaMet', 'Complete']);
    expect(s.conditions?.find((x) => x.type === 'Complete')).toMatchObject({ reason: 'CompletionsReached', message: 'Reached expected number of succeeded pods' });
    expect(s.completionTime).toBeTruthy();
    expect(c.podsOf(uid)).toHaveLength(3);
    await c.until('finalizers released', () => c.podsOf(uid).every((p) => !p.metadata.finalizers?.length));
    expect(c.eventsFor('pi', 'SuccessfulCreate')).toHaveLength(3);
    await c.until('Completed event', () => c.eventsFor('pi', 'Completed').length === 1);
  });

  it('converges after a change: a failure past backoffLimit fails the Job; suspending stops pods, resuming starts them', async () => {
    const failing = await c.client.create(JOBS, job('flaky', { backoffLimit: 0 }));
    await c.until('a pod', () => c.podsOf(failing.metadata.uid!).length === 1);
    await finish(c.podsOf(failing.metadata.uid!)[0], 1);
    await c.until('Failed', () => conditions(c.get(JOBS, 'flaky')).includes('Failed'), 30_000);
    expect(conditions(c.get(JOBS, 'flaky'))).toEqual(['FailureTarget', 'Failed']);
    expect(jobStatus(c.get(JOBS, 'flaky'))).toMatchObject({ failed: 1, uncountedTerminatedPods: {} });
    expect(jobStatus(c.get(JOBS, 'flaky')).conditions?.find((x) => x.type === 'Failed')).toMatchObject({ reason: 'BackoffLimitExceeded', message: 'Job has reached the specified backoff limit' });
    expect(c.podsOf(failing.metadata.uid!)).toHaveLength(1);
    await c.until('Warning event', () => c.eventsFor('flaky', 'BackoffLimitExceeded').length === 1);

    const worker = await c.client.create(JOBS, job('worker', { completions: 4, parallelism: 2 }));
    await c.until('2 pods', () => running(worker.metadata.uid!).length === 2);
    await c.client.patch(JOBS, 'default', 'worker', { spec: { suspend: true } });
    await c.until('pods stopped, Suspended', () => running(worker.metadata.uid!).length === 0 && conditions(c.get(JOBS, 'worker')).includes('Suspended'));
    // Pods stopped for a suspension are not failures.
    expect(jobStatus(c.get(JOBS, 'worker')).failed).toBeUndefined();
    await c.client.patch(JOBS, 'default', 'worker', { spec: { suspend: false } });
    await c.until('pods back, resumed', () => running(worker.metadata.uid!).length === 2 && !conditions(c.get(JOBS, 'worker')).includes('Suspended'));
    expect(c.eventsFor('worker', 'Suspended')).toHaveLength(1);

    // A pod whose labels no longer match is let go, finalizer and all, and replaced.
    const [stray] = running(worker.metadata.uid!);
    await c.client.patch(PODS, 'default', stray.metadata.name!, { metadata: { labels: { 'batch.kubernetes.io/controller-uid': 'debugging' } } });
    await c.until('released and replaced', () => {
      const p = c.get(PODS, stray.metadata.name!);
      return !!p && !p.metadata.ownerReferences?.length && !p.metadata.finalizers?.length && running(worker.metadata.uid!).length === 2;
    });

    // Deleted leaving its pods behind: they are orphaned, and nothing holds them any more.
    const left = running(worker.metadata.uid!).map((p) => p.metadata.name!);
    await c.client.delete(JOBS, 'default', 'worker', { propagationPolicy: 'Orphan' });
    await c.until('orphans released', () => !c.get(JOBS, 'worker') && left.every((n) => { const p = c.get(PODS, n); return !!p && !p.metadata.ownerReferences?.length && !p.metadata.finalizers?.length; }));
  });

  it('a second reconcile of a finished Job writes nothing', async () => {
    const before = JSON.stringify(c.get(JOBS, 'pi')!.status);
    const pods = Object.fromEntries(c.list(PODS).map((p) => [p.metadata.name, p.metadata.resourceVersion]));
    const runs = await metricValue(c.cm?.registry, 'skiff_reconcile_total', { controller: 'job' });
    await c.client.patch(JOBS, 'default', 'pi', { metadata: { annotations: { touched: 'yes' } } });
    await c.until('another pass', async () => (await metricValue(c.cm?.registry, 'skiff_reconcile_total', { controller: 'job' })) > runs);
    expect(JSON.stringify((await c.client.get(JOBS, 'default', 'pi')).status)).toBe(before);
    const after = Object.fromEntries((await c.client.list(PODS, { namespace: 'default' })).items.map((p) => [p.metadata.name, p.metadata.resourceVersion]));
    for (const [name, rv] of Object.entries(pods)) if (name.startsWith('pi-')) expect(after[name]).toBe(rv);
  });

  it('leaves pods it does not own alone, and deletes a finished Job after ttlSecondsAfterFinished', async () => {
    const pod = (name: string, labels: Record<string, string>, finalizers?: string[]) =>
      c.client.create(PODS, { apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'default', labels, ...(finalizers ? { finalizers } : {}) }, spec: { restartPolicy: 'Never', containers: [{ name: 'main', image: 'x', command: ['true'] }] } });
    const bystander = await pod('bystander', { 'job-name': 'short' });
    const held = await pod('held-elsewhere', { app: 'x' }, ['example.com/keep']);
    const short = await c.client.create(JOBS, job('short', { ttlSecondsAfterFinished: 0 }));
    await c.until('a pod', () => c.podsOf(short.metadata.uid!).length === 1);
    await finish(c.podsOf(short.metadata.uid!)[0], 0);
    await c.until('Job deleted after its TTL, with its pod', () => !c.get(JOBS, 'short') && c.podsOf(short.metadata.uid!).length === 0, 30_000);
    expect(c.get(PODS, 'bystander')?.metadata.resourceVersion).toBe(bystander.metadata.resourceVersion);
    expect(c.get(PODS, 'held-elsewhere')?.metadata.resourceVersion).toBe(held.metadata.resourceVersion);
    await c.client.patch(PODS, 'default', 'held-elsewhere', { metadata: { finalizers: null } });
  });

  it('stops on a template the API server refuses for pods: one FailedCreate, a terminal result, no retries', async () => {
    // A padded image passes in a template but not in a pod, as in Kubernetes.
    const bad = await c.client.create(JOBS, job('broken', { completions: 2, parallelism: 2 }, ' busybox:1.36 '));
    await c.until('a terminal result', async () => (await metricValue(c.cm?.registry, 'skiff_reconcile_total', { controller: 'job', result: 'terminal' })) >= 1);
    const errors = await metricValue(c.cm?.registry, 'skiff_reconcile_total', { controller: 'job', result: 'error' });
    // Other work passes through the same queue meanwhile: a backoff retry would show up here.
    const probe = await c.client.create(JOBS, job('after', { completions: 1 }));
    await c.until('later work done', () => c.podsOf(probe.metadata.uid!).length === 1 && jobStatus(c.get(JOBS, 'after')).active === 1);
    expect(await metricValue(c.cm?.registry, 'skiff_reconcile_total', { controller: 'job', result: 'error' })).toBe(errors);
    expect(c.podsOf(bad.metadata.uid!)).toHaveLength(0);
    expect(c.eventsFor('broken', 'FailedCreate')).toHaveLength(1);
  });
});
