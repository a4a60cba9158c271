import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiClient, ConditionWaiter, resourceType } from '@skiff/kube-client';
import { Redis } from 'ioredis';
import { ADMIN_TOKEN, createBackend, startTestServer, type TestBackend } from '../../apiserver/test/harness.js';
import { REDIS_URL } from './cluster.js';

const MAIN = fileURLToPath(new URL('../src/main.ts', import.meta.url));

describe('skiff-scheduler, the process', () => {
  let backend: TestBackend;
  let server: { url: string; close(): Promise<void> };
  const prefix = `skiff-sched-main-${randomBytes(4).toString('hex')}`;

  beforeAll(async () => {
    backend = await createBackend('postgres');
    server = await startTestServer(backend);
  });
  afterAll(async () => {
    await server?.close();
    await backend?.dispose();
    const redis = new Redis(REDIS_URL);
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length) await redis.del(...keys);
    redis.disconnect();
  });

  it('binds a pod, serves /metrics, and exits 0 on SIGTERM', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', MAIN, '--server', server.url, '--token', ADMIN_TOKEN, '--redis-url', REDIS_URL, '--queue-prefix', prefix, '--metrics-port', '0', '--percentage-of-nodes-to-score', '50'], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    try {
      // pino logs JSON lines; the metrics port is in one of them.
      const port = await new Promise<number>((resolve, reject) => {
        const lines = createInterface({ input: child.stdout! });
        lines.on('line', (line) => {
          const entry = JSON.parse(line) as { msg?: string; port?: number };
          if (entry.msg === 'serving /metrics' && entry.port) resolve(entry.port);
        });
        void exited.then((code) => reject(new Error(`exited early with ${code}`)));
      });

      const client = new ApiClient({ server: server.url, token: ADMIN_TOKEN });
      const nodes = resourceType('nodes');
      const pods = resourceType('pods');
      await client.create(nodes, { apiVersion: 'v1', kind: 'Node', metadata: { name: 'node-1' } });
      const r = { cpu: '2', memory: '2Gi', pods: '10' };
      await client.patch(nodes, undefined, 'node-1', { status: { allocatable: r, capacity: r, conditions: [{ type: 'Ready', status: 'True' }] } }, 'merge', { subresource: 'status' });
      await client.create(pods, { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: 'default' }, spec: { containers: [{ name: 'c', image: 'busybox' }] } });
      // Watch from a list until the binding shows up, unless the list already shows it.
      const list = await client.list(pods, { namespace: 'default' });
      const abort = new AbortController();
      if (!(list.items[0].spec as { nodeName?: string }).nodeName) {
        await client.watch(pods, { namespace: 'default', resourceVersion: list.metadata.resourceVersion }, (ev) => {
          if ((ev.object.spec as { nodeName?: string }).nodeName) abort.abort();
        }, abort.signal);
      }
      expect(((await client.get(pods, 'default', 'p')).spec as { nodeName?: string }).nodeName).toBe('node-1');

      // The attempt is counted after the bind response (and the reconcile after it returns), so
      // the binding can be visible first: poll /metrics until both show, rather than reading it once.
      const wanted = [/skiff_scheduler_schedule_attempts_total\{result="scheduled"\} 1/, /skiff_reconcile_total\{controller="scheduler",result="success"\}/];
      let metrics = '';
      await new ConditionWaiter(50)
        .until('the binding to show on /metrics', async () => {
          metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
          return wanted.every((w) => w.test(metrics));
        }, 20_000)
        .catch((err: Error) => {
          throw new Error(`${err.message}; last /metrics:\n${metrics}`);
        });
      for (const w of wanted) expect(metrics).toMatch(w);
    } finally {
      child.kill('SIGTERM');
    }
    expect(await exited).toBe(0);
  });
});
