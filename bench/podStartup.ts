import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import { createTestDatabase } from '@skiff/store';
import { startApiServer } from '@skiff/apiserver';
import { ApiClient, resourceType } from '@skiff/kube-client';
import { nodeTokenSecret, type KubeObject, type WatchEvent } from '@skiff/apimachinery';
import { startScheduler, type RunningScheduler } from '@skiff/scheduler';
import { startNodeAgent, startSimulatedNodes, type NodeAgent, type SimulatedNodes } from '@skiff/node-agent';
import { CriClient } from '@skiff/cri';
import { startTestContainerRuntime, WEB_CONFIG, WEB_FILES, type TestContainerRuntime } from '@skiff/cri/testing';
import { fmt, summary } from './stats.js';

const TOKEN = 'bench-token';
const PODS = Number(process.env.BENCH_POD_STARTUP_PODS ?? 100);
const BATCH = Number(process.env.BENCH_POD_STARTUP_BATCH ?? 10);
/** A batch that is not Ready within this long fails the section (it never hangs the run). */
const BATCH_TIMEOUT_MS = 60_000;
const GOAL_P99_MS = 1000;
const K8S_SLO_MS = 5000;

const pods = resourceType('pods');
const secrets = resourceType('secrets');

/** The container: a Node.js HTTP server on $POD_IP:8080, exiting at once on SIGTERM. */
const SERVER_SCRIPT = `require('node:http').createServer((q, s) => s.end('ok')).listen(8080, process.env.POD_IP); process.on('SIGTERM', () => process.exit(0));`;

/** When the watch first saw each stage of a pod's start. */
interface Seen {
  created: number;
  bound?: number;
  running?: number;
  /** When this process first got an answer from the container itself (real nodes only). */
  answering?: number;
  ready?: number;
}

/**
 * Pod startup latency: from a pod's create request to a watch seeing its Ready condition True,
 * for 100 pods created directly (no Deployment), BATCH at a time, each batch Ready before the
 * next (so a 2-core machine measures start-up, not a 100-process thundering herd).
 *
 * 1. Real: the API server, the scheduler and two real node agents in this process; each pod runs
 *    a Node.js HTTP server. Measured twice: without a readiness probe (Ready = containers started,
 *    which is what Kubernetes' pod startup SLO counts), and with an httpGet readiness probe
 *    (period 1 s, no initial delay), so Ready means the process answers.
 * 2. Containers: two node agents on their own containerds (CRI, runc, a CNI bridge each); each
 *    pod is a busybox httpd container from an image already on the node (pulled before the run,
 *    imagePullPolicy IfNotPresent), so the figure is sandbox + network namespace + container
 *    start, not the pull. No readiness probe.
 * 3. Simulated: the same pods onto two simulated nodes (Running and Ready as soon as bound), which
 *    leaves the control plane's part: create, schedule, bind, status write, watch.
 */
