import { execFileSync } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { request as httpsRequest } from 'node:https';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dirname } from 'node:path';
import { fixtureFiles } from '../../git-watcher/test/fixtures.js';
import { eventually, kubectlOk, startCluster, type TestCluster } from './cluster.js';

const CLI = fileURLToPath(new URL('../src/main.ts', import.meta.url));
const SECRET = 'e2e-webhook-secret';

function gitIn(dir: string, args: string[]): string {
  return execFileSync('git', ['-C', dir, ...args], {
    env: { ...process.env, GIT_AUTHOR_NAME: 'Dev', GIT_AUTHOR_EMAIL: 'dev@example.com', GIT_COMMITTER_NAME: 'Dev', GIT_COMMITTER_EMAIL: 'dev@example.com' },
  }).toString().trim();
}

function deployment(replicas: number, command = "require('http').createServer((q, r) => r.end(process.env.POD_NAME)).listen(8080, process.env.POD_IP)"): string {
  return `apiVersion: apps/v1
kind: Deployment
metadata:
  name: shop
spec:
  replicas: ${replicas}
  strategy: {type: RollingUpdate, rollingUpdate: {maxSurge: 1, maxUnavailable: 0}}
  progressDeadlineSeconds: 30
  selector:
    matchLabels: {app: shop}
  template:
    metadata:
      labels: {app: shop}
    spec:
      terminationGracePeriodSeconds: 2
      containers:
        - name: shop
          image: shop:1
          command: ["node", "-e", ${JSON.stringify(command)}]
          ports: [{containerPort: 8080}]
          readinessProbe: {tcpSocket: {port: 8080}, periodSeconds: 1}
`;
}

const CONFIG = `apiVersion: v1
kind: ConfigMap
metadata:
  name: shop-config
data:
  color: blue
`;

interface App {
  metadata: { annotations?: Record<string, string> };
  status?: {
    sync?: { status?: string; revision?: string };
    health?: { status?: string; message?: string };
    operationState?: { phase?: string; message?: string; revision?: string };
    conditions?: { type: string; message: string }[];
    history?: { revision: string; message: string; author: string }[];
  };
}

