import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, kubectlOk, startCluster, type TestCluster } from './cluster.js';

/**
 * Argo CD's hook and wave conventions on a real cluster (process pods, as the batch suite runs its
 * Jobs: the command runs on the host, the image is only a name):
 * a Helm-style pre-install Job, a wave-0 and a wave-1 tier, an Argo CD PostSync Job; the hook Jobs
 * really run, in that order, and are deleted by their policy.
 */
function gitIn(dir: string, args: string[]): string {
  return execFileSync('git', ['-C', dir, ...args], {
    env: { ...process.env, GIT_AUTHOR_NAME: 'Dev', GIT_AUTHOR_EMAIL: 'dev@example.com', GIT_COMMITTER_NAME: 'Dev', GIT_COMMITTER_EMAIL: 'dev@example.com' },
  }).toString().trim();
}

const job = (meta: string, image: string, script: string) => `apiVersion: batch/v1
kind: Job
metadata:
${meta}spec:
  backoffLimit: 0
  template:
    spec:
      restartPolicy: Never
      terminationGracePeriodSeconds: 1
      containers:
        - name: run
          image: ${image}
          command: ["sh", "-c", ${JSON.stringify(script)}]
`;

const tier = (name: string, waveNo: number, image: string) => `apiVersion: v1
kind: ConfigMap
metadata:
  name: ${name}-settings
  annotations:
    argocd.argoproj.io/sync-wave: "${waveNo}"
data:
  tier: ${name}
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: ${name}
  annotations:
    argocd.argoproj.io/sync-wave: "${waveNo}"
spec:
  replicas: 1
  selector:
    matchLabels: {app: ${name}}
  template:
    metadata:
      labels: {app: ${name}}
    spec:
      terminationGracePeriodSeconds: 1
      containers:
        - name: ${name}
          image: ${image}
          command: ["sh", "-c", "trap 'exit 0' TERM; sleep 3600 & wait"]
`;

interface Obj {
  metadata: { name: string; creationTimestamp: string; annotations?: Record<string, string> };
  status?: { conditions?: { type: string; status: string; lastTransitionTime?: string }[]; operationState?: { phase: string; message: string; syncResult?: { resources: { kind: string; name: string; syncPhase: string; hookPhase?: string }[] } }; sync?: { status: string; revision?: string } };
}
interface EventJson {
  reason: string;
  involvedObject: { kind: string; name: string };
  firstTimestamp?: string;
  eventTime?: string;
}

