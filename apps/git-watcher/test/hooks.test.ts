import type { KubeObject } from '@skiff/apimachinery';
import { resourceType } from '@skiff/kube-client';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { configMapYaml, makeRepo, type TestRepo } from './gitRepo.js';
import { APPLICATIONS, CONFIGMAPS, GitWatcherCluster } from './gitWatcherCluster.js';

const JOBS = resourceType('jobs', 'batch');

/** A hook Job in the style of a database migration (our own fixture). */
function hookJob(opts: { name?: string; generateName?: string; hook: string; deletePolicy?: string; wave?: string }): string {
  return `apiVersion: batch/v1
kind: Job
metadata:
  ${opts.name ? `name: ${opts.name}` : `generateName: ${opts.generateName}`}
  annotations:
    argocd.argoproj.io/hook: ${opts.hook}
${opts.deletePolicy ? `    argocd.argoproj.io/hook-delete-policy: ${opts.deletePolicy}\n` : ''}${opts.wave ? `    argocd.argoproj.io/sync-wave: "${opts.wave}"\n` : ''}spec:
  backoffLimit: 0
  template:
    spec:
      restartPolicy: Never
      containers:
        - name: run
          image: busybox
          command: ["true"]
`;
}

const wave = (n: number) => `  annotations:\n    argocd.argoproj.io/sync-wave: "${n}"\n`;

