import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import { chromium, type Browser } from 'playwright-core';
import { createTestDatabase } from '@skiff/store';
import { startApiServer } from '@skiff/apiserver';
import { ApiClient, resourceType } from '@skiff/kube-client';
import { AlreadyExistsError, ApiError, type KubeObject } from '@skiff/apimachinery';
import { git, headSha, withTimeout } from './gitops.js';
import { fmt, rate, summary } from './stats.js';

const TOKEN = 'bench-scale-token';
const APPS = Number(process.env.BENCH_GITOPS_SCALE_APPS ?? 1000);
const PODS = Number(process.env.BENCH_GITOPS_SCALE_PODS ?? 10_000);
const COMMITS = Number(process.env.BENCH_GITOPS_SCALE_COMMITS ?? 20);
const NS = 'scale-apps';
/** Every wait of this section has a deadline: a stuck step fails the section, it never hangs the run. */
const SYNC_DEADLINE_MS = 180_000;
const CONVERGE_DEADLINE_MS = 1_500_000;
/** The commit touching all may take longer than the goal: past this the section goes on to the page. */
const TOUCH_ALL_DEADLINE_MS = 600_000;
const PODS_DEADLINE_MS = 360_000;
const QUIET_DEADLINE_MS = 300_000;
const GOAL_SYNCED_P50_MS = 300;
const GOAL_CONVERGED_MS = 60_000;
const GOAL_FIRST_PAINT_MS = 2000;
const CHROMIUM = process.env.BENCH_CHROMIUM ?? '/usr/bin/chromium';
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

const applications = resourceType('applications', 'skiff.dev');
const namespaces = resourceType('namespaces');
const deployments = resourceType('deployments', 'apps');
const replicasets = resourceType('replicasets', 'apps');
const pods = resourceType('pods');

/** The little of the DOM the page functions read (this project compiles without lib "dom"). */
interface PageGlobal {
  document: { getElementById(id: string): { textContent: string | null } | null; querySelector(selector: string): { textContent: string | null } | null };
}

const appName = (i: number) => `app-${String(i).padStart(4, '0')}`;

/**
 * Scale: 1,000 Applications in folders of one git repository (a temp dir, commits with the git
 * CLI), each a Deployment, a Service and a ConfigMap, synced by the git watcher running as its own
 * process (`--import tsx`, as `skiff up` runs it) against a real API server on a fresh database.
 * No nodes: Synced needs none.
 *
 * 1. commit -> Synced for one Application alone in its repository (the baseline), then the same
 *    with 1,000 Applications in the other repository, a commit changing one of them each time,
 *    once the passes the first sync queued have run out (the git watcher's queue empty).
 * 2. A commit changing every Application: until all of them are Synced at it.
 * 3. The git watcher's RSS (now and its peak, from /proc).
 * 4. 10,000 pods (10 per Application, under a ReplicaSet of its Deployment, status Running) made
 *    through the API, then the status page in Chromium: first paint with every Application and pod
 *    counted, from navigation start, for a first viewer and a second one sharing its snapshot.
 */