describe('GitOps: Applications synced from git', () => {
  let cluster: TestCluster;
  let repo: string;

  const app = async (): Promise<App> => JSON.parse(await kubectlOk(cluster, ['get', 'application', 'shop', '-n', 'default', '-o', 'json']));
  const readyShopPods = async () => {
    const pods = JSON.parse(await kubectlOk(cluster, ['get', 'pods', '-n', 'shop', '-l', 'app=shop', '-o', 'json'])).items as { metadata: { deletionTimestamp?: string }; status: { conditions?: { type: string; status: string }[] } }[];
    return pods.filter((p) => !p.metadata.deletionTimestamp && p.status.conditions?.some((c) => c.type === 'Ready' && c.status === 'True')).length;
  };
  const syncedAt = async (sha: string) => {
    const a = await app();
    return a.status?.sync?.status === 'Synced' && a.status.sync.revision === sha;
  };
  const commit = (message: string) => {
    gitIn(repo, ['add', '-A']);
    gitIn(repo, ['commit', '-q', '-m', message]);
    return gitIn(repo, ['rev-parse', 'HEAD']);
  };

  beforeAll(async () => {
    cluster = await startCluster({ nodes: 2, example: true, env: { SKIFF_GIT_WEBHOOK_SECRET: SECRET } });
    repo = mkdtempSync(join(tmpdir(), 'skiff-shop-'));
    gitIn(repo, ['init', '-q', '-b', 'main']);
    mkdirSync(join(repo, 'deploy'));
    writeFileSync(join(repo, 'deploy', 'shop.yaml'), deployment(2));
    writeFileSync(join(repo, 'deploy', 'config.yaml'), CONFIG);
    commit('shop: first version');
  }, 120_000);
  afterAll(async () => {
    await cluster?.stop();
    if (repo) rmSync(repo, { recursive: true, force: true });
    // The Application manifest written beside the repository.
    if (repo) rmSync(`${repo}-app.yaml`, { force: true });
  });

  it('npm start made an example repository and an Application that syncs it', async () => {
    expect(cluster.output()).toMatch(/commit here to deploy/);
    await eventually('the example Application Synced and Healthy', async () => {
      const a = JSON.parse(await kubectlOk(cluster, ['get', 'application', 'demo', '-n', 'default', '-o', 'json'])) as App;
      return a.status?.sync?.status === 'Synced' && a.status.health?.status === 'Healthy';
    }, 90_000);
    expect(await kubectlOk(cluster, ['get', 'app', '-n', 'default'])).toMatch(/demo\s+Synced\s+Healthy\s+[0-9a-f]{7}/);
  });

  it('syncs a new Application to HEAD and becomes Healthy with its pods Ready', async () => {
    const head = gitIn(repo, ['rev-parse', 'HEAD']);
    const file = join(repo, '..', `${repo.split('/').pop()}-app.yaml`);
    writeFileSync(file, `apiVersion: skiff.dev/v1alpha1
kind: Application
metadata: {name: shop, namespace: default}
spec:
  source: {repoURL: ${repo}, targetRevision: main, path: deploy}
  destination: {namespace: shop}
  syncPolicy:
    automated: {prune: true, selfHeal: true}
    syncOptions: [CreateNamespace=true]
`);
    await kubectlOk(cluster, ['apply', '-f', file]);
    await eventually('Synced at HEAD and Healthy', async () => (await syncedAt(head)) && (await app()).status?.health?.status === 'Healthy', 90_000);
    expect(await readyShopPods()).toBe(2);
    const a = await app();
    expect(a.status?.history?.at(-1)).toMatchObject({ revision: head, message: 'shop: first version', author: expect.stringContaining('Dev') });
    const cm = JSON.parse(await kubectlOk(cluster, ['get', 'configmap', 'shop-config', '-n', 'shop', '-o', 'json'])) as { metadata: { labels: Record<string, string>; annotations: Record<string, string> } };
    expect(cm.metadata.labels['skiff.dev/application']).toBe('shop');
    expect(cm.metadata.annotations['skiff.dev/revision']).toBe(head);
  });

  it('follows a commit that scales 2 -> 4', async () => {
    writeFileSync(join(repo, 'deploy', 'shop.yaml'), deployment(4));
    const sha = commit('shop: 4 replicas');
    await eventually('Synced at the new commit', () => syncedAt(sha), 30_000);
    await eventually('4 pods Ready', async () => (await readyShopPods()) === 4, 60_000);
  });

  it('fails a commit with an invalid manifest, naming the file, and leaves the live Deployment alone', async () => {
    const before = JSON.parse(await kubectlOk(cluster, ['get', 'deploy', 'shop', '-n', 'shop', '-o', 'json'])) as { metadata: { generation: number } };
    writeFileSync(join(repo, 'deploy', 'shop.yaml'), deployment(3).replace('replicas: 3', 'replicas: -3'));
    const bad = commit('shop: broken');
    await eventually('the sync failed naming the file', async () => {
      const a = await app();
      return a.status?.operationState?.phase === 'Failed' && a.status.operationState.revision === bad && /deploy\/shop\.yaml:\d+ spec\.replicas/.test(a.status.conditions?.find((c) => c.type === 'ComparisonError')?.message ?? '');
    }, 30_000);
    const after = JSON.parse(await kubectlOk(cluster, ['get', 'deploy', 'shop', '-n', 'shop', '-o', 'json'])) as { metadata: { generation: number }; spec: { replicas: number } };
    expect(after.metadata.generation).toBe(before.metadata.generation);
    expect(after.spec.replicas).toBe(4);
    // Fix it: back to the last good content.
    writeFileSync(join(repo, 'deploy', 'shop.yaml'), deployment(4));
    const fixed = commit('shop: fixed');
    await eventually('Synced at the fix', () => syncedAt(fixed), 30_000);
  });

  it('goes Degraded on a crashing container while the old pods serve, and back to Healthy on git revert, reusing the old ReplicaSet', async () => {
    const rsBefore = JSON.parse(await kubectlOk(cluster, ['get', 'rs', '-n', 'shop', '-l', 'app=shop', '-o', 'json'])).items as { metadata: { name: string }; spec: { replicas: number } }[];
    const live = rsBefore.find((rs) => rs.spec.replicas > 0)!.metadata.name;
    writeFileSync(join(repo, 'deploy', 'shop.yaml'), deployment(4, 'process.exit(1)'));
    const crash = commit('shop: a crashing version');
    await eventually('Degraded', async () => {
      const a = await app();
      return a.status?.sync?.revision === crash && a.status.health?.status === 'Degraded';
    }, 90_000);
    expect(await readyShopPods()).toBeGreaterThanOrEqual(4);
    gitIn(repo, ['revert', '--no-edit', 'HEAD']);
    const reverted = gitIn(repo, ['rev-parse', 'HEAD']);
    await eventually('Healthy at the revert', async () => (await syncedAt(reverted)) && (await app()).status?.health?.status === 'Healthy', 90_000);
    const rsAfter = JSON.parse(await kubectlOk(cluster, ['get', 'rs', '-n', 'shop', '-l', 'app=shop', '-o', 'json'])).items as { metadata: { name: string }; spec: { replicas: number } }[];
    expect(rsAfter.filter((rs) => rs.spec.replicas > 0).map((rs) => rs.metadata.name)).toEqual([live]);
  });

  it('puts back a kubectl scale (selfHeal) and records DriftCorrected', async () => {
    await kubectlOk(cluster, ['scale', 'deploy/shop', '-n', 'shop', '--replicas=1']);
    await eventually('replicas back to 4', async () => {
      const d = JSON.parse(await kubectlOk(cluster, ['get', 'deploy', 'shop', '-n', 'shop', '-o', 'json'])) as { spec: { replicas: number } };
      return d.spec.replicas === 4;
    }, 30_000);
    const drift = await eventually('a DriftCorrected event', async () => {
      const events = JSON.parse(await kubectlOk(cluster, ['get', 'events', '-n', 'default', '--field-selector', 'involvedObject.name=shop', '-o', 'json'])) as { items: { reason: string; message: string }[] };
      const found = events.items.filter((e) => e.reason === 'DriftCorrected').map((e) => e.message);
      return found.length ? found : undefined;
    });
    expect(drift).toContainEqual(expect.stringMatching(/^apps\/Deployment shop\/shop: spec\.replicas: 1 -> 4/));
  });

  it('prunes an object whose file left git', async () => {
    rmSync(join(repo, 'deploy', 'config.yaml'));
    const sha = commit('shop: no config');
    await eventually('the ConfigMap pruned', async () => {
      const out = await kubectlOk(cluster, ['get', 'configmaps', '-n', 'shop', '-o', 'name']);
      return (await syncedAt(sha)) && !out.includes('shop-config');
    }, 30_000);
  });

  it('answers a push webhook with a bad signature 401, and refreshes at once on a good one', async () => {
    const payload = JSON.stringify({ ref: 'refs/heads/main', repository: { clone_url: repo, html_url: repo, default_branch: 'main' } });
    const ca = readFileSync(join(cluster.dataDir, 'pki', 'ca.crt'), 'utf8');
    const post = (signature: string) =>
      new Promise<{ status: number; body: string }>((resolve, reject) => {
        const req = httpsRequest(`${cluster.url}/hooks/git`, { method: 'POST', ca, headers: { 'content-type': 'application/json', 'x-github-event': 'push', 'x-hub-signature-256': signature } }, (res) => {
          let body = '';
          res.on('data', (d) => (body += d));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
        });
        req.on('error', reject);
        req.end(payload);
      });
    const bad = await post('sha256=' + createHmac('sha256', 'wrong').update(payload).digest('hex'));
    expect(bad.status).toBe(401);
    const good = await post('sha256=' + createHmac('sha256', SECRET).update(payload).digest('hex'));
    expect(good.status).toBeLessThan(300);
    const body = JSON.parse(good.body) as { refreshed: string[] };
    expect(body.refreshed).toContain('default/shop');
    const a = await app();
    expect(a.metadata.annotations?.['skiff.dev/refresh']).toBeDefined();
  });

  it('skiff rollback makes the revert commit for the user', async () => {
    const before = gitIn(repo, ['rev-parse', 'HEAD']);
    writeFileSync(join(repo, 'deploy', 'shop.yaml'), deployment(3));
    const three = commit('shop: 3 replicas');
    await eventually('Synced at 3 replicas', () => syncedAt(three), 30_000);
    execFileSync(process.execPath, ['--import', 'tsx', CLI, 'rollback', 'shop', '-n', 'default', '--kubeconfig', cluster.kubeconfig]);
    const rolled = gitIn(repo, ['rev-parse', 'HEAD']);
    expect(rolled).not.toBe(three);
    expect(gitIn(repo, ['log', '-1', '--format=%s'])).toMatch(/^Revert "shop: 3 replicas"/);
    expect(readFileSync(join(repo, 'deploy', 'shop.yaml'), 'utf8')).toBe(execFileSync('git', ['-C', repo, 'show', `${before}:deploy/shop.yaml`]).toString());
    await eventually('Synced at the rollback commit', () => syncedAt(rolled), 30_000);
  });

  it('converges after the git watcher is killed -9 in the middle of a sync, applying nothing twice', async () => {
    const gen = async () => (JSON.parse(await kubectlOk(cluster, ['get', 'deploy', 'shop', '-n', 'shop', '-o', 'json'])) as { metadata: { generation: number } }).metadata.generation;
    const before = await gen();
    writeFileSync(join(repo, 'deploy', 'shop.yaml'), deployment(2));
    writeFileSync(join(repo, 'deploy', 'config.yaml'), CONFIG);
    const sha = commit('shop: 2 replicas and config again');
    process.kill(Number(readFileSync(join(cluster.dataDir, 'run', 'git-watcher.pid'), 'utf8')), 'SIGKILL');
    await eventually('Synced after the restart', () => syncedAt(sha), 60_000);
    // One spec change (4 -> 2 replicas, same template) is one generation, however often it was applied.
    expect(await gen()).toBe(before + 1);
  });
  it('example folders as teams copy them (plain, kustomize overlay, Helm with production values, podinfo-style with an HPA) sync Synced through argoproj.io Applications', async () => {
    const examples = mkdtempSync(join(tmpdir(), 'skiff-examples-'));
    try {
      gitIn(examples, ['init', '-q', '-b', 'main']);
      const files = { ...fixtureFiles('guestbook'), ...fixtureFiles('kustomize-guestbook'), ...fixtureFiles('helm-guestbook'), ...fixtureFiles('podinfo-kustomize') };
      for (const [path, text] of Object.entries(files)) {
        mkdirSync(dirname(join(examples, path)), { recursive: true });
        writeFileSync(join(examples, path), text);
      }
      gitIn(examples, ['add', '-A']);
      gitIn(examples, ['commit', '-q', '-m', 'examples']);
      const head = gitIn(examples, ['rev-parse', 'HEAD']);
      const apps: [string, string, string][] = [
        ['guestbook', 'guestbook', ''],
        ['kustomize-guestbook', 'kustomize-guestbook/overlays/production', ''],
        ['helm-guestbook', 'helm-guestbook', '\n    helm: {valueFiles: [values-production.yaml]}'],
        ['podinfo', 'podinfo-kustomize', ''],
      ];
      const manifest = apps
        .map(([name, path, extra]) => `apiVersion: argoproj.io/v1alpha1
kind: Application
metadata: {name: ${name}, namespace: argocd}
spec:
  project: default
  source:
    repoURL: ${examples}
    targetRevision: main
    path: ${path}${extra}
  destination: {server: https://kubernetes.default.svc, namespace: examples-${name}}
  syncPolicy:
    automated: {prune: true}
    syncOptions: [CreateNamespace=true]
`)
        .join('---\n');
      const file = join(examples, '..', `${examples.split('/').pop()}-apps.yaml`);
      writeFileSync(file, manifest);
      try {
        await kubectlOk(cluster, ['create', 'namespace', 'argocd']);
        await kubectlOk(cluster, ['apply', '-f', file]);
      } finally {
        rmSync(file, { force: true });
      }
      type ArgoApp = { metadata: { name: string }; status?: { sync?: { status?: string; revision?: string }; conditions?: { type: string; message: string }[] } };
      const list = async () => (JSON.parse(await kubectlOk(cluster, ['get', 'applications.argoproj.io', '-n', 'argocd', '-o', 'json'])) as { items: ArgoApp[] }).items;
      await eventually('all four Synced at HEAD', async () => {
        const items = await list();
        return items.length === 4 && items.every((a) => a.status?.sync?.status === 'Synced' && a.status.sync.revision === head);
      }, 120_000).catch(async (err) => {
        throw new Error(`${(err as Error).message}: ${JSON.stringify((await list()).map((a) => [a.metadata.name, a.status?.sync, a.status?.conditions]))}`);
      });
      // What each renderer made, as kubectl sees it.
      expect(await kubectlOk(cluster, ['get', 'hpa', 'podinfo', '-n', 'examples-podinfo', '-o', 'name'])).toContain('horizontalpodautoscaler.autoscaling/podinfo');
      const helmDeploy = JSON.parse(await kubectlOk(cluster, ['get', 'deploy', '-n', 'examples-helm-guestbook', '-o', 'json'])) as { items: { spec: { replicas: number } }[] };
      expect(helmDeploy.items.map((d) => d.spec.replicas)).toEqual([3]);
      expect(await kubectlOk(cluster, ['get', 'deploy', '-n', 'examples-kustomize-guestbook', '-o', 'name'])).toMatch(/deployment\.apps\/\S+/);
      expect(await kubectlOk(cluster, ['get', 'svc', '-n', 'examples-guestbook', '-o', 'name'])).toMatch(/service\/\S+/);
      const table = await kubectlOk(cluster, ['get', 'applications.argoproj.io', '-n', 'argocd']);
      expect(table).toMatch(/NAME\s+SYNC STATUS\s+HEALTH STATUS/);
      await kubectlOk(cluster, ['delete', 'applications.argoproj.io', '--all', '-n', 'argocd', '--wait=false']);
    } finally {
      rmSync(examples, { recursive: true, force: true });
    }
  });
});
