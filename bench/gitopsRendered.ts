import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { KubeObject } from '@skiff/apimachinery';
import { type ApiClient, resourceType } from '@skiff/kube-client';
import { summary } from './stats.js';

const applications = resourceType('applications', 'skiff.dev');
const deployments = resourceType('deployments', 'apps');
const TRIAL_TIMEOUT_MS = 60_000;

export type RenderedKind = 'kustomize' | 'helm';

/**
 * commit -> Synced for a folder that has to be rendered: a kustomize overlay (adding a label to a
 * base holding a ConfigMap and a Deployment) or a Helm chart (the same two objects
 * from templates, the commit changing values.yaml), each in its own repository, Application and
 * namespace, on the same cluster and git watcher as the plain-YAML trials. Each commit changes
 * the ConfigMap's value and the Deployment's env and replicas (2 <-> 3), as the plain trials do,
 * and the next commit waits for the rollout to finish.
 */
export async function renderedCommitTrials(client: ApiClient, kind: RenderedKind, commits: number, nodeSelector: string): Promise<{ synced: number[] }> {
  const repo = mkdtempSync(join(tmpdir(), `skiff-bench-${kind}-repo-`));
  const ns = `gitops-bench-${kind}`;
  const app = `bench-${kind}`;
  const abort = new AbortController();
  try {
    git(repo, 'init', '-q', '-b', 'main');
    let version = 0;
    write(repo, kind, version, nodeSelector);
    git(repo, 'add', '-A');
    git(repo, 'commit', '-q', '-m', 'initial');
    let latest: KubeObject | undefined;
    const waiters = new Set<() => void>();
    const { metadata } = await client.list(applications, { namespace: 'default', limit: 1 });
    void client
      .watch(applications, { namespace: 'default', resourceVersion: metadata.resourceVersion }, (ev) => {
        if (ev.object.metadata.name !== app) return;
        latest = ev.type === 'DELETED' ? undefined : ev.object;
        for (const w of [...waiters]) w();
      }, abort.signal)
      .catch(() => undefined);
    const syncedAt = (sha: string) =>
      new Promise<number>((resolve, reject) => {
        const check = () => {
          const s = (latest?.status as { sync?: { status?: string; revision?: string }; conditions?: { type: string; message: string }[] } | undefined);
          if (s?.sync?.status === 'Synced' && s.sync.revision === sha) {
            waiters.delete(check);
            resolve(performance.now());
          }
          const error = s?.conditions?.find((c) => c.type === 'ComparisonError');
          if (error && (latest?.status as { operationState?: { revision?: string } }).operationState?.revision === sha) reject(new Error(`${kind}: ${error.message}`));
        };
        waiters.add(check);
        check();
      });
    const sha0 = head(repo);
    const first = syncedAt(sha0);
    await client.create(applications, {
      apiVersion: 'skiff.dev/v1alpha1',
      kind: 'Application',
      metadata: { name: app, namespace: 'default' },
      spec: { source: { repoURL: repo, targetRevision: 'main', path: kind === 'kustomize' ? 'overlays/bench' : 'chart' }, destination: { namespace: ns }, syncPolicy: { automated: { prune: true, selfHeal: true }, syncOptions: ['CreateNamespace=true'] } },
    });
    await withTimeout(first, `${kind}: the initial sync`);
    await rolledOut(client, ns, replicasOf(version), `${kind}: the initial rollout`);

    const synced: number[] = [];
    for (let i = 0; i < commits; i++) {
      version++;
      write(repo, kind, version, nodeSelector);
      git(repo, 'commit', '-q', '-a', '-m', `bench commit ${version}`);
      const t0 = performance.now();
      const at = await withTimeout(syncedAt(head(repo)), `${kind}: commit ${version} not Synced`);
      synced.push(at - t0);
      await rolledOut(client, ns, replicasOf(version), `${kind}: commit ${version}: the rollout did not finish`);
    }
    await client.delete(applications, 'default', app).catch(() => undefined);
    return { synced };
  } finally {
    abort.abort();
    rmSync(repo, { recursive: true, force: true });
  }
}