export async function podStartupBench(): Promise<void> {
  const db = await createTestDatabase();
  const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
  const prefix = `skiff-bench-${randomBytes(4).toString('hex')}`;
  const server = await startApiServer({ databaseUrl: db.url, port: 0, tokens: { [TOKEN]: { name: 'bench', groups: ['system:masters'] } }, logger: pino({ level: 'silent' }) });
  const client = new ApiClient({ server: server.url, token: TOKEN });
  const log = pino({ level: process.env.BENCH_LOG ?? 'silent' });
  const dataDirs: string[] = [];
  const agents: NodeAgent[] = [];
  let sim: SimulatedNodes | undefined;
  let scheduler: RunningScheduler | undefined;
  let runtime: TestContainerRuntime | undefined;
  try {
    // 1. Two real node agents, each with its own node token, then the scheduler.
    for (const [i, cidr] of ['127.77.1.0/24', '127.77.2.0/24'].entries()) {
      const nodeName = `bench-node-${i + 1}`;
      const token = randomBytes(16).toString('hex');
      await client.create(secrets, nodeTokenSecret(token, nodeName));
      const dataDir = mkdtempSync(join(tmpdir(), 'skiff-bench-agent-'));
      dataDirs.push(dataDir);
      agents.push(await startNodeAgent({ server: server.url, token, nodeName, podCidr: cidr, dataDir, heartbeatMs: 1000, labels: { bench: 'real' }, shutdownGraceMs: 5000, logger: log }));
    }
    scheduler = await startScheduler({ client, redisUrl, prefix: `${prefix}-sched`, log });

    const isolation = agents.map((a) => a.isolation).join('/');
    // As Kubernetes' SLO counts it: no readiness probe, so Ready = every container started.
    const started = await measure(client, 'start', { bench: 'real' }, true, false);
    report(`real nodes (2 agents, isolation: ${isolation}), no readiness probe (Kubernetes' SLO definition: Ready when the containers have started)`, started);
    await deleteAll(client, 'start');
    // Stricter: Ready only once an httpGet readiness probe (period 1 s) has had an answer.
    const real = await measure(client, 'real', { bench: 'real' }, true, true);
    report(`real nodes (2 agents, isolation: ${isolation}), httpGet readiness probe every 1 s (the first probe at container start usually finds the server not listening yet, so Ready waits for the second)`, real);

    await deleteAll(client, 'real');
    for (const a of agents.splice(0)) await a.close({ stopPods: true });

    // 2. Containers from a cached image, on two nodes with a containerd each.
    runtime = await startTestContainerRuntime({ nodes: 2 });
    const image = await runtime.push('bench/web:1', WEB_CONFIG, WEB_FILES);
    for (const [i, node] of runtime.nodes.entries()) {
      const cri = new CriClient({ endpoint: node.endpoint });
      await cri.pullImage(image).finally(() => cri.close());
      const nodeName = `bench-ctr-${i + 1}`;
      const token = randomBytes(16).toString('hex');
      await client.create(secrets, nodeTokenSecret(token, nodeName));
      const dataDir = mkdtempSync(join(tmpdir(), 'skiff-bench-agent-'));
      dataDirs.push(dataDir);
      agents.push(await startNodeAgent({ server: server.url, token, nodeName, podCidr: node.podCidr, containerRuntimeEndpoint: node.endpoint, dataDir, heartbeatMs: 1000, labels: { bench: 'container' }, shutdownGraceMs: 5000, logger: log }));
    }
    const containers = await measure(client, 'ctr', { bench: 'container' }, true, false, image);
    report('containers (2 agents, each on its own containerd over the CRI; image already on the node), no readiness probe', containers);
    await deleteAll(client, 'ctr');
    for (const a of agents.splice(0)) await a.close({ stopPods: true });
    await runtime.close();
    runtime = undefined;

    // 3. Simulated nodes: the control plane alone.
    sim = await startSimulatedNodes({ server: server.url, token: TOKEN, count: 2, namePrefix: 'bench-sim-', podCidr: (i) => `127.78.${i + 1}.0/24`, heartbeatMs: 1000, labels: { bench: 'simulated' }, logger: log });
    const simulated = await measure(client, 'sim', { bench: 'simulated' }, false, false);
    report('simulated nodes (2, control plane only)', simulated);
    await deleteAll(client, 'sim');
  } finally {
    for (const a of agents) await a.close({ stopPods: true }).catch(() => undefined);
    await sim?.close().catch(() => undefined);
    await scheduler?.stop().catch(() => undefined);
    await runtime?.close().catch(() => undefined);
    await server.close();
    await db.drop();
    for (const d of dataDirs) rmSync(d, { recursive: true, force: true });
    const redis = new Redis(redisUrl);
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length) await redis.del(...keys);
    redis.disconnect();
  }
}

interface Result {
  seen: Seen[];
  totalMs: number;
  /** This process's event-loop delay during the run (ms): the API server, scheduler and agents share it. */
  loopDelay: { p99: number; max: number };
}

