import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiClient, resourceType } from '@skiff/kube-client';
import { createTestDatabase, startFaultProxy, type FaultProxy, type TestDatabase } from '@skiff/store';
import { eventually, kubectlOk, request, startCluster, type TestCluster } from './cluster.js';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const PODS = resourceType('pods');
const DEPLOYMENTS = resourceType('deployments', 'apps');
const CONFIGMAPS = resourceType('configmaps');
const REPLICAS = 4;
const MAX_SURGE = 1;

/** A Deployment of real HTTP servers, rolled one surge pod at a time, never below its replicas. */
function web(version: string): string {
  return `
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: default}
spec:
  replicas: ${REPLICAS}
  strategy: {type: RollingUpdate, rollingUpdate: {maxUnavailable: 0, maxSurge: ${MAX_SURGE}}}
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      terminationGracePeriodSeconds: 2
      # Its node may go NotReady while the API server is down: the pods stay where they are.
      tolerations: [{key: node.kubernetes.io/not-ready, operator: Exists, effect: NoExecute}, {key: node.kubernetes.io/unreachable, operator: Exists, effect: NoExecute}]
      containers:
        - name: web
          image: web:${version}
          command: ["node", "-e", "require('http').createServer((q, s) => s.end(process.env.VERSION)).listen(8080, process.env.POD_IP)"]
          env: [{name: VERSION, value: "${version}"}]
          readinessProbe: {httpGet: {path: /, port: 8080}, periodSeconds: 1}
`;
}

interface Component {
  name: string;
  state: string;
  pid?: number;
}

/**
 * Chaos during a rolling update, against `skiff up` on its own database: every component is
 * killed with SIGKILL in turn (skiff up starts each again), Postgres goes away and comes back (all
 * its connections reset, as in a restart: through a TCP proxy, the shared server is never touched)
 * and the cluster's Redis keys are flushed. Then the rollout completes, nothing stored is lost, and
 * the Deployment never had more than replicas + maxSurge pods.
 */