export async function gitopsScaleBench(): Promise<void> {
  const db = await createTestDatabase();
  const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
  const server = await startApiServer({ databaseUrl: db.url, port: 0, tokens: { [TOKEN]: { name: 'bench', groups: ['system:masters'] } }, logger: pino({ level: 'silent' }) });
  const client = new ApiClient({ server: server.url, token: TOKEN });
  const scratch = mkdtempSync(join(tmpdir(), 'skiff-bench-gitops-scale-'));
  const abort = new AbortController();
  let watcher: ChildProcess | undefined;
  let browser: Browser | undefined;
  try {
    const watcherLog: string[] = [];
    const queuePrefix = `skiff-bench-gitops-scale-${randomBytes(4).toString('hex')}`;
    watcher = startWatcherProcess(server.url, redisUrl, join(scratch, 'cache'), watcherLog, queuePrefix);
    await client.create(namespaces, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS } });
    const apps = await watchApplications(client, abort.signal);

    // 1a. One Application alone in its repository.
    const alone = join(scratch, 'alone');
    mkdirSync(alone);
    git(alone, 'init', '-q', '-b', 'main');
    writeApp(alone, 'alone', 0);
    commitAll(alone, 'alone: first');
    await client.create(applications, application('alone', alone));
    await withTimeout(apps.synced(['alone'], headSha(alone)), SYNC_DEADLINE_MS, () => `the lone Application was not Synced; git watcher said:\n${watcherLog.join('')}`);
    const aloneMs = await commitTrials(COMMITS, (n) => {
      writeApp(alone, 'alone', n);
      return { repo: alone, app: 'alone', message: `alone: ${n}` };
    }, apps);

    // 1b. 1,000 Applications in one repository.
    const mono = join(scratch, 'mono');
    mkdirSync(mono);
    git(mono, 'init', '-q', '-b', 'main');
    for (let i = 0; i < APPS; i++) writeApp(mono, appName(i), 0);
    const first = commitAll(mono, `${APPS} apps`);
    const createdAt = performance.now();
    await rate(APPS, 8, (i) => createOnce(client, applications, application(appName(i), mono, `apps/${appName(i)}`)));
    const names = Array.from({ length: APPS }, (_, i) => appName(i));
    await withTimeout(apps.synced(names, first), CONVERGE_DEADLINE_MS, () => `${apps.countSynced(names, first)} of ${APPS} Applications Synced at the first commit`);
    const initialMs = performance.now() - createdAt;
    const lone = summary(aloneMs);
    console.log(`commit -> Synced, 1 Application alone:        p50 ${fmt(lone.p50)} ms  p99 ${fmt(lone.p99)} ms  (${lone.n} commits)`);
    console.log(`${fmt(APPS)} Applications created -> all Synced:  ${fmt(initialMs / 1000, 1)} s`);
    // The passes that the first sync's own writes queued (one or two per Application) run out
    // first: the trials measure a commit to a cluster at rest, as the baseline alone does.
    const drainMs = await queueDrained(redisUrl, queuePrefix, QUIET_DEADLINE_MS);
    const oneMs = await commitTrials(COMMITS, (n) => {
      const app = appName((n * 37) % APPS);
      writeApp(mono, app, n);
      return { repo: mono, app, message: `${app}: ${n}` };
    }, apps);

    // 2. Every Application changed by one commit.
    for (let i = 0; i < APPS; i++) writeApp(mono, appName(i), 1000);
    const t0 = performance.now();
    const cpu0 = { watcher: processCpuSeconds(watcher.pid!), server: process.cpuUsage() };
    const all = commitAll(mono, 'every app');
    const converged = await withTimeout(apps.synced(names, all), TOUCH_ALL_DEADLINE_MS, () => 'not converged').then(() => true, () => false);
    const allMs = performance.now() - t0;
    const allSynced = apps.countSynced(names, all);
    const serverCpu = process.cpuUsage(cpu0.server);
    const cpu = { watcher: processCpuSeconds(watcher.pid!) - cpu0.watcher, server: (serverCpu.user + serverCpu.system) / 1e6 };
    const rss = processMemory(watcher.pid!);

    const one = summary(oneMs);
    console.log(
      `commit -> Synced, 1 of ${fmt(APPS)} Applications: p50 ${fmt(one.p50)} ms  p99 ${fmt(one.p99)} ms  (${one.n} commits; goal p50 < ${GOAL_SYNCED_P50_MS} ms: ${one.p50 < GOAL_SYNCED_P50_MS ? 'met' : 'NOT met'})` +
        `  at rest: the git watcher's queue ran empty ${drainMs === undefined ? `NOT within ${QUIET_DEADLINE_MS / 1000} s (measured anyway)` : `${fmt(drainMs / 1000, 1)} s`} after all were Synced`,
    );
    console.log(`commit touching all ${fmt(APPS)} -> ${converged ? 'all' : `only ${fmt(allSynced)}`} Synced:    ${fmt(allMs / 1000, 1)} s  (goal < ${GOAL_CONVERGED_MS / 1000} s: ${converged && allMs < GOAL_CONVERGED_MS ? 'met' : 'NOT met'}); CPU meanwhile: git watcher ${fmt(cpu.watcher, 1)} s, API server (this process) ${fmt(cpu.server, 1)} s`);
    console.log(`git watcher RSS: ${fmt(rss.rssMiB)} MiB now, ${fmt(rss.peakMiB)} MiB peak`);

    // 4. 10,000 pods, then the status page.
    const podsMade = await makePods(client, names);
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
    const firstViewer = await browser.newPage();
    const shownApps = APPS + 1; // and the lone one
    const cold = await firstPaint(firstViewer, server.url, shownApps, podsMade);
    const secondViewer = await browser.newPage();
    const warm = await firstPaint(secondViewer, server.url, shownApps, podsMade);
    const live = await liveUpdate(client, firstViewer, names[0]);
    console.log(`status page first paint, ${fmt(APPS)} Applications and ${fmt(podsMade)} pods: ${fmt(cold)} ms first viewer, ${fmt(warm)} ms a second viewer (shared snapshot)  (goal < ${GOAL_FIRST_PAINT_MS} ms: ${Math.max(cold, warm) < GOAL_FIRST_PAINT_MS ? 'met' : 'NOT met'})`);
    console.log(`status page live: a pod's change on the page after ${fmt(live)} ms; API server RSS (this process) ${fmt(process.memoryUsage().rss / 2 ** 20)} MiB`);
  } finally {
    abort.abort();
    await browser?.close().catch(() => undefined);
    if (watcher && watcher.exitCode === null) {
      const exited = new Promise((resolve) => watcher!.once('exit', resolve));
      watcher.kill('SIGTERM');
      await withTimeout(exited, 10_000, () => 'the git watcher did not exit').catch(() => watcher!.kill('SIGKILL'));
    }
    await server.close();
    await db.drop();
    rmSync(scratch, { recursive: true, force: true });
  }
}