describe('GitOps: Argo CD hooks and sync waves on a real cluster', () => {
  let cluster: TestCluster;
  let repo: string;
  const image = 'busybox:1.36';
  const get = async (args: string[]) => JSON.parse(await kubectlOk(cluster, [...args, '-o', 'json'])) as Obj & { items: Obj[] };

  beforeAll(async () => {
    cluster = await startCluster({ nodes: 1 });
    repo = mkdtempSync(join(tmpdir(), 'skiff-hooks-'));
    gitIn(repo, ['init', '-q', '-b', 'main']);
  }, 200_000);
  afterAll(async () => {
    await cluster?.stop();
    if (repo) rmSync(repo, { recursive: true, force: true });
  });

  it('runs the PreSync Job, wave 0, wave 1, then the PostSync Job, and deletes the hook Jobs', async () => {
    writeFileSync(
      join(repo, 'migrate.yaml'),
      job('  generateName: migrate-\n  annotations:\n    helm.sh/hook: pre-install,pre-upgrade\n    helm.sh/hook-delete-policy: hook-succeeded\n', image, 'echo migrating; sleep 1'),
    );
    writeFileSync(join(repo, 'backend.yaml'), tier('backend', 0, image));
    writeFileSync(join(repo, 'frontend.yaml'), tier('frontend', 1, image));
    writeFileSync(join(repo, 'smoke.yaml'), job('  name: smoke-test\n  annotations:\n    argocd.argoproj.io/hook: PostSync\n    argocd.argoproj.io/hook-delete-policy: HookSucceeded\n', image, 'echo smoke ok'));
    gitIn(repo, ['add', '-A']);
    gitIn(repo, ['commit', '-q', '-m', 'hooks: first']);
    const head = gitIn(repo, ['rev-parse', 'HEAD']);
    const appFile = join(repo, '..', `${repo.split('/').pop()}-app.yaml`);
    writeFileSync(appFile, `apiVersion: skiff.dev/v1alpha1
kind: Application
metadata: {name: hooks, namespace: default}
spec:
  source: {repoURL: ${repo}, targetRevision: main}
  destination: {namespace: hooks}
  syncPolicy:
    automated: {prune: true, selfHeal: true}
    syncOptions: [CreateNamespace=true]
`);
    try {
      await kubectlOk(cluster, ['apply', '-f', appFile]);
    } finally {
      rmSync(appFile, { force: true });
    }

    const app = await eventually('the Application Synced at HEAD', async () => {
      const a = await get(['get', 'application', 'hooks', '-n', 'default']);
      return a.status?.operationState?.phase === 'Succeeded' && a.status.sync?.status === 'Synced' && a.status.sync.revision === head ? a : undefined;
    }, 75_000);
    expect(app.status!.operationState!.message).toBe('successfully synced (all 4 objects applied, 2 hooks run)');
    expect(app.status!.operationState!.syncResult!.resources.map((r) => `${r.syncPhase} ${r.kind} ${r.name.replace(/-[a-z0-9]{5}$/, '-*')} ${r.hookPhase}`)).toEqual([
      'PreSync Job migrate-* Succeeded',
      'Sync ConfigMap backend-settings Succeeded',
      'Sync Deployment backend Succeeded',
      'Sync ConfigMap frontend-settings Succeeded',
      'Sync Deployment frontend Succeeded',
      'PostSync Job smoke-test Succeeded',
    ]);

    // The hook Jobs ran to completion (the Job controller says so) and are gone (hook-succeeded / HookSucceeded).
    await eventually('no hook Jobs left', async () => (await get(['get', 'jobs', '-n', 'hooks'])).items.length === 0, 15_000);
    // Deleted with propagation: the garbage collector takes their pods too.
    await eventually("the hook Jobs' pods gone", async () => (await get(['get', 'pods', '-n', 'hooks', '-l', 'job-name'])).items.length === 0, 30_000);
    const events = (JSON.parse(await kubectlOk(cluster, ['get', 'events', '-n', 'hooks', '-o', 'json'])) as { items: EventJson[] }).items;
    const completed = (prefix: string) => events.filter((e) => e.involvedObject.kind === 'Job' && e.involvedObject.name.startsWith(prefix) && e.reason === 'Completed');
    expect(completed('migrate-')).toHaveLength(1);
    expect(completed('smoke-test')).toHaveLength(1);

    // In order: the migration finished before wave 0 existed, wave 0 was available before wave 1 was created,
    // wave 1 was available before the smoke test started (timestamps have one-second resolution).
    const at = (e: EventJson) => e.eventTime ?? e.firstTimestamp ?? '';
    const created = async (kind: string, name: string) => (await get(['get', kind, name, '-n', 'hooks'])).metadata.creationTimestamp;
    const available = async (name: string) => (await get(['get', 'deploy', name, '-n', 'hooks'])).status!.conditions!.find((c) => c.type === 'Available' && c.status === 'True')!.lastTransitionTime!;
    // The Job controller records Completed just after it writes the condition the git watcher acts on: one second of slack.
    expect(Date.parse(at(completed('migrate-')[0])) - 1000 <= Date.parse(await created('configmap', 'backend-settings'))).toBe(true);
    expect(await available('backend')).toBeDefined();
    expect((await available('backend')) <= (await created('deploy', 'frontend'))).toBe(true);
    const smokeCreated = events.find((e) => e.involvedObject.name === 'smoke-test' && e.reason === 'SuccessfulCreate')!;
    expect((await available('frontend')) <= at(smokeCreated)).toBe(true);
  });
});