/** Creates PODS pods named `<tag>-<i>`, BATCH at a time, each batch Ready before the next. */
async function measure(client: ApiClient, tag: string, nodeSelector: Record<string, string>, pollPods: boolean, probe: boolean, image?: string): Promise<Result> {
  const watch = await watchPods(client, `${tag}-`, pollPods);
  const seen: Seen[] = [];
  const loop = monitorEventLoopDelay({ resolution: 5 });
  loop.enable();
  const started = performance.now();
  try {
    for (let b = 0; b < PODS; b += BATCH) {
      const names = Array.from({ length: Math.min(BATCH, PODS - b) }, (_, k) => `${tag}-${b + k}`);
      await Promise.all(
        names.map(async (name) => {
          const s: Seen = { created: performance.now() };
          watch.expect(name, s);
          seen.push(s);
          await client.create(pods, podManifest(name, nodeSelector, probe, image));
        }),
      );
      await withTimeout(Promise.all(names.map((n) => watch.ready(n))), BATCH_TIMEOUT_MS, () => `pods ${names[0]}..${names[names.length - 1]} not Ready after ${BATCH_TIMEOUT_MS} ms`);
    }
    const totalMs = performance.now() - started;
    return { seen, totalMs, loopDelay: { p99: loop.percentile(99) / 1e6, max: loop.max / 1e6 } };
  } finally {
    loop.disable();
    watch.stop();
  }
}

function report(label: string, { seen, totalMs, loopDelay }: Result): void {
  const ready = summary(seen.map((s) => s.ready! - s.created));
  const bound = summary(seen.map((s) => (s.bound ?? s.ready!) - s.created));
  const running = summary(seen.map((s) => (s.running ?? s.ready!) - s.created));
  const answering = seen.every((s) => s.answering !== undefined) ? summary(seen.map((s) => s.answering! - s.created)) : undefined;
  const met = ready.p99 < GOAL_P99_MS;
  console.log(
    `pod startup, ${label}: ${ready.n} pods created ${BATCH} at a time (each batch Ready before the next), create to Ready seen on a watch:` +
      `\n  p50 ${fmt(ready.p50)} ms   p99 ${fmt(ready.p99)} ms   max ${fmt(ready.max)} ms   (goal p99 < ${fmt(GOAL_P99_MS)} ms: ${met ? 'met' : 'NOT met'}; Kubernetes' SLO p99 < ${fmt(K8S_SLO_MS)} ms: ${ready.p99 < K8S_SLO_MS ? 'met' : 'NOT met'})` +
      `   total ${fmt(totalMs)} ms (${fmt(ready.n / (totalMs / 1000), 1)} pods/s)` +
      `\n  stages (p50 / p99 from create): bound ${fmt(bound.p50)} / ${fmt(bound.p99)} ms   container running ${fmt(running.p50)} / ${fmt(running.p99)} ms` +
      (answering ? `   process answering (polled by the bench every 10 ms) ${fmt(answering.p50)} / ${fmt(answering.p99)} ms` : '') +
      `   Ready ${fmt(ready.p50)} / ${fmt(ready.p99)} ms` +
      `\n  event-loop delay of this process (API server, scheduler and agents share it): p99 ${fmt(loopDelay.p99, 1)} ms   max ${fmt(loopDelay.max, 1)} ms`,
  );
}

/** A pod of the Node.js server on a process node, or of `image` (run by its own entrypoint) on a container node. */
function podManifest(name: string, nodeSelector: Record<string, string>, probe: boolean, image?: string): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: 'default', labels: { app: 'bench-startup' } },
    spec: {
      nodeSelector,
      terminationGracePeriodSeconds: 5,
      containers: [
        {
          name: 'web',
          ...(image ? { image, imagePullPolicy: 'IfNotPresent' } : { image: 'node', command: [process.execPath, '-e', SERVER_SCRIPT] }),
          ports: [{ containerPort: 8080 }],
          ...(probe ? { readinessProbe: { httpGet: { path: '/', port: 8080 }, periodSeconds: 1, initialDelaySeconds: 0 } } : {}),
          resources: { requests: { cpu: '10m', memory: '32Mi' } },
        },
      ],
    },
  };
}

interface PodWatch {
  /** Registers a pod about to be created; call before the create request. */
  expect(name: string, seen: Seen): void;
  /** Resolves once the watch has seen the pod Ready. */
  ready(name: string): Promise<void>;
  stop(): void;
}