/**
 * A request tried again (5 tries) after a dropped connection (a loaded server may close a
 * kept-alive socket as the request goes out) or a 503/429, after the Retry-After it names.
 */
async function retryDropped<T>(call: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await call();
    } catch (err) {
      const busy = err instanceof ApiError && (err.code === 503 || err.code === 429);
      if (attempt >= 5 || !(err instanceof TypeError || busy)) throw err;
      if (busy) await new Promise((resolve) => setTimeout(resolve, ((err as ApiError).details?.retryAfterSeconds ?? 1) * 1000));
    }
  }
}

/** A create; an object already there is one an earlier try made before its connection dropped. */
async function createOnce(client: ApiClient, type: ReturnType<typeof resourceType>, obj: KubeObject): Promise<KubeObject> {
  try {
    return await retryDropped(() => client.create(type, obj));
  } catch (err) {
    if (err instanceof AlreadyExistsError) return client.get(type, obj.metadata.namespace, obj.metadata.name!);
    throw err;
  }
}

/** The git watcher as its own process, its output kept (the last 50 chunks) for failure messages. */
function startWatcherProcess(server: string, redisUrl: string, cacheDir: string, log: string[], prefix: string): ChildProcess {
  const entry = fileURLToPath(import.meta.resolve('@skiff/git-watcher/main'));
  const child = spawn(process.execPath, ['--import', 'tsx', entry, '--server', server, '--token', TOKEN, '--cache-dir', cacheDir, '--redis-url', redisUrl, '--queue-prefix', prefix, '--log-level', 'warn'], { stdio: ['ignore', 'pipe', 'pipe'] });
  const keep = (chunk: Buffer) => {
    log.push(chunk.toString());
    if (log.length > 50) log.shift();
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  return child;
}

function application(name: string, repo: string, path = 'app'): KubeObject {
  return {
    apiVersion: 'skiff.dev/v1alpha1',
    kind: 'Application',
    metadata: { name, namespace: 'default' },
    spec: { source: { repoURL: repo, targetRevision: 'main', path }, destination: { namespace: NS }, syncPolicy: { automated: { prune: true } } },
  };
}

/** An Application's folder (`app/` alone, `apps/<name>/` in the monorepo): a Deployment, a Service and a ConfigMap whose value is `version`. */
function writeApp(repo: string, name: string, version: number): void {
  const dir = name === 'alone' ? join(repo, 'app') : join(repo, 'apps', name);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'configmap.yaml'), `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}-config\ndata:\n  value: "${version}"\n`);
  writeFileSync(
    join(dir, 'deployment.yaml'),
    `apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: ${name}-web\nspec:\n  replicas: 1\n  selector:\n    matchLabels: {app: ${name}}\n  template:\n    metadata:\n      labels: {app: ${name}}\n    spec:\n      containers:\n        - name: web\n          image: nginx:1.27\n`,
  );
  writeFileSync(join(dir, 'service.yaml'), `apiVersion: v1\nkind: Service\nmetadata:\n  name: ${name}-web\nspec:\n  selector: {app: ${name}}\n  ports:\n    - port: 80\n`);
}

