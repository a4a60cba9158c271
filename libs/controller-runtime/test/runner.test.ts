import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { QueueEvents } from 'bullmq';
import { pino } from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ApiClient, resourceType } from '@skiff/kube-client';
import { ControllerManager, TerminalError, type Controller, type ObjectRef } from '../src/index.js';
import { ADMIN_TOKEN, createBackend, startTestServer, type TestBackend } from '../../../apps/apiserver/test/harness.js';
import { startFaultProxy } from '../../store/src/faultProxy.js';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const CONFIGMAPS = resourceType('configmaps');
const SECRETS = resourceType('secrets');

async function until(what: string, test: () => boolean | Promise<boolean>, ms = 15_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await test())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('the controller runner on real Redis and a real API server', () => {
  let backend: TestBackend;
  let server: { url: string; close(): Promise<void> };
  let client: ApiClient;
  const managers: ControllerManager[] = [];
  const prefix = `skiff-test-${randomBytes(4).toString('hex')}`;

  beforeAll(async () => {
    backend = await createBackend('postgres');
    server = await startTestServer(backend);
    client = new ApiClient({ server: server.url, token: ADMIN_TOKEN });
  });
  // Each test's controllers stop with it: the first test's copies every ConfigMap, and left
  // running it would write to later tests' objects (their informers then see changes no test made).
  afterEach(async () => {
    for (const m of managers.splice(0)) await m.stop();
  });
  afterAll(async () => {
    for (const m of managers) await m.stop();
    await server?.close();
    await backend?.dispose();
    const redis = new Redis(REDIS_URL);
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length) await redis.del(...keys);
    redis.disconnect();
  });

  function manager(name: string, resyncMs = 60_000): ControllerManager {
    const m = new ControllerManager({ client, redisUrl: REDIS_URL, prefix: `${prefix}-${name}`, log: pino({ level: 'silent' }), component: 'test', resyncMs });
    managers.push(m);
    return m;
  }

  it('reconciles each key level-triggered, never twice at once, and sees changes made during a run', async () => {
    const running = new Map<string, number>();
    let overlap = false;
    const seen: string[] = [];
    const controller: Controller = {
      name: 'copy',
      for: CONFIGMAPS,
      concurrency: 4,
      async reconcile(ref: ObjectRef, ctx) {
        const key = `${ref.namespace}/${ref.name}`;
        running.set(key, (running.get(key) ?? 0) + 1);
        if (running.get(key)! > 1) overlap = true;
        try {
          const cm = await ctx.client.get(CONFIGMAPS, ref.namespace, ref.name);
          const data = (cm.data ?? {}) as Record<string, string>;
          seen.push(`${ref.name}:${data.v}`);
          await new Promise((r) => setTimeout(r, 30)); // hold the key so writes land mid-run
          if (data.copied !== data.v) await ctx.client.patch(CONFIGMAPS, ref.namespace, ref.name, { data: { copied: data.v } });
        } finally {
          running.set(key, running.get(key)! - 1);
        }
      },
    };
    // Two managers (two replicas of the same controller process) share the queue.
    const a = manager('shared');
    const b = new ControllerManager({ client, redisUrl: REDIS_URL, prefix: `${prefix}-shared`, log: pino({ level: 'silent' }), component: 'test' });
    managers.push(b);
    a.add(controller);
    b.add(controller);
    await a.start();
    await b.start();

    await client.create(CONFIGMAPS, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c1', namespace: 'default' }, data: { v: '0' } });
    for (let i = 1; i <= 10; i++) await client.patch(CONFIGMAPS, 'default', 'c1', { data: { v: String(i) } });
    await until('the last value to be copied', async () => ((await client.get(CONFIGMAPS, 'default', 'c1')).data as Record<string, string>).copied === '10');
    expect(overlap).toBe(false);
    // A burst of 11 writes collapses into far fewer runs.
    expect(seen.filter((s) => s.startsWith('c1:')).length).toBeLessThan(11 + 10);
  });

  it('a terminal error is not retried; a plain error is', async () => {
    const calls = new Map<string, number>();
    const m = manager('errors');
    m.add({
      name: 'errors',
      for: CONFIGMAPS,
      async reconcile(ref) {
        calls.set(ref.name, (calls.get(ref.name) ?? 0) + 1);
        if (ref.name === 'terminal') throw new TerminalError('bad input');
        if (ref.name === 'flaky' && calls.get('flaky')! < 3) throw new Error('try again');
      },
    });
    await m.start();
    await client.create(CONFIGMAPS, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'terminal', namespace: 'default' } });
    await client.create(CONFIGMAPS, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'flaky', namespace: 'default' } });
    await until('flaky to succeed on its third try', () => calls.get('flaky') === 3);
    // Let the terminal key's queue drain, then check it ran exactly once.
    await until('the errors queue to be empty', async () => {
      const redis = new Redis(REDIS_URL);
      const n = await redis.keys(`${prefix}-errors:controller-errors:*terminal*`);
      redis.disconnect();
      return n.length === 0;
    });
    expect(calls.get('terminal')).toBe(1);
  });

  it('converges after Redis loses its queues (resync)', async () => {
    const done = new Set<string>();
    const m = manager('flush', 500);
    m.add({
      name: 'flush',
      for: CONFIGMAPS,
      async reconcile(ref) {
        done.add(ref.name);
      },
    });
    await m.start();
    const redis = new Redis(REDIS_URL);
    const keys = await redis.keys(`${prefix}-flush*`);
    if (keys.length) await redis.del(...keys);
    redis.disconnect();
    done.clear();
    await client.create(CONFIGMAPS, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'after-flush', namespace: 'default' } });
    await until('every key to be reconciled again', () => done.has('after-flush') && done.has('c1'));
  });

  it('never runs one key twice at once, even when Redis loses the running job mid-reconcile', async () => {
    let inFlight = 0;
    let overlap = false;
    let runs = 0;
    let release: (() => void) | undefined;
    const m = manager('lost-job', 60_000);
    m.add({
      name: 'lost-job',
      for: CONFIGMAPS,
      concurrency: 4,
      filter: (obj) => obj.metadata.name === 'held',
      async reconcile() {
        runs++;
        inFlight++;
        if (inFlight > 1) overlap = true;
        try {
          // The first run holds the key until the test lets it go.
          if (runs === 1) await new Promise<void>((r) => (release = r));
        } finally {
          inFlight--;
        }
      },
    });
    await m.start();
    await client.create(CONFIGMAPS, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'held', namespace: 'default' } });
    await until('the first run holding the key', () => release !== undefined);
    // Redis forgets everything (the running job, its lock, the queue's job ids) ...
    const redis = new Redis(REDIS_URL);
    const keys = await redis.keys(`${prefix}-lost-job*`);
    if (keys.length) await redis.del(...keys);
    redis.disconnect();
    // ... and a change queues the key again while its first run goes on: a worker takes that job.
    const events = new QueueEvents('controller-lost-job', { connection: { url: REDIS_URL } as never, prefix: `${prefix}-lost-job` });
    let done = false;
    events.on('completed', ({ jobId }) => {
      if (jobId === 'default/held') done = true;
    });
    try {
      await events.waitUntilReady();
      await client.patch(CONFIGMAPS, 'default', 'held', { data: { v: '1' } });
      await until('a worker to have taken and finished the second job', () => done);
    } finally {
      await events.close();
    }
    release!();
    await until('the key to run again after the first run', () => runs >= 2);
    expect(overlap).toBe(false);
  });

  it('with urgentFirst, an urgent key runs before the backlog, also when it was waiting in it already', async () => {
    const order: string[] = [];
    let release: (() => void) | undefined;
    const m = manager('urgent', 60_000);
    m.add({
      name: 'urgent',
      for: CONFIGMAPS,
      concurrency: 1,
      urgentFirst: true,
      filter: () => false,
      async reconcile(ref) {
        order.push(ref.name);
        // The first key holds the only worker until the backlog is queued behind it.
        if (ref.name === 'first') await new Promise<void>((r) => (release = r));
      },
    });
    await m.start();
    await until('redis ready', () => m.redis.status === 'ready');
    m.enqueue('urgent', { namespace: 'default', name: 'first' });
    await until('the first key holding the worker', () => release !== undefined);
    const backlog = Array.from({ length: 20 }, (_, i) => `bg-${String(i).padStart(2, '0')}`);
    for (const name of backlog) m.enqueue('urgent', { namespace: 'default', name });
    const queued = () => m.redis.zcard(`${prefix}-urgent:controller-urgent:prioritized`);
    await until('the backlog queued', async () => (await queued()) === backlog.length);
    // A commit wakes bg-15 (queued already, in the background) and a key not queued at all.
    m.enqueue('urgent', { namespace: 'default', name: 'bg-15' }, { urgent: true });
    m.enqueue('urgent', { namespace: 'default', name: 'woken' }, { urgent: true });
    await until('bg-15 moved ahead', async () => (await queued()) === backlog.length - 1);
    await until('the woken key queued', async () => (await m.redis.exists(`${prefix}-urgent:controller-urgent:default/woken`)) === 1);
    release!();
    await until('every key run', () => order.length === backlog.length + 2);
    expect(order.slice(0, 3).sort()).toEqual(['bg-15', 'first', 'woken']);
    expect(order.slice(3)).toEqual(backlog.filter((n) => n !== 'bg-15'));
  });

  it('while Redis is away queues nothing (memory stays bounded through resyncs), and catches up when it is back', async () => {
    const proxy = await startFaultProxy({ host: '127.0.0.1', port: Number(new URL(REDIS_URL).port || 6379) });
    // Stopped here, before the proxy it talks through goes.
    const m = new ControllerManager({ client, redisUrl: `redis://127.0.0.1:${proxy.port}`, prefix: `${prefix}-away`, log: pino({ level: 'silent' }), component: 'test', resyncMs: 100 });
    try {
      let resyncs = 0;
      m.add({
        name: 'away',
        for: CONFIGMAPS,
        // Called for every cached object on each resync: counts them.
        filter: (obj) => {
          if (obj.metadata.name === 'away-1') resyncs++;
          return obj.metadata.name!.startsWith('away-');
        },
        async reconcile(ref, ctx) {
          const cm = await ctx.client.get(CONFIGMAPS, ref.namespace, ref.name);
          const data = (cm.data ?? {}) as Record<string, string>;
          // Its own keys: the other tests' controllers copy `v`.
          if (data.mirrored !== data.w) await ctx.client.patch(CONFIGMAPS, ref.namespace, ref.name, { data: { mirrored: data.w } });
        },
      });
      await m.start();
      const copied = async (name: string, v: string) => ((await client.getIfExists(CONFIGMAPS, 'default', name))?.data as Record<string, string> | undefined)?.mirrored === v;
      await client.create(CONFIGMAPS, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'away-1', namespace: 'default' }, data: { w: '0' } });
      await until('away-1 copied', () => copied('away-1', '0'));

      await proxy.cut();
      await until('the manager to see Redis gone', () => m.redis.status !== 'ready');
      await client.patch(CONFIGMAPS, 'default', 'away-1', { data: { w: '1' } });
      for (let i = 2; i <= 20; i++) await client.create(CONFIGMAPS, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `away-${i}`, namespace: 'default' }, data: { w: '1' } });
      const before = resyncs;
      await until('ten resyncs while Redis is away', () => resyncs >= before + 10);
      // ioredis would otherwise hold every queued command until Redis returns: 20 keys x each resync.
      const offline = (m.redis as unknown as { offlineQueue: { length: number } }).offlineQueue.length;
      expect(offline).toBeLessThan(20);

      await proxy.restore();
      await until('every change made while Redis was away reconciled', async () => {
        for (let i = 1; i <= 20; i++) if (!(await copied(`away-${i}`, '1'))) return false;
        return true;
      }, 30_000);
    } finally {
      await proxy.restore();
      await m.stop();
      await proxy.close();
    }
  });
  it('queues, when Redis is back, a key only a watched object names, asked for while Redis was away', async () => {
    const proxy = await startFaultProxy({ host: '127.0.0.1', port: Number(new URL(REDIS_URL).port || 6379) });
    const m = new ControllerManager({ client, redisUrl: `redis://127.0.0.1:${proxy.port}`, prefix: `${prefix}-named`, log: pino({ level: 'silent' }), component: 'test', resyncMs: 100 });
    const reconciled = new Set<string>();
    try {
      m.add({
        name: 'named',
        for: CONFIGMAPS,
        filter: (obj) => obj.metadata.name!.startsWith('target-'),
        // A Secret names a key of this controller whose object does not exist (as a pod names a
        // missing node to the pod garbage collector): no resync of ConfigMaps ever queues it.
        watches: [{ type: SECRETS, map: (secret) => (secret.metadata.name!.startsWith('pointer-') ? [{ namespace: 'default', name: `target-${secret.metadata.name!.slice('pointer-'.length)}` }] : []) }],
        async reconcile(ref) {
          reconciled.add(ref.name);
        },
      });
      await m.start();
      await proxy.cut();
      await until('the manager to see Redis gone', () => m.redis.status !== 'ready');
      await client.create(SECRETS, { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'pointer-1', namespace: 'default' } });
      await until('the manager to have seen the Secret', () => m.cached(SECRETS, { namespace: 'default', name: 'pointer-1' }) !== undefined);
      expect(reconciled.has('target-1')).toBe(false);
      await proxy.restore();
      await until('the key the Secret names reconciled', () => reconciled.has('target-1'), 20_000);
    } finally {
      await proxy.restore();
      await m.stop();
      await proxy.close();
    }
  });

  describe('in batches (Controller.batch)', () => {
    const cm = (name: string) => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: 'default' }, data: { v: '0' } });
    async function jobsAdded(queuePrefix: string, name: string): Promise<number> {
      const redis = new Redis(REDIS_URL);
      try {
        return Number((await redis.get(`${queuePrefix}:controller-${name}:id`)) ?? 0);
      } finally {
        redis.disconnect();
      }
    }

    it('queues many keys as few jobs, never runs a key twice at once, sees changes made during a run, and retries a failing key alone', async () => {
      const running = new Set<string>();
      let overlap = false;
      const calls = new Map<string, number>();
      const lastSeen = new Map<string, string>();
      const m = manager('batched');
      m.add({
        name: 'batched',
        for: CONFIGMAPS,
        concurrency: 8,
        batch: { maxKeys: 50 },
        retry: { baseMs: 50 },
        filter: (obj) => obj.metadata.name!.startsWith('batch-'),
        async reconcile(ref, ctx) {
          if (running.has(ref.name)) overlap = true;
          running.add(ref.name);
          try {
            calls.set(ref.name, (calls.get(ref.name) ?? 0) + 1);
            if (ref.name === 'batch-terminal') throw new TerminalError('bad input');
            if (ref.name === 'batch-flaky' && calls.get(ref.name)! < 3) throw new Error('try again');
            const obj = await ctx.client.get(CONFIGMAPS, ref.namespace, ref.name);
            await new Promise((r) => setTimeout(r, 5)); // hold the key so writes land mid-run
            lastSeen.set(ref.name, (obj.data as Record<string, string>).v);
          } finally {
            running.delete(ref.name);
          }
        },
      });
      const names = Array.from({ length: 200 }, (_, i) => `batch-${i}`);
      let next = 0;
      await Promise.all(Array.from({ length: 8 }, async () => {
        for (let i = next++; i < names.length; i = next++) await client.create(CONFIGMAPS, cm(names[i]));
      }));
      await m.start();
      await until('all 200 keys reconciled', () => names.every((n) => lastSeen.get(n) === '0'));
      // 200 keys queued at start, 50 to a job; one job per key would be 200.
      expect(await jobsAdded(`${prefix}-batched`, 'batched')).toBeLessThanOrEqual(8);

      for (let i = 1; i <= 10; i++) await client.patch(CONFIGMAPS, 'default', 'batch-0', { data: { v: String(i) } });
      await until('the last change seen', () => lastSeen.get('batch-0') === '10');

      await client.create(CONFIGMAPS, cm('batch-terminal'));
      await client.create(CONFIGMAPS, cm('batch-flaky'));
      await until('the failing key to succeed on its third try', () => lastSeen.get('batch-flaky') === '0');
      expect(calls.get('batch-flaky')).toBe(3);
      expect(calls.get('batch-terminal')).toBe(1);
      expect(overlap).toBe(false);
    });

    it('runs a key again whose job Redis lost while it waited', async () => {
      const done = new Set<string>();
      let release: (() => void) | undefined;
      const m = manager('batch-lost', 500);
      m.add({
        name: 'batch-lost',
        for: CONFIGMAPS,
        concurrency: 1,
        batch: {},
        filter: (obj) => obj.metadata.name!.startsWith('lost-'),
        async reconcile(ref) {
          if (ref.name === 'lost-hold' && !release) await new Promise<void>((r) => (release = r));
          done.add(ref.name);
        },
      });
      await m.start();
      const queuePrefix = `${prefix}-batch-lost`;
      // The only turn is held; a second job is taken and waits for it; a third waits in Redis.
      await client.create(CONFIGMAPS, cm('lost-hold'));
      await until('the held run', () => release !== undefined);
      await client.create(CONFIGMAPS, cm('lost-second'));
      await until('the second job taken', async () => (await jobsAdded(queuePrefix, 'batch-lost')) >= 2);
      const redis = new Redis(REDIS_URL);
      try {
        await until('the second job active', async () => (await redis.llen(`${queuePrefix}:controller-batch-lost:active`)) === 2);
        await client.create(CONFIGMAPS, cm('lost-third'));
        await until('the third job waiting', async () => (await redis.llen(`${queuePrefix}:controller-batch-lost:wait`)) === 1);
        // Redis forgets the waiting job.
        const keys = await redis.keys(`${queuePrefix}*`);
        await redis.del(...keys);
      } finally {
        redis.disconnect();
      }
      release!();
      await until('every key reconciled, the lost one by a resync', () => done.has('lost-hold') && done.has('lost-second') && done.has('lost-third'));
    });
  });
});
