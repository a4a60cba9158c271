import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiClient } from '@skiff/kube-client';
import { Redis } from 'ioredis';
import { ADMIN_TOKEN, createBackend, startTestServer, type TestBackend } from '../../apiserver/test/harness.js';
import { EVENTS, WEBHOOKS } from '../src/resources.js';
import { REDIS_URL, until } from './cluster.js';
import { Receiver } from './receiver.js';

const MAIN = fileURLToPath(new URL('../src/main.ts', import.meta.url));

describe('skiff-notifier, the process', () => {
  let backend: TestBackend;
  let server: { url: string; close(): Promise<void> };
  const receiver = new Receiver();
  const prefix = `skiff-notifier-main-${randomBytes(4).toString('hex')}`;

  beforeAll(async () => {
    backend = await createBackend('postgres');
    server = await startTestServer(backend);
    await receiver.open();
  });
  afterAll(async () => {
    await receiver.close();
    await server?.close();
    await backend?.dispose();
    const redis = new Redis(REDIS_URL);
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length) await redis.del(...keys);
    redis.disconnect();
  });

  it('delivers an event, serves /metrics, and exits 0 on SIGTERM', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', MAIN, '--server', server.url, '--token', ADMIN_TOKEN, '--redis-url', REDIS_URL, '--queue-prefix', prefix, '--metrics-port', '0', '--log-level', 'info'], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    try {
      const port = await new Promise<number>((resolve, reject) => {
        const lines = createInterface({ input: child.stdout! });
        lines.on('line', (line) => {
          const entry = JSON.parse(line) as { msg?: string; port?: number };
          if (entry.msg === 'serving /metrics' && entry.port) resolve(entry.port);
        });
        void exited.then((code) => reject(new Error(`exited early with ${code}`)));
      });
      const client = new ApiClient({ server: server.url, token: ADMIN_TOKEN });
      await client.create(WEBHOOKS, { apiVersion: 'skiff.dev/v1alpha1', kind: 'Webhook', metadata: { name: 'hook', namespace: 'default' }, spec: { url: receiver.url } });
      const ev = await client.create(EVENTS, {
        apiVersion: 'v1',
        kind: 'Event',
        metadata: { name: 'shop.1', namespace: 'default', annotations: { 'skiff.dev/event': 'sync.succeeded', 'skiff.dev/application': 'default/shop', 'skiff.dev/revision': 'abc' } },
        involvedObject: { apiVersion: 'skiff.dev/v1alpha1', kind: 'Application', name: 'shop', namespace: 'default' },
        reason: 'Synced',
        message: 'synced',
        type: 'Normal',
        source: { component: 'git-watcher' },
      });
      await receiver.waitFor(1);
      expect(receiver.ids()).toEqual([ev.metadata.uid]);
      // The receiver records the delivery before it writes its 200, and the notifier counts it
      // only once its request resolved (the reconcile once the status is written): poll /metrics
      // until they show, rather than reading it once.
      const wanted = ['skiff_webhook_deliveries_total{result="success"} 1', 'skiff_webhook_delivery_duration_seconds_bucket', 'skiff_reconcile_total{controller="webhook",result="success"}'];
      let metrics = '';
      await until('the delivery to show on /metrics', async () => {
        metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
        return wanted.every((w) => metrics.includes(w));
      }).catch((err: Error) => {
        throw new Error(`${err.message}; last /metrics:\n${metrics}`);
      });
      for (const w of wanted) expect(metrics).toContain(w);
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
    } finally {
      child.kill('SIGKILL');
    }
  });
});
