import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import { createTestDatabase } from '@skiff/store';
import { startApiServer } from '@skiff/apiserver';
import { ApiClient, resourceType } from '@skiff/kube-client';
import type { KubeObject, WatchEvent } from '@skiff/apimachinery';
import { startScheduler, type RunningScheduler } from '@skiff/scheduler';
import { fmt, rate, summary } from './stats.js';

const TOKEN = 'bench-token';
const NODES = Number(process.env.BENCH_SCHED_NODES ?? 100);
const PODS = Number(process.env.BENCH_SCHED_PODS ?? 1000);
/** Pods created already bound (spread over the nodes) before either phase: the cluster's size, not its work. */
const PLACED = Number(process.env.BENCH_SCHED_PLACED ?? 0);
const CREATE_CONCURRENCY = 16;
const GOAL = 680;

const nodes = resourceType('nodes');
const pods = resourceType('pods');

/**
 * kube-scheduler's throughput floor, on Skiff: 1,000 pods onto 100 simulated nodes (Node objects
 * with allocatable and a Ready condition; no agents).
 *
 * 1. The figure: the scheduler runs, 1,000 pods are created; pods/s from the first create
 *    to the last binding seen on a watch. It counts the API server (creates, bindings, events,
 *    watches) as much as the scheduler.
 * 2. The scheduler alone: 1,000 more pods wait while no scheduler runs; pods/s from starting one
 *    to the last binding.
 *
 * BENCH_SCHED_PLACED=N first creates N pods already bound, round-robin over the nodes, so both
 * phases run in a cluster of that size (e.g. 1,000 nodes and 3,000 pods, as the scale bench).
 * BENCH_SCHED_MARKS=1 prints (to stderr) when phase 2 starts and ends on the monotonic clock of
 * `node --cpu-prof` profiles (microseconds), to cut a profile to that window.
 */
export async function schedulerBench(): Promise<void> {
  const db = await createTestDatabase();
  const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
  const prefix = `skiff-bench-${randomBytes(4).toString('hex')}`;
  const server = await startApiServer({ databaseUrl: db.url, port: 0, tokens: { [TOKEN]: { name: 'bench', groups: ['system:masters'] } }, logger: pino({ level: 'silent' }) });
  const client = new ApiClient({ server: server.url, token: TOKEN });
  const concurrency = Number(process.env.BENCH_SCHEDULER_CONCURRENCY ?? 64);
  const start = (phase: string) => startScheduler({ client, redisUrl, prefix: `${prefix}-${phase}`, concurrency, log: pino({ level: 'silent' }) });
  let scheduler: RunningScheduler | undefined;
  try {
    await rate(NODES, 8, (i) => createReadyNode(client, nodeName(i)));
    if (PLACED > 0) {
      await rate(PLACED, CREATE_CONCURRENCY, (i) => client.create(pods, podManifest(`placed-${i}`, 'placed', nodeName(i % NODES))));
      console.log(`  ${fmt(PLACED)} pods placed on ${NODES} nodes beforehand`);
    }

    // 1. Create while the scheduler runs.
    scheduler = await start('live');
    let bindings = await watchBindings(client, PODS);
    const created = new Map<string, number>();
    const started = performance.now();
    await rate(PODS, CREATE_CONCURRENCY, async (i) => {
      const name = `live-${i}`;
      created.set(name, performance.now());
      await client.create(pods, podManifest(name));
    });
    const createdAt = performance.now();
    const bound = await bindings.done;
    const finished = performance.now();
    const latency = summary([...bound].map(([name, at]) => at - created.get(name)!));
    const endToEnd = PODS / ((finished - started) / 1000);
    console.log(
      `scheduler: ${PODS} pods created and bound onto ${NODES} nodes in ${fmt(finished - started)} ms: ${fmt(endToEnd)} pods/s  (goal >= ${GOAL}: ${endToEnd >= GOAL ? 'met' : 'NOT met'})` +
        `   the creates alone ran at ${fmt(PODS / ((createdAt - started) / 1000))} pods/s`,
    );
    console.log(`  create-to-bound latency: p50 ${fmt(latency.p50, 1)} ms   p99 ${fmt(latency.p99, 1)} ms   max ${fmt(latency.max, 1)} ms`);
    await scheduler.stop();
    scheduler = undefined;

    // 2. A backlog of pending pods, then a scheduler.
    await rate(PODS, CREATE_CONCURRENCY, (i) => client.create(pods, podManifest(`backlog-${i}`)));
    bindings = await watchBindings(client, PODS);
    const backlogStarted = performance.now();
    const cpuBefore = process.cpuUsage();
    if (process.env.BENCH_SCHED_MARKS) console.error(`mark backlog-start ${process.hrtime.bigint() / 1000n}`);
    scheduler = await start('backlog');
    const boundAt = [...(await bindings.done).values()];
    const backlogFinished = performance.now();
    const cpu = process.cpuUsage(cpuBefore);
    if (process.env.BENCH_SCHED_MARKS) console.error(`mark backlog-end ${process.hrtime.bigint() / 1000n}`);
    const placement = await podsPerNode(client);
    const alone = PODS / ((backlogFinished - backlogStarted) / 1000);
    const [first, last] = [Math.min(...boundAt), Math.max(...boundAt)];
    console.log(
      `scheduler alone: ${PODS} pending pods bound in ${fmt(backlogFinished - backlogStarted)} ms: ${fmt(alone)} pods/s, ${fmt((PODS - 1) / ((last - first) / 1000))} pods/s from the first binding to the last (${fmt(first - backlogStarted)} ms to start), ${fmt((cpu.user + cpu.system) / 1000 / PODS, 2)} ms CPU per pod (scheduler and API server: this process)  (goal >= ${GOAL}: ${alone >= GOAL ? 'met' : 'NOT met'}; this bench cannot bind faster than it creates, so the line above is capped by the creates)` +
        `   pods per node after both: min ${placement.min}, max ${placement.max}`,
    );
  } finally {
    await scheduler?.stop();
    await server.close();
    await db.drop();
    const redis = new Redis(redisUrl);
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length) await redis.del(...keys);
    redis.disconnect();
  }
}