export function renderedLine(kind: RenderedKind, synced: number[], plainP50: number, fmt: (n: number) => string): string {
  const s = summary(synced);
  const ratio = s.p50 / plainP50;
  const what = kind === 'kustomize' ? `kustomize overlay (kubectl kustomize; base ConfigMap + Deployment, the overlay adding a label)` : `Helm chart (helm template; ConfigMap + Deployment templates, the commit changing values.yaml)`;
  return `    ${what}, ${s.n} commits: p50 ${fmt(s.p50)} ms   p99 ${fmt(s.p99)} ms   max ${fmt(s.max)} ms   (${ratio.toFixed(1)}x the plain-YAML p50; goal within 2x: ${ratio <= 2 ? 'met' : 'NOT met'})`;
}

/** Every replica of the Deployment updated and available, and no more (polled: a bench, not a test). */
async function rolledOut(client: ApiClient, ns: string, replicas: number, what: string): Promise<void> {
  const deadline = performance.now() + TRIAL_TIMEOUT_MS;
  for (;;) {
    if (performance.now() > deadline) throw new Error(`${what} within ${TRIAL_TIMEOUT_MS} ms`);
    const d = await client.get(deployments, ns, 'web').catch(() => undefined);
    const st = d?.status as { updatedReplicas?: number; availableReplicas?: number; replicas?: number; observedGeneration?: number } | undefined;
    if (d && st && st.observedGeneration === d.metadata.generation && st.updatedReplicas === replicas && st.availableReplicas === replicas && st.replicas === replicas) return;
    await new Promise((r) => setTimeout(r, 50));
  }
}

function replicasOf(version: number): number {
  return version % 2 === 0 ? 2 : 3;
}

function deploymentYaml(name: string, replicas: string, version: string, nodes: string): string {
  return `apiVersion: apps/v1
kind: Deployment
metadata:
  name: ${name}
spec:
  replicas: ${replicas}
  strategy:
    type: RollingUpdate
    rollingUpdate: {maxSurge: 1, maxUnavailable: 0}
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      nodeSelector: {bench: ${nodes}}
      containers:
        - name: web
          image: node
          command: [node, -e, "setInterval(() => {}, 1000)"]
          env:
            - {name: VERSION, value: "${version}"}
          resources:
            requests: {cpu: 10m, memory: 32Mi}
`;
}

function write(repo: string, kind: RenderedKind, version: number, nodes: string): void {
  const files: Record<string, string> =
    kind === 'kustomize'
      ? {
          'base/kustomization.yaml': 'resources:\n  - config.yaml\n  - web.yaml\n',
          'base/config.yaml': `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: config\ndata:\n  value: value-${version}\n`,
          'base/web.yaml': deploymentYaml('web', String(replicasOf(version)), `v${version}`, nodes),
          // The prefix is empty so the Deployment keeps the name the waiter looks for; labels make it an overlay that changes something.
          'overlays/bench/kustomization.yaml': 'resources:\n  - ../../base\nlabels:\n  - pairs: {env: bench}\n',
        }
      : {
          'chart/Chart.yaml': 'apiVersion: v2\nname: bench\nversion: 0.1.0\n',
          'chart/values.yaml': `version: v${version}\nreplicas: ${replicasOf(version)}\n`,
          'chart/templates/config.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: config\ndata:\n  value: {{ .Values.version | quote }}\n',
          'chart/templates/web.yaml': deploymentYaml('web', '{{ .Values.replicas }}', '{{ .Values.version }}', nodes),
        };
  for (const [p, text] of Object.entries(files)) {
    mkdirSync(dirname(join(repo, p)), { recursive: true });
    writeFileSync(join(repo, p), text);
  }
}

function git(dir: string, ...args: string[]): void {
  execFileSync('git', ['-c', 'user.name=Bench', '-c', 'user.email=bench@localhost', '-c', 'commit.gpgsign=false', '-c', 'gc.auto=0', ...args], { cwd: dir, stdio: 'ignore' });
}

function head(repo: string): string {
  return readFileSync(join(repo, '.git', 'refs', 'heads', 'main'), 'utf8').trim();
}

async function withTimeout<T>(p: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([p, new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`${what} within ${TRIAL_TIMEOUT_MS} ms`)), TRIAL_TIMEOUT_MS)))]);
  } finally {
    clearTimeout(timer);
  }
}