describe('git watcher: Argo CD resource hooks and sync waves', () => {
  let c: GitWatcherCluster;
  const repos: TestRepo[] = [];
  const repo = () => {
    const r = makeRepo();
    repos.push(r);
    return r;
  };

  beforeAll(async () => {
    c = await GitWatcherCluster.start();
    c.watch(JOBS);
  });
  afterAll(async () => {
    await c?.stop();
  });
  afterEach(() => {
    for (const r of repos.splice(0)) r.cleanup();
  });

  const jobs = (ns: string) => c.watch(JOBS).list().filter((j) => j.metadata.namespace === ns && !j.metadata.deletionTimestamp);
  const jobIn = (ns: string, prefix: string) => jobs(ns).find((j) => j.metadata.name!.startsWith(prefix));
  /** What the Job controller would write: the test stands in for it (no nodes here). */
  const finish = (job: KubeObject, type: 'Complete' | 'Failed') =>
    c.client.patch(JOBS, job.metadata.namespace, job.metadata.name!, { status: { conditions: [{ type, status: 'True', reason: type === 'Failed' ? 'BackoffLimitExceeded' : 'Completed', message: type === 'Failed' ? 'Job has reached the specified backoff limit' : '' }] } }, 'merge', { subresource: 'status' });
  const op = (name: string) => c.app(name)?.status?.operationState;

  it('runs PreSync hooks, then wave 0, then wave 1, then PostSync hooks; deletes hooks by policy; a second pass runs nothing again', async () => {
    const r = repo();
    const first = r.commit(
      {
        'migrate.yaml': hookJob({ generateName: 'migrate-', hook: 'PreSync', deletePolicy: 'HookSucceeded' }),
        'config.yaml': configMapYaml('settings', { level: 'info' }, wave(0)),
        'app.yaml': configMapYaml('app', { v: '1' }, wave(1)),
        'smoke.yaml': hookJob({ name: 'smoke-test', hook: 'PostSync' }),
      },
      'hooks: first',
    );
    await c.namespace('hooks');
    await c.createApp('hooks', { source: { repoURL: r.dir, targetRevision: 'main' }, destination: { namespace: 'hooks' }, syncPolicy: { automated: { prune: true, selfHeal: true } } });

    await c.until('the PreSync Job created', () => !!jobIn('hooks', 'migrate-'));
    const migrate = jobIn('hooks', 'migrate-')!;
    expect(migrate.metadata.name).toMatch(/^migrate-[a-z0-9]{5}$/);
    await c.until('the operation waiting for PreSync', () => op('hooks')?.phase === 'Running' && /waiting for PreSync wave 0/.test(op('hooks')!.message));
    expect(c.get(CONFIGMAPS, 'hooks', 'settings')).toBeUndefined();
    expect(jobIn('hooks', 'smoke-test')).toBeUndefined();

    await finish(migrate, 'Complete');
    await c.until('the PostSync Job created', () => !!jobIn('hooks', 'smoke-test'));
    const settings = c.get(CONFIGMAPS, 'hooks', 'settings')!;
    const app = c.get(CONFIGMAPS, 'hooks', 'app')!;
    expect(Number(settings.metadata.resourceVersion)).toBeLessThan(Number(app.metadata.resourceVersion));
    await c.until('the PreSync Job deleted (HookSucceeded)', () => !jobIn('hooks', 'migrate-'));
    expect(c.app('hooks')!.status!.sync?.status).not.toBe('Synced');

    const smoke = jobIn('hooks', 'smoke-test')!;
    await finish(smoke, 'Complete');
    await c.until('Synced at the first commit', () => c.syncedAt('hooks', first));
    const s = c.app('hooks')!.status!;
    expect(s.operationState?.message).toBe('successfully synced (all 2 objects applied, 2 hooks run)');
    expect(s.operationState?.syncResult?.resources.map((x) => `${x.syncPhase} ${x.kind} ${x.name.replace(/-[a-z0-9]{5}$/, '-*')} ${x.hookType ?? '-'} ${x.hookPhase}`)).toEqual([
      'PreSync Job migrate-* PreSync Succeeded',
      'Sync ConfigMap settings - Succeeded',
      'Sync ConfigMap app - Succeeded',
      'PostSync Job smoke-test PostSync Succeeded',
    ]);
    // Hooks are not compared: resources are the ConfigMaps only.
    expect(s.resources?.map((x) => `${x.kind} ${x.name} ${x.status}`)).toEqual(['ConfigMap settings Synced', 'ConfigMap app Synced']);
    // BeforeHookCreation (the default) leaves the finished PostSync Job until the next sync.
    expect(jobIn('hooks', 'smoke-test')!.metadata.uid).toBe(smoke.metadata.uid);

    await c.touch('hooks');
    expect(jobs('hooks').map((j) => j.metadata.name)).toEqual(['smoke-test']);

    // The next revision runs the hooks again: a new PreSync Job, the old PostSync Job replaced.
    const second = r.commit({ 'app.yaml': configMapYaml('app', { v: '2' }, wave(1)) }, 'hooks: second');
    await c.until('a new PreSync Job', () => !!jobIn('hooks', 'migrate-'));
    await finish(jobIn('hooks', 'migrate-')!, 'Complete');
    await c.until('a new PostSync Job', () => !!jobIn('hooks', 'smoke-test') && jobIn('hooks', 'smoke-test')!.metadata.uid !== smoke.metadata.uid);
    await finish(jobIn('hooks', 'smoke-test')!, 'Complete');
    await c.until('Synced at the second commit', () => c.syncedAt('hooks', second));
    expect(c.get(CONFIGMAPS, 'hooks', 'app')!.data).toEqual({ v: '2' });
  });

  it("a Helm chart's helm.sh/hook pre-install Job, rendered by helm, runs before the chart's objects and goes with hook-succeeded", async () => {
    const r = repo();
    const sha = r.commit(
      {
        'chart/Chart.yaml': 'apiVersion: v2\nname: shop\nversion: 0.1.0\n',
        'chart/values.yaml': 'level: info\n',
        'chart/templates/config.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}-settings\ndata:\n  level: {{ .Values.level | quote }}\n',
        'chart/templates/migrate.yaml': `apiVersion: batch/v1
kind: Job
metadata:
  name: {{ .Release.Name }}-migrate
  annotations:
    helm.sh/hook: pre-install,pre-upgrade
    helm.sh/hook-delete-policy: hook-succeeded
spec:
  backoffLimit: 0
  template:
    spec:
      restartPolicy: Never
      containers:
        - name: migrate
          image: busybox
          command: ["true"]
`,
      },
      'helm hooks: first',
    );
    await c.namespace('helmhooks');
    await c.createApp('helmhooks', { source: { repoURL: r.dir, targetRevision: 'main', path: 'chart' }, destination: { namespace: 'helmhooks' }, syncPolicy: { automated: { prune: true } } });
    await c.until('the pre-install Job created as a PreSync hook', () => !!jobIn('helmhooks', 'helmhooks-migrate'));
    expect(c.get(CONFIGMAPS, 'helmhooks', 'helmhooks-settings')).toBeUndefined();
    await finish(jobIn('helmhooks', 'helmhooks-migrate')!, 'Complete');
    await c.until('Synced', () => c.syncedAt('helmhooks', sha));
    expect(c.get(CONFIGMAPS, 'helmhooks', 'helmhooks-settings')!.data).toEqual({ level: 'info' });
    await c.until('the hook deleted (hook-succeeded)', () => !jobIn('helmhooks', 'helmhooks-migrate'));
    expect(c.app('helmhooks')!.status!.operationState?.syncResult?.resources.map((x) => `${x.syncPhase} ${x.kind} ${x.name} ${x.hookType ?? '-'}`)).toEqual(['PreSync Job helmhooks-migrate PreSync', 'Sync ConfigMap helmhooks-settings -']);
  });

  it('a git watcher restarted while a hook runs resumes the operation: the hook is not run twice', async () => {
    const r = repo();
    const sha = r.commit({ 'migrate.yaml': hookJob({ generateName: 'migrate-', hook: 'PreSync' }), 'config.yaml': configMapYaml('settings', { level: 'info' }) }, 'resume: first');
    await c.namespace('resume');
    await c.createApp('resume', { source: { repoURL: r.dir, targetRevision: 'main' }, destination: { namespace: 'resume' }, syncPolicy: { automated: { prune: true } } });
    await c.until('the PreSync Job created', () => !!jobIn('resume', 'migrate-'));
    await c.until('its creation recorded', () => !!op('resume')?.syncResult?.resources.some((x) => x.hookPhase === 'Running'));
    await c.restartWatcher();
    await c.touch('resume');
    expect(jobs('resume')).toHaveLength(1);
    await finish(jobIn('resume', 'migrate-')!, 'Complete');
    await c.until('Synced', () => c.syncedAt('resume', sha));
    // BeforeHookCreation (the default) keeps the finished run until the next one: still the only one.
    expect(jobs('resume')).toHaveLength(1);
    expect(op('resume')!.syncResult!.resources.filter((x) => x.hookType === 'PreSync').map((x) => x.name)).toEqual([jobs('resume')[0].metadata.name]);
  });

  it('a failed PreSync hook fails the sync: nothing applied, SyncFail hooks run, the message names the hook; retried with backoff', async () => {
    const r = repo();
    const sha = r.commit(
      {
        'migrate.yaml': hookJob({ generateName: 'migrate-', hook: 'PreSync', deletePolicy: 'HookFailed' }),
        'cleanup.yaml': hookJob({ generateName: 'cleanup-', hook: 'SyncFail' }),
        'config.yaml': configMapYaml('settings', { level: 'info' }),
      },
      'fails: first',
    );
    await c.namespace('fails');
    await c.createApp('fails', { source: { repoURL: r.dir, targetRevision: 'main' }, destination: { namespace: 'fails' }, syncPolicy: { automated: { prune: true }, retry: { limit: 1, backoff: { duration: '1s', factor: 2 } } } });
    await c.until('the PreSync Job created', () => !!jobIn('fails', 'migrate-'));
    const migrate = jobIn('fails', 'migrate-')!;
    await finish(migrate, 'Failed');
    await c.until('the SyncFail Job created', () => !!jobIn('fails', 'cleanup-'));
    await c.until('the failed PreSync Job deleted (HookFailed)', () => !jobs('fails').some((j) => j.metadata.uid === migrate.metadata.uid));
    expect(c.get(CONFIGMAPS, 'fails', 'settings')).toBeUndefined();
    await finish(jobIn('fails', 'cleanup-')!, 'Complete');
    await c.until('the operation Failed', () => op('fails')?.phase === 'Failed' && op('fails')?.revision === sha);
    expect(op('fails')!.message).toBe(`PreSync hook Job fails/${migrate.metadata.name} failed: Job has reached the specified backoff limit`);
    expect(c.app('fails')!.status!.sync?.status).toBe('OutOfSync');
    await c.until('a SyncFailed event', () => c.eventsFor('fails', 'SyncFailed').length === 1);

    // retry.limit 1: one more attempt after about a second, with its own PreSync Job.
    await c.until('the retry running', () => op('fails')?.phase === 'Running' && op('fails')?.retryCount === 1, 10_000);
    await c.until('an OperationRetry event', () => c.eventsFor('fails', 'OperationRetry').length === 1);
    await c.until('the retry\'s PreSync Job', () => jobs('fails').some((j) => j.metadata.name!.startsWith('migrate-') && j.metadata.uid !== migrate.metadata.uid));
    await finish(jobIn('fails', 'migrate-')!, 'Complete');
    await c.until('Synced after the retry', () => c.syncedAt('fails', sha));
    expect(op('fails')!.retryCount).toBe(1);
  });

  it('ignoreDifferences: an ignored field is neither drift nor healed (nor synced, with RespectIgnoreDifferences); other drift still is', async () => {
    const r = repo();
    const sha = r.commit({ 'config.yaml': configMapYaml('tuned', { color: 'blue', size: 'M' }) }, 'ignore: first');
    await c.namespace('ignore');
    await c.createApp('ignore', {
      source: { repoURL: r.dir, targetRevision: 'main' },
      destination: { namespace: 'ignore' },
      syncPolicy: { automated: { prune: true, selfHeal: true }, syncOptions: ['RespectIgnoreDifferences=true'] },
      ignoreDifferences: [{ group: '', kind: 'ConfigMap', name: 'tuned', jsonPointers: ['/data/color'] }],
    });
    await c.until('Synced', () => c.syncedAt('ignore', sha));
    await c.client.patch(CONFIGMAPS, 'ignore', 'tuned', { data: { color: 'red' } });
    await c.touch('ignore');
    expect(c.get(CONFIGMAPS, 'ignore', 'tuned')!.data).toEqual({ color: 'red', size: 'M' });
    expect(c.syncedAt('ignore', sha)).toBe(true);
    await c.client.patch(CONFIGMAPS, 'ignore', 'tuned', { data: { size: 'XL' } });
    await c.until('size healed', () => (c.get(CONFIGMAPS, 'ignore', 'tuned')?.data as Record<string, string> | undefined)?.size === 'M');
    expect(c.get(CONFIGMAPS, 'ignore', 'tuned')!.data).toEqual({ color: 'red', size: 'M' });
    await c.until('a DriftCorrected event', () => c.eventsFor('ignore', 'DriftCorrected').length > 0);
    expect(c.eventsFor('ignore', 'DriftCorrected').map((e) => e.message)).toEqual(['ConfigMap ignore/tuned: data.size: XL -> M']);

    // RespectIgnoreDifferences=true: a sync of a new revision leaves the ignored field as it is live too.
    const next = r.commit({ 'config.yaml': configMapYaml('tuned', { color: 'green', size: 'L' }) }, 'ignore: second');
    await c.until('Synced at the second commit', () => c.syncedAt('ignore', next));
    expect(c.get(CONFIGMAPS, 'ignore', 'tuned')!.data).toEqual({ color: 'red', size: 'L' });

    // A jq expression outside the supported subset is said on the Application.
    await c.client.patch(APPLICATIONS, 'default', 'ignore', { spec: { ignoreDifferences: [{ kind: 'ConfigMap', jqPathExpressions: ['.data | keys'] }] } });
    await c.until('an InvalidSpecError condition', () => !!c.app('ignore')?.status?.conditions?.some((x) => x.type === 'InvalidSpecError' && x.message.startsWith('spec.ignoreDifferences: jq expression ".data | keys"')));
  });
});