/** Watches pods from now on; `done` resolves with when each of the next `n` pods was first seen bound. */
async function watchBindings(client: ApiClient, n: number): Promise<{ done: Promise<Map<string, number>> }> {
  const { metadata } = await client.list(pods, { namespace: 'default', limit: 1 });
  const bound = new Map<string, number>();
  const abort = new AbortController();
  const done = new Promise<Map<string, number>>((resolve, reject) => {
    client
      .watch(
        pods,
        { namespace: 'default', resourceVersion: metadata.resourceVersion },
        (ev: WatchEvent) => {
          const name = ev.object.metadata.name!;
          if (ev.type !== 'MODIFIED' || bound.has(name) || !(ev.object.spec as { nodeName?: string }).nodeName) return;
          bound.set(name, performance.now());
          if (bound.size === n) {
            abort.abort();
            resolve(bound);
          }
        },
        abort.signal,
      )
      .then(() => {
        if (bound.size < n) reject(new Error(`the watch ended after ${bound.size} of ${n} bindings`));
      }, reject);
  });
  return { done };
}

async function createReadyNode(client: ApiClient, name: string): Promise<void> {
  await client.create(nodes, { apiVersion: 'v1', kind: 'Node', metadata: { name, labels: { 'kubernetes.io/hostname': name } } });
  const resources = { cpu: '32', memory: '64Gi', pods: '110' };
  await client.patch(
    nodes,
    undefined,
    name,
    { status: { capacity: resources, allocatable: resources, conditions: [{ type: 'Ready', status: 'True', reason: 'KubeletReady', message: 'simulated' }] } },
    'merge',
    { subresource: 'status' },
  );
}

const nodeName = (i: number) => `node-${String(i).padStart(3, '0')}`;

/** `boundTo`: created bound, as a kubelet's static pod or another scheduler's would be. */
function podManifest(name: string, app = 'bench', boundTo?: string): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: 'default', labels: { app } },
    spec: { nodeName: boundTo, containers: [{ name: 'main', image: 'busybox:1', command: ['sleep', '3600'], resources: { requests: { cpu: '100m', memory: '128Mi' } } }] },
  };
}

async function podsPerNode(client: ApiClient): Promise<{ min: number; max: number }> {
  const counts = new Map<string, number>();
  let cont: string | undefined;
  do {
    const page = await client.list(pods, { namespace: 'default', limit: 500, continue: cont });
    for (const p of page.items) {
      const node = (p.spec as { nodeName?: string }).nodeName;
      if (node) counts.set(node, (counts.get(node) ?? 0) + 1);
    }
    cont = page.metadata.continue;
  } while (cont);
  const values = [...counts.values()];
  return { min: values.length < NODES ? 0 : Math.min(...values), max: Math.max(...values) };
}
