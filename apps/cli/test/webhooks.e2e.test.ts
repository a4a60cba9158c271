import { execFileSync } from 'node:child_process';
import { createHmac, timingSafeEqual } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, get as httpGet, type Server } from 'node:http';
import { get as httpsGet } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pickListenPort } from '../src/listenPort.js';
import { eventually, kubectlOk, startCluster, type TestCluster } from './cluster.js';

const SECRET = 'receiver-shared-secret';

interface Delivery {
  id: string;
  signed: boolean;
  body: { reason: string; severity: string; message: string; involvedObject: { kind: string; name: string }; metadata: Record<string, string>; reportingController: string; timestamp: string };
}

/** A receiver as a user runs one: it checks X-Signature over the raw body with the shared secret. */
class Receiver {
  readonly deliveries: Delivery[] = [];
  private server: Server | undefined;
  port = 0;

  async open(): Promise<void> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const raw = Buffer.concat(chunks);
        const expected = Buffer.from(`sha256=${createHmac('sha256', SECRET).update(raw).digest('hex')}`);
        const got = Buffer.from(String(req.headers['x-signature'] ?? ''));
        const signed = got.length === expected.length && timingSafeEqual(got, expected);
        this.deliveries.push({ id: String(req.headers['x-skiff-delivery']), signed, body: JSON.parse(raw.toString('utf8')) });
        res.writeHead(signed ? 200 : 401).end();
      });
    });
    // The port stays the receiver's while it is down: chosen below the ephemeral range, where no
    // outgoing connection can take it meanwhile.
    if (!this.port) this.port = await pickListenPort();
    const server = this.server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, '127.0.0.1', () => resolve());
    });
  }

  async close(): Promise<void> {
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
    this.server?.closeAllConnections();
    this.server = undefined;
  }

  of(reason: string): Delivery[] {
    return this.deliveries.filter((d) => d.body.reason === reason);
  }
}

function gitIn(dir: string, args: string[]): string {
  return execFileSync('git', ['-C', dir, ...args], { env: { ...process.env, GIT_AUTHOR_NAME: 'Ada', GIT_AUTHOR_EMAIL: 'ada@example.com', GIT_COMMITTER_NAME: 'Ada', GIT_COMMITTER_EMAIL: 'ada@example.com' } }).toString().trim();
}

function deployment(replicas: number, version: string, crash = false): string {
  const command = crash ? 'process.exit(1)' : `require('http').createServer((q, r) => r.end('${version}')).listen(8080, process.env.POD_IP)`;
  return `apiVersion: apps/v1
kind: Deployment
metadata: {name: api}
spec:
  replicas: ${replicas}
  strategy: {type: RollingUpdate, rollingUpdate: {maxSurge: 1, maxUnavailable: 0}}
  selector: {matchLabels: {app: api}}
  template:
    metadata: {labels: {app: api}}
    spec:
      terminationGracePeriodSeconds: 2
      containers:
        - name: api
          image: api:${version}
          command: ["node", "-e", ${JSON.stringify(command)}]
          readinessProbe: {tcpSocket: {port: 8080}, periodSeconds: 1}
`;
}