/**
 * One pod watch from now on, recording when each stage of the pods named `<namePrefix>*` is first
 * seen. With `pollPods`, once a pod has an address the bench itself polls http://$POD_IP:8080 to
 * see when the process answers, apart from when the readiness probe notices.
 */
async function watchPods(client: ApiClient, namePrefix: string, pollPods: boolean): Promise<PodWatch> {
  const { metadata } = await client.list(pods, { namespace: 'default', limit: 1 });
  const entries = new Map<string, { seen: Seen; ready: Promise<void>; resolve: () => void }>();
  const abort = new AbortController();
  let failure: Error | undefined;
  const polling = new Set<string>();
  const entry = (name: string) => {
    let e = entries.get(name);
    if (!e) {
      let resolve!: () => void;
      const ready = new Promise<void>((r) => (resolve = r));
      e = { seen: { created: NaN }, ready, resolve };
      entries.set(name, e);
    }
    return e;
  };
  const onEvent = (ev: WatchEvent) => {
    const at = performance.now();
    const name = ev.object.metadata.name!;
    if (!name.startsWith(namePrefix) || ev.type === 'DELETED') return;
    const { seen, resolve } = entry(name);
    const spec = ev.object.spec as { nodeName?: string };
    const status = (ev.object.status ?? {}) as { podIP?: string; conditions?: { type: string; status: string }[]; containerStatuses?: { state?: { running?: unknown } }[] };
    if (seen.bound === undefined && spec.nodeName) seen.bound = at;
    if (seen.running === undefined && status.containerStatuses?.some((c) => c.state?.running)) seen.running = at;
    if (pollPods && status.podIP && !polling.has(name)) {
      polling.add(name);
      void pollUntilAnswering(`http://${status.podIP}:8080/`, abort.signal).then((t) => (seen.answering = t));
    }
    if (seen.ready === undefined && status.conditions?.some((c) => c.type === 'Ready' && c.status === 'True')) {
      seen.ready = at;
      resolve();
    }
  };
  void client.watch(pods, { namespace: 'default', resourceVersion: metadata.resourceVersion }, onEvent, abort.signal).then(
    () => {
      if (!abort.signal.aborted) failure = new Error('the pod watch ended early');
    },
    (err: Error) => {
      if (!abort.signal.aborted) failure = err;
    },
  );
  return {
    expect: (name, seen) => {
      const e = entry(name);
      e.seen = seen;
    },
    ready: async (name) => {
      await entry(name).ready;
      if (failure) throw failure;
    },
    stop: () => abort.abort(),
  };
}

/** Polls `url` every 10 ms until it answers 200; returns when it did (undefined if aborted first). */
async function pollUntilAnswering(url: string, signal: AbortSignal): Promise<number | undefined> {
  while (!signal.aborted) {
    try {
      const res = await fetch(url, { signal: AbortSignal.any([signal, AbortSignal.timeout(1000)]) });
      await res.arrayBuffer();
      if (res.ok) return performance.now();
    } catch {
      /* not listening yet */
    }
    await new Promise((r) => setTimeout(r, 10));
  }
  return undefined;
}

/** Deletes the pods named `<prefix>-*` and waits until they are gone (the agents stop their processes first). */
async function deleteAll(client: ApiClient, prefix: string): Promise<void> {
  const names = (await client.list(pods, { namespace: 'default' })).items.map((p) => p.metadata.name!).filter((n) => n.startsWith(`${prefix}-`));
  await Promise.all(names.map((n) => client.delete(pods, 'default', n).catch(() => undefined)));
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    const left = (await client.list(pods, { namespace: 'default' })).items.filter((p) => p.metadata.name!.startsWith(`${prefix}-`)).length;
    if (left === 0) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  console.log(`  (warning: ${prefix} pods still present 30 s after their deletion)`);
}

async function withTimeout<T>(p: Promise<T>, ms: number, what: () => string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([p, new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(what())), ms)))]);
  } finally {
    clearTimeout(timer);
  }
}