function commitAll(repo: string, message: string): string {
  git(repo, 'add', '-A');
  git(repo, 'commit', '-q', '-m', message);
  return headSha(repo);
}

/**
 * Milliseconds until the git watcher's Application queue is empty (nothing waiting, prioritized,
 * delayed or running) at three checks in a row 200 ms apart; undefined past the deadline.
 */
async function queueDrained(redisUrl: string, prefix: string, deadlineMs: number): Promise<number | undefined> {
  const redis = new Redis(redisUrl);
  const q = `${prefix}:controller-application`;
  const t0 = performance.now();
  try {
    for (let quiet = 0; quiet < 3; ) {
      if (performance.now() - t0 > deadlineMs) return undefined;
      const [[, waiting], [, prioritized], [, delayed], [, active]] = (await redis.multi().llen(`${q}:wait`).zcard(`${q}:prioritized`).zcard(`${q}:delayed`).llen(`${q}:active`).exec()) as [unknown, number][];
      quiet = waiting + prioritized + delayed + active === 0 ? quiet + 1 : 0;
      await new Promise((r) => setTimeout(r, 200));
    }
    return performance.now() - t0;
  } finally {
    redis.disconnect();
  }
}

/**
 * `count` commits, each of what `change(n)` wrote: from `git commit` to the watch seeing its
 * Application Synced at it (ms). The change is staged (`git add -A`) before the clock starts: in a
 * repository of 1,000 folders, git's scan of the work tree alone takes a few hundred ms here, and
 * that is git's time, not Skiff's.
 */
async function commitTrials(count: number, change: (n: number) => { repo: string; app: string; message: string }, apps: Applications): Promise<number[]> {
  const out: number[] = [];
  for (let n = 1; n <= count; n++) {
    const { repo, app, message } = change(n);
    git(repo, 'add', '-A');
    const t0 = performance.now();
    git(repo, 'commit', '-q', '-m', message);
    const sha = headSha(repo);
    await withTimeout(apps.synced([app], sha), SYNC_DEADLINE_MS, () => `${app} not Synced at ${sha.slice(0, 7)} within ${SYNC_DEADLINE_MS} ms`);
    out.push(performance.now() - t0);
  }
  return out;
}

interface Applications {
  /** Resolves once every named Application is Synced at `sha`. */
  synced(names: string[], sha: string): Promise<void>;
  countSynced(names: string[], sha: string): number;
}

/** One watch on Applications: each one's sync status and revision, and waiters for a set of them. */
async function watchApplications(client: ApiClient, signal: AbortSignal): Promise<Applications> {
  const at = new Map<string, string>();
  const waiters = new Set<() => boolean>();
  const note = (o: KubeObject) => {
    const sync = (o.status as { sync?: { status?: string; revision?: string } } | undefined)?.sync;
    if (sync?.status === 'Synced' && sync.revision) at.set(o.metadata.name!, sync.revision);
    else at.delete(o.metadata.name!);
  };
  const { metadata } = await client.list(applications, { namespace: 'default', limit: 1 });
  let failure: Error | undefined;
  void client
    .watch(applications, { namespace: 'default', resourceVersion: metadata.resourceVersion }, (ev) => {
      if (ev.type === 'ADDED' || ev.type === 'MODIFIED') note(ev.object as KubeObject);
      for (const w of [...waiters]) if (w()) waiters.delete(w);
    }, signal)
    .catch((err: Error) => {
      if (!signal.aborted) failure = err;
    });
  const countSynced = (names: string[], sha: string) => names.filter((n) => at.get(n) === sha).length;
  return {
    countSynced,
    synced: (names, sha) =>
      new Promise<void>((resolve, reject) => {
        const check = () => {
          if (failure) reject(failure);
          else if (countSynced(names, sha) === names.length) resolve();
          else return false;
          return true;
        };
        if (!check()) waiters.add(check);
      }),
  };
}