describe('signed status webhooks for what GitOps does', () => {
  let cluster: TestCluster;
  let repo: string;
  const receiver = new Receiver();
  const commit = (message: string) => {
    gitIn(repo, ['add', '-A']);
    gitIn(repo, ['commit', '-q', '-m', message]);
    return gitIn(repo, ['rev-parse', 'HEAD']);
  };

  beforeAll(async () => {
    await receiver.open();
    cluster = await startCluster({ nodes: 2 });
    repo = mkdtempSync(join(tmpdir(), 'skiff-hooks-'));
    gitIn(repo, ['init', '-q', '-b', 'main']);
    mkdirSync(join(repo, 'deploy'));
    writeFileSync(join(repo, 'deploy', 'api.yaml'), deployment(2, 'v1'));
    commit('api v1');
    const dir = mkdtempSync(join(tmpdir(), 'skiff-hooks-objects-'));
    writeFileSync(join(dir, 'objects.yaml'), `apiVersion: v1
kind: Secret
metadata: {name: hook, namespace: default}
stringData: {token: ${SECRET}}
---
apiVersion: skiff.dev/v1alpha1
kind: Webhook
metadata: {name: ci, namespace: default}
spec:
  url: http://127.0.0.1:${receiver.port}/skiff
  applications: [api]
  secretRef: {name: hook, key: token}
`);
    await kubectlOk(cluster, ['apply', '-f', join(dir, 'objects.yaml')]);
    writeFileSync(join(dir, 'app.yaml'), `apiVersion: skiff.dev/v1alpha1
kind: Application
metadata: {name: api, namespace: default}
spec:
  source: {repoURL: ${repo}, targetRevision: main, path: deploy}
  destination: {namespace: api}
  syncPolicy: {automated: {prune: true, selfHeal: true}, syncOptions: [CreateNamespace=true]}
`);
    await kubectlOk(cluster, ['apply', '-f', join(dir, 'app.yaml')]);
    rmSync(dir, { recursive: true, force: true });
  }, 120_000);
  afterAll(async () => {
    await cluster?.stop();
    await receiver.close();
    if (repo) rmSync(repo, { recursive: true, force: true });
  });

  it('delivers a sync, a rollout, a Degraded health and a drift correction, each once, signed, with the revision', async () => {
    const first = gitIn(repo, ['rev-parse', 'HEAD']);
    await eventually('sync.succeeded and rollout.completed for the first commit', async () => receiver.of('sync.succeeded').length >= 1 && receiver.of('rollout.completed').length >= 1, 90_000);
    const synced = receiver.of('sync.succeeded')[0];
    expect(synced.signed).toBe(true);
    expect(synced.body.metadata).toMatchObject({ revision: first, commitMessage: 'api v1', commitAuthor: expect.stringContaining('Ada'), application: 'default/api' });
    expect(synced.body).toMatchObject({ severity: 'info', involvedObject: { kind: 'Application', name: 'api' } });

    writeFileSync(join(repo, 'deploy', 'api.yaml'), deployment(2, 'v2', true));
    const crash = commit('api v2 (crashes)');
    await eventually('health.degraded for the crashing commit', async () => receiver.of('health.degraded').some((d) => d.body.metadata.revision === crash), 90_000);
    expect(receiver.of('rollout.started').some((d) => d.body.metadata.revision === crash)).toBe(true);
    expect(receiver.of('health.degraded').find((d) => d.body.metadata.revision === crash)!.body.severity).toBe('error');

    gitIn(repo, ['revert', '--no-edit', 'HEAD']);
    const reverted = gitIn(repo, ['rev-parse', 'HEAD']);
    await eventually('health.healthy after the revert', async () => receiver.of('health.healthy').some((d) => d.body.metadata.revision === reverted), 90_000);

    await kubectlOk(cluster, ['scale', 'deploy/api', '-n', 'api', '--replicas=5']);
    await eventually('drift.corrected', async () => receiver.of('drift.corrected').length >= 1, 30_000);
    expect(receiver.of('drift.corrected')[0].body.message).toMatch(/spec\.replicas: 5 -> 2/);

    expect(receiver.deliveries.every((d) => d.signed)).toBe(true);
    const ids = receiver.deliveries.map((d) => d.id);
    expect(new Set(ids).size).toBe(ids.length);
  }, 240_000);

  it('delivers what happened while the receiver was down for a minute, across a restart of the webhook worker, none lost or repeated', async () => {
    const before = receiver.deliveries.length;
    await receiver.close();
    writeFileSync(join(repo, 'deploy', 'api.yaml'), deployment(3, 'v3'));
    const sha = commit('api v3 while the receiver is down');
    await eventually('the Application Synced at the new commit', async () => {
      const a = JSON.parse(await kubectlOk(cluster, ['get', 'app', 'api', '-n', 'default', '-o', 'json'])) as { status?: { sync?: { status?: string; revision?: string } } };
      return a.status?.sync?.status === 'Synced' && a.status.sync.revision === sha;
    }, 60_000);
    await eventually('the Webhook reports failing deliveries', async () => {
      const h = JSON.parse(await kubectlOk(cluster, ['get', 'webhook', 'ci', '-n', 'default', '-o', 'json'])) as { status?: { failures?: number } };
      return (h.status?.failures ?? 0) > 0;
    }, 30_000);
    // The webhook worker dies and is started again by skiff up while the receiver is away.
    process.kill(Number(readFileSync(join(cluster.dataDir, 'run', 'notifier.pid'), 'utf8')), 'SIGKILL');
    // The scenario itself, not a synchronisation: the receiver stays away for a whole minute.
    await new Promise((resolve) => setTimeout(resolve, 60_000));
    await receiver.open();
    await eventually('the sync of the commit made while down', async () => receiver.of('sync.succeeded').some((d) => d.body.metadata.revision === sha), 90_000);
    const after = receiver.deliveries.slice(before);
    expect(after.every((d) => d.signed)).toBe(true);
    const ids = receiver.deliveries.map((d) => d.id);
    expect(new Set(ids).size).toBe(ids.length);
  }, 300_000);
});

