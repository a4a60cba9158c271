import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, kubectl, kubectlOk, startCluster, type TestCluster } from './cluster.js';

/** Process pods: the command runs on the host, the image is only a name. */
const MANIFESTS = `
apiVersion: batch/v1
kind: CronJob
metadata: {name: every-minute, namespace: default}
spec:
  schedule: "*/1 * * * *"
  jobTemplate:
    spec:
      template:
        spec:
          restartPolicy: OnFailure
          containers:
            - {name: tick, image: busybox:1.36, command: ["sh", "-c", "echo tick"]}
---
apiVersion: batch/v1
kind: Job
metadata: {name: pi, namespace: default}
spec:
  completions: 5
  parallelism: 2
  template:
    spec:
      restartPolicy: Never
      terminationGracePeriodSeconds: 1
      containers:
        - {name: pi, image: busybox:1.36, command: ["sh", "-c", "sleep 1; echo 3.14159"]}
---
apiVersion: batch/v1
kind: Job
metadata: {name: doomed, namespace: default}
spec:
  backoffLimit: 1
  template:
    spec:
      restartPolicy: Never
      containers:
        - {name: fail, image: busybox:1.36, command: ["sh", "-c", "exit 3"]}
`;

interface JobJson {
  metadata: { annotations?: Record<string, string>; ownerReferences?: { kind: string; name: string; controller?: boolean }[]; labels?: Record<string, string> };
  status: { succeeded?: number; failed?: number; active?: number; conditions?: { type: string; status: string; reason?: string }[] };
}

describe('batch: Jobs and CronJobs through the real kubectl', () => {
  let cluster: TestCluster;
  beforeAll(async () => {
    cluster = await startCluster({ nodes: 1 });
    // Everything starts at once; the CronJob's first minute is the longest wait.
    await kubectlOk(cluster, ['apply', '-f', '-'], MANIFESTS);
  }, 240_000);
  afterAll(async () => {
    await cluster?.stop();
  });

  it('runs a Job with completions 5, parallelism 2 to Complete', async () => {
    await kubectlOk(cluster, ['wait', '--for=condition=complete', 'job/pi', '--timeout=120s']);
    const job = JSON.parse(await kubectlOk(cluster, ['get', 'job', 'pi', '-o', 'json'])) as JobJson;
    expect(job.status.succeeded).toBe(5);
    expect(job.metadata.labels?.['batch.kubernetes.io/job-name']).toBe('pi');
    const table = await kubectlOk(cluster, ['get', 'jobs', 'pi']);
    expect(table.split('\n')[0].split(/\s{2,}/)).toEqual(['NAME', 'STATUS', 'COMPLETIONS', 'DURATION', 'AGE']);
    expect(table.split('\n')[1]).toMatch(/^pi\s+Complete\s+5\/5\s+\d+s\s+\d+s$/);
    const pods = await kubectlOk(cluster, ['get', 'pods', '-l', 'job-name=pi', '-o', 'jsonpath={range .items[*]}{.status.phase}{"\\n"}{end}']);
    expect(pods.trim().split('\n')).toEqual(['Succeeded', 'Succeeded', 'Succeeded', 'Succeeded', 'Succeeded']);
    expect(await kubectlOk(cluster, ['logs', 'job/pi'])).toContain('3.14159');
  });

  it('fails a Job whose pods keep failing once backoffLimit is passed', async () => {
    await kubectlOk(cluster, ['wait', '--for=condition=failed', 'job/doomed', '--timeout=120s']);
    const job = JSON.parse(await kubectlOk(cluster, ['get', 'job', 'doomed', '-o', 'json'])) as JobJson;
    expect(job.status.failed).toBe(2);
    expect(job.status.conditions?.find((c) => c.type === 'Failed')).toMatchObject({ status: 'True', reason: 'BackoffLimitExceeded' });
    expect(await kubectlOk(cluster, ['get', 'job', 'doomed', '--no-headers'])).toMatch(/^doomed\s+Failed\s+0\/1/);
    const events = await kubectlOk(cluster, ['get', 'events', '--field-selector', 'involvedObject.name=doomed', '-o', 'jsonpath={.items[*].reason}']);
    expect(events).toContain('BackoffLimitExceeded');
  });

  it('makes a Job from a "*/1 * * * *" CronJob within 70 s', async () => {
    const started = await eventually(
      'a Job of the CronJob',
      async () => {
        const list = JSON.parse(await kubectlOk(cluster, ['get', 'jobs', '-o', 'json'])) as { items: (JobJson & { metadata: { name: string } })[] };
        return list.items.find((j) => j.metadata.ownerReferences?.some((r) => r.kind === 'CronJob' && r.name === 'every-minute') && /^every-minute-\d+$/.test(j.metadata.name));
      },
      70_000,
    );
    expect(started.metadata.annotations?.['batch.kubernetes.io/cronjob-scheduled-timestamp']).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:00Z$/);
    const table = await kubectlOk(cluster, ['get', 'cj']);
    expect(table.split('\n')[0].split(/\s{2,}/)).toEqual(['NAME', 'SCHEDULE', 'TIMEZONE', 'SUSPEND', 'ACTIVE', 'LAST SCHEDULE', 'AGE']);
    expect(table.split('\n')[1]).toMatch(/^every-minute\s+\*\/1 \* \* \* \*\s+<none>\s+False\s+\d\s+\d+s\s+\d+s$/);
  });

  it('kubectl create job --from=cronjob/... starts the CronJob template by hand', async () => {
    expect(await kubectlOk(cluster, ['create', 'job', 'by-hand', '--from=cronjob/every-minute'])).toContain('job.batch/by-hand created');
    const job = JSON.parse(await kubectlOk(cluster, ['get', 'job', 'by-hand', '-o', 'json'])) as JobJson;
    expect(job.metadata.annotations?.['cronjob.kubernetes.io/instantiate']).toBe('manual');
    expect(job.metadata.ownerReferences).toEqual([expect.objectContaining({ kind: 'CronJob', name: 'every-minute', controller: true })]);
    await kubectlOk(cluster, ['wait', '--for=condition=complete', 'job/by-hand', '--timeout=60s']);
    const r = await kubectl(cluster, ['get', 'jobs', '-o', 'name']);
    expect(r.stdout).toContain('job.batch/by-hand');
  });
});