/** CPU time (user + system) a process has used, from /proc (clock ticks of 10 ms). */
function processCpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/** RSS now and at its peak (VmHWM) of a process, from /proc. */
function processMemory(pid: number): { rssMiB: number; peakMiB: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kib = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
  return { rssMiB: kib('VmRSS') / 1024, peakMiB: kib('VmHWM') / 1024 };
}

/**
 * PODS pods through the API, spread over the Applications: a ReplicaSet per Application's
 * Deployment, owned by it, and its pods, each given a Running status. Returns how many were made
 * before the deadline.
 */
async function makePods(client: ApiClient, names: string[]): Promise<number> {
  const deadline = Date.now() + PODS_DEADLINE_MS;
  const perApp = Math.ceil(PODS / names.length);
  const uids = new Map((await client.list(deployments, { namespace: NS })).items.map((d) => [d.metadata.name!, d.metadata.uid!]));
  const rsUids: string[] = [];
  await rate(names.length, 16, async (i) => {
    const name = names[i];
    const rs = await createOnce(client, replicasets, {
      apiVersion: 'apps/v1',
      kind: 'ReplicaSet',
      metadata: { name: `${name}-web-1`, namespace: NS, labels: { app: name }, ownerReferences: [{ apiVersion: 'apps/v1', kind: 'Deployment', name: `${name}-web`, uid: uids.get(`${name}-web`)!, controller: true }] },
      spec: { replicas: perApp, selector: { matchLabels: { app: name } }, template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'web', image: 'nginx:1.27' }] } } },
    });
    rsUids[i] = rs.metadata.uid!;
  });
  let made = 0;
  await rate(PODS, 16, async (k) => {
    if (Date.now() > deadline) return;
    const i = k % names.length;
    const name = `${names[i]}-web-1-${String(Math.floor(k / names.length)).padStart(3, '0')}`;
    await createOnce(client, pods, {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name, namespace: NS, labels: { app: names[i] }, ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: `${names[i]}-web-1`, uid: rsUids[i], controller: true }] },
      spec: { nodeName: `node-${k % 100}`, containers: [{ name: 'web', image: 'nginx:1.27' }] },
    });
    await retryDropped(() => client.patch(pods, NS, name, { status: runningStatus(k) }, 'merge', { subresource: 'status' }));
    made++;
  });
  return made;
}

function runningStatus(k: number): object {
  const now = new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
  return {
    phase: 'Running',
    podIP: `10.${(k >> 16) & 255}.${(k >> 8) & 255}.${k & 255}`,
    startTime: now,
    conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: now }],
    containerStatuses: [{ name: 'web', ready: true, restartCount: 0, image: 'nginx:1.27', imageID: '', started: true, state: { running: { startedAt: now } } }],
  };
}

/** ms from navigation start until the page shows every Application and pod counted and the first Application's card drawn. */
async function firstPaint(page: import('playwright-core').Page, url: string, apps: number, podCount: number): Promise<number> {
  await page.goto(`${url}/`);
  const text = `${apps} apps · ${podCount} pods`;
  const handle = await page.waitForFunction(
    (want) => {
      const { document: doc } = globalThis as unknown as PageGlobal;
      const counts = doc.getElementById('counts')?.textContent ?? '';
      const card = doc.querySelector('[data-testid="app-default-app-0000"] [data-testid="app-sync"]');
      return counts.startsWith(want) && card ? performance.now() : false;
    },
    text,
    { polling: 'raf', timeout: 120_000 },
  );
  return (await handle.jsonValue()) as number;
}

/** ms from a pod status change through the API to the page showing it (the first Application's ReplicaSet summary). */
async function liveUpdate(client: ApiClient, page: import('playwright-core').Page, app: string): Promise<number> {
  const name = `${app}-web-1-000`;
  const t0 = performance.now();
  await client.patch(pods, NS, name, { status: { phase: 'Failed' } }, 'merge', { subresource: 'status' });
  await page.waitForFunction((rs) => (globalThis as unknown as PageGlobal).document.querySelector(`[data-testid="replicaset-${rs}"]`)?.textContent?.includes('Failed'), `${app}-web-1`, { polling: 'raf', timeout: 60_000 });
  return performance.now() - t0;
}