describe('metrics', () => {
  let cluster: TestCluster;
  beforeAll(async () => {
    cluster = await startCluster({ nodes: 2 });
  }, 120_000);
  afterAll(async () => {
    await cluster?.stop();
  });

  it('every process serves Prometheus metrics, listed in DATA_DIR/run/metrics.json', async () => {
    const urls = JSON.parse(readFileSync(join(cluster.dataDir, 'run', 'metrics.json'), 'utf8')) as Record<string, string>;
    const expected: Record<string, string[]> = {
      apiserver: ['apiserver_request_duration_seconds', 'apiserver_request_total'],
      'controller-manager': ['skiff_reconcile_total', 'skiff_reconcile_duration_seconds', 'skiff_queue_depth'],
      scheduler: ['skiff_reconcile_total', 'skiff_queue_depth'],
      'git-watcher': ['skiff_reconcile_total', 'skiff_queue_depth', 'skiff_sync_duration_seconds'],
      notifier: ['skiff_webhook_deliveries_total', 'skiff_queue_depth'],
      proxy: ['skiff_proxy_connections_total'],
      'node-1': ['skiff_node_pods'],
      'node-2': ['skiff_node_pods'],
    };
    expect(Object.keys(urls).sort()).toEqual(Object.keys(expected).sort());
    const ca = readFileSync(join(cluster.dataDir, 'pki', 'ca.crt'), 'utf8');
    for (const [name, url] of Object.entries(urls)) {
      // Components start side by side: wait for each one's metrics server to answer.
      const text = await eventually(`${name}'s /metrics`, () =>
        new Promise<string | undefined>((resolve) => {
          const get = url.startsWith('https:') ? httpsGet : httpGet;
          get(url, { ca }, (res) => {
            let body = '';
            res.on('data', (d) => (body += d));
            res.on('end', () => resolve(res.statusCode === 200 ? body : undefined));
          }).on('error', () => resolve(undefined));
        }), 60_000).catch((err: Error) => {
        // Say why: the component's own log and what `skiff up` printed.
        const log = join(cluster.dataDir, 'logs', `${name}.log`);
        const tail = existsSync(log) ? readFileSync(log, 'utf8').split('\n').slice(-20).join('\n') : '(no log)';
        throw new Error(`${err.message}\n--- ${name}.log:\n${tail}\n--- skiff up:\n${cluster.output()}`);
      });
      for (const metric of expected[name]) expect(text, `${name} serves ${metric}`).toMatch(new RegExp(`^# TYPE ${metric} `, 'm'));
    }
  });
});