describe('chaos during a rolling update', () => {
  let db: TestDatabase;
  let proxy: FaultProxy;
  let cluster: TestCluster;
  let client: ApiClient;

  beforeAll(async () => {
    db = await createTestDatabase();
    proxy = await startFaultProxy();
    cluster = await startCluster({ env: { DATABASE_URL: proxy.url(db.url) }, nodes: 2 });
    client = new ApiClient({ server: cluster.url, token: readFileSync(join(cluster.dataDir, 'admin.token'), 'utf8').trim(), ca: readFileSync(join(cluster.dataDir, 'pki', 'ca.crt'), 'utf8'), timeoutMs: 5000 });
  }, 180_000);
  afterAll(async () => {
    await cluster?.stop();
    await proxy?.close();
    await db?.drop();
  });

  const components = (): Component[] => JSON.parse(readFileSync(join(cluster.dataDir, 'run', 'components.json'), 'utf8')) as Component[];

  /** SIGKILLs the component and waits for skiff up to have it running again under a new pid. */
  async function killAndAwaitRestart(name: string): Promise<void> {
    const before = components().find((c) => c.name === name);
    expect(before?.pid, `${name} is running`).toBeDefined();
    process.kill(before!.pid!, 'SIGKILL');
    await eventually(`${name} running again`, async () => {
      const now = components().find((c) => c.name === name);
      return now?.state === 'Running' && now.pid !== before!.pid;
    }, 60_000);
  }

  it('kills every component, restarts Postgres and flushes Redis mid-rollout, and the rollout still completes with no object lost and never more than replicas + maxSurge pods', async () => {
    for (let i = 0; i < 20; i++) await client.create(CONFIGMAPS, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `keep-${i}`, namespace: 'default' }, data: { i: String(i) } });
    await kubectlOk(cluster, ['apply', '-f', '-'], web('v1'));
    await kubectlOk(cluster, ['rollout', 'status', 'deployment/web', '--timeout=120s']);

    // Counts the Deployment's active pods (neither terminating nor finished: what a ReplicaSet
    // counts), as often as the API answers; keeps the list of the busiest moment.
    let most = 0;
    let busiest = '';
    let watching = true;
    const counting = (async () => {
      while (watching) {
        try {
          const { items } = await client.list(PODS, { namespace: 'default', labelSelector: 'app=web' });
          const active = items.filter((p) => !p.metadata.deletionTimestamp && !['Succeeded', 'Failed'].includes((p.status as { phase?: string } | undefined)?.phase ?? ''));
          if (active.length > most) {
            most = active.length;
            busiest = JSON.stringify(items.map((p) => ({ name: p.metadata.name, owner: p.metadata.ownerReferences?.[0]?.name, phase: (p.status as { phase?: string } | undefined)?.phase, deleting: !!p.metadata.deletionTimestamp, created: p.metadata.creationTimestamp })));
          }
        } catch {
          /* the API server or its database is away: try again */
        }
        await new Promise((r) => setTimeout(r, 100));
      }
    })();

    await kubectlOk(cluster, ['apply', '-f', '-'], web('v2'));
    for (const name of ['controller-manager', 'scheduler', 'apiserver', 'node-1', 'git-watcher', 'notifier', 'proxy', 'node-2']) await killAndAwaitRestart(name);

    // Postgres goes away (every connection reset, new ones refused) until the API server says it is not ready, then comes back.
    await proxy.cut();
    await eventually('the API server to notice', async () => (await request(cluster, '/readyz').catch(() => ({ status: 0 }))).status !== 200, 30_000);
    await proxy.restore();

    // Redis loses everything of this cluster (its queues, locks and dirty marks), as a FLUSHALL would.
    const id = (JSON.parse(readFileSync(join(cluster.dataDir, 'cluster.json'), 'utf8')) as { id: string }).id;
    const redis = new Redis(REDIS_URL);
    try {
      let cursor = '0';
      do {
        const [next, keys] = await redis.scan(cursor, 'MATCH', `skiff-${id}*`, 'COUNT', 1000);
        if (keys.length) await redis.del(...keys);
        cursor = next;
      } while (cursor !== '0');
    } finally {
      redis.disconnect();
    }

    await eventually('the rollout to v2 to complete', async () => {
      const d = await client.get(DEPLOYMENTS, 'default', 'web');
      const status = (d.status ?? {}) as Record<string, number>;
      if ((d.status as { observedGeneration?: number })?.observedGeneration !== d.metadata.generation) return false;
      if (status.updatedReplicas !== REPLICAS || status.readyReplicas !== REPLICAS || status.availableReplicas !== REPLICAS || status.replicas !== REPLICAS) return false;
      const { items } = await client.list(PODS, { namespace: 'default', labelSelector: 'app=web' });
      const live = items.filter((p) => !p.metadata.deletionTimestamp);
      return live.length === REPLICAS && live.every((p) => JSON.stringify(p.spec).includes('"value":"v2"'));
    }, 180_000);
    watching = false;
    await counting;

    expect(most).toBeGreaterThanOrEqual(REPLICAS);
    expect(most, `active pods of the Deployment at once (replicas + maxSurge at most); at the busiest: ${busiest}`).toBeLessThanOrEqual(REPLICAS + MAX_SURGE);
    const kept = await client.list(CONFIGMAPS, { namespace: 'default' });
    expect(kept.items.filter((c) => c.metadata.name!.startsWith('keep-')).map((c) => (c.data as Record<string, string>).i).sort((a, b) => Number(a) - Number(b))).toEqual(Array.from({ length: 20 }, (_, i) => String(i)));
    // Every component is running at the end.
    expect(components().filter((c) => c.state !== 'Running').map((c) => c.name)).toEqual([]);
  }, 600_000);
});
