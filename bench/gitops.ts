import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, watch as fsWatch, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { watch as chokidarWatch } from 'chokidar';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import { createTestDatabase } from '@skiff/store';
import { startApiServer } from '@skiff/apiserver';
import { ApiClient, resourceType } from '@skiff/kube-client';
import { nodeTokenSecret, type KubeObject, type ResourceType, type WatchEvent } from '@skiff/apimachinery';
import { startScheduler, type RunningScheduler } from '@skiff/scheduler';
import { startNodeAgent, startSimulatedNodes, type NodeAgent, type SimulatedNodes } from '@skiff/node-agent';
import { startControllerManager, type RunningControllerManager } from '@skiff/controller-manager';
import { startGitWatcher, type RunningGitWatcher } from '@skiff/git-watcher';
import { renderedCommitTrials, renderedLine, type RenderedKind } from './gitopsRendered.js';
import { fmt, summary } from './stats.js';

const TOKEN = 'bench-token';
const COMMITS = Number(process.env.BENCH_GITOPS_COMMITS ?? 20);
const DRIFTS = Number(process.env.BENCH_GITOPS_DRIFTS ?? 20);
/** Commits measured on real node agents afterwards (0 skips that part). */
const REAL_COMMITS = Number(process.env.BENCH_GITOPS_REAL_COMMITS ?? 10);
/** Commits measured for each rendered folder (kustomize overlay, Helm chart) after the drift trials (0 skips them). */
const RENDERED_COMMITS = Number(process.env.BENCH_GITOPS_RENDERED_COMMITS ?? COMMITS);
/** A trial not complete within this long fails the section (it never hangs the run). */
const TRIAL_TIMEOUT_MS = 60_000;
const GOAL_SYNCED_P50_MS = 300;
const GOAL_SYNCED_P99_MS = 1000;
const GOAL_DRIFT_P99_MS = 1000;
const ARGO_SELF_HEAL_MS = 5000;

/** The container: a Node.js HTTP server on $POD_IP:8080, exiting at once on SIGTERM. */
const SERVER_SCRIPT = `require('node:http').createServer((q, s) => s.end('ok')).listen(8080, process.env.POD_IP); process.on('SIGTERM', () => process.exit(0));`;

const NS = 'gitops-bench';
const APP = 'bench-app';
const DEPLOY = 'web';
const CONFIGMAP = 'web-config';

const applications = resourceType('applications', 'skiff.dev');
const pods = resourceType('pods');
const deployments = resourceType('deployments', 'apps');
const configmaps = resourceType('configmaps');
const secrets = resourceType('secrets');

/** One request the git watcher made: for telling where a sync's time goes. */
interface Call {
  start: number;
  end: number;
  method: string;
  path: string;
}

/** The git watcher's client, recording when each of its requests started and ended. */
class RecordingClient extends ApiClient {
  readonly calls: Call[] = [];
  override async request<T>(method: string, path: string, body?: unknown, contentType?: string): Promise<T> {
    const start = performance.now();
    try {
      return await super.request<T>(method, path, body, contentType);
    } finally {
      this.calls.push({ start, end: performance.now(), method, path });
      if (this.calls.length > 20_000) this.calls.splice(0, 10_000);
    }
  }
}

/**
 * GitOps: a local git repository (a temp dir, commits with the git CLI) holding a ConfigMap and a
 * Deployment, one Application (automated: prune + selfHeal, CreateNamespace=true) syncing it, the
 * API server on a fresh database, the controller manager, the scheduler, two simulated nodes and
 * the git watcher, all in this process.
 *
 * 1. commit -> Synced: from `git commit` returning to a watch seeing the Application Synced at the
 *    new sha. Each commit changes the ConfigMap's value, the Deployment's env (a new ReplicaSet)
 *    and its replicas (2 <-> 3).
 * 2. commit -> pods Ready: from the same instant to a pod watch seeing every pod of the new
 *    ReplicaSet (the commit's env value) Ready, `replicas` of them; on simulated nodes, so this is
 *    the control path (sync, Deployment and ReplicaSet controllers, scheduler, status writes).
 * 3. drift -> corrected: a merge patch by hand (Deployment replicas, or the ConfigMap's value,
 *    alternately) until a watch sees the object back at the git value.
 * 4. Then (BENCH_GITOPS_REAL_COMMITS, default 10; 0 skips it) two real node agents join and the
 *    Deployment moves onto them (a tiny Node.js HTTP server per pod, no readiness probe): the
 *    same commit -> Synced / pods Ready figures with real processes.
 * The breakdown comes from the git watcher's own API requests (a recording client) and from
 * fs.watch / chokidar on the branch ref in this process.
 */
export async function gitopsBench(): Promise<void> {
  const db = await createTestDatabase();
  const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
  const prefix = `skiff-bench-${randomBytes(4).toString('hex')}`;
  const log = pino({ level: process.env.BENCH_LOG ?? 'silent' });
  const server = await startApiServer({ databaseUrl: db.url, port: 0, tokens: { [TOKEN]: { name: 'bench', groups: ['system:masters'] } }, logger: pino({ level: 'silent' }) });
  const client = new ApiClient({ server: server.url, token: TOKEN });
  const watcherClient = new RecordingClient({ server: server.url, token: TOKEN, userAgent: 'skiff-git-watcher' });
  const repo = mkdtempSync(join(tmpdir(), 'skiff-bench-gitops-repo-'));
  const cacheDir = mkdtempSync(join(tmpdir(), 'skiff-bench-gitops-cache-'));
  const dataDirs: string[] = [];
  const agents: NodeAgent[] = [];
  let sim: SimulatedNodes | undefined;
  let scheduler: RunningScheduler | undefined;
  let cm: RunningControllerManager | undefined;
  let watcher: RunningGitWatcher | undefined;
  let watches: Watches | undefined;
  let refs: RefWatch | undefined;
  try {
    sim = await startSimulatedNodes({ server: server.url, token: TOKEN, count: 2, namePrefix: 'bench-gitops-sim-', podCidr: (i) => `127.79.${i + 1}.0/24`, heartbeatMs: 1000, labels: { bench: 'simulated' }, logger: log });
    scheduler = await startScheduler({ client, redisUrl, prefix: `${prefix}-sched`, log });
    cm = await startControllerManager({ server: server.url, token: TOKEN, redisUrl, prefix: `${prefix}-cm`, log });
    watcher = await startGitWatcher({ client: watcherClient, redisUrl, prefix: `${prefix}-gw`, cacheDir, log });

    // The repository and its first commit, then the Application.
    git(repo, 'init', '-q', '-b', 'main');
    let version = 0;
    let nodes = 'simulated';
    writeManifests(repo, version, nodes);
    git(repo, 'add', '-A');
    git(repo, 'commit', '-q', '-m', 'initial');
    let sha = headSha(repo);
    refs = watchRef(repo);
    watches = await startWatches(client);
    const initialSynced = watches.appSynced(sha, performance.now());
    const initialReady = watches.podsReady(version, replicasOf(version));
    await client.create(applications, {
      apiVersion: 'skiff.dev/v1alpha1',
      kind: 'Application',
      metadata: { name: APP, namespace: 'default' },
      spec: {
        source: { repoURL: repo, targetRevision: 'main', path: 'deploy' },
        destination: { namespace: NS },
        syncPolicy: { automated: { prune: true, selfHeal: true }, syncOptions: ['CreateNamespace=true'] },
      },
    });
    await withTimeout(Promise.all([initialSynced, initialReady]), TRIAL_TIMEOUT_MS, () => 'the initial sync did not complete');
    await withTimeout(watches.settled(version, replicasOf(version), sha), TRIAL_TIMEOUT_MS, () => 'the initial rollout did not settle');

    /** One commit, measured: Synced, new pods Ready, rollout settled; each complete before the next. */
    const commitTrial = async (): Promise<CommitResult> => {
      version++;
      writeManifests(repo, version, nodes);
      git(repo, 'commit', '-q', '-a', '-m', `bench commit ${version}`);
      const t0 = performance.now();
      sha = headSha(repo);
      const replicas = replicasOf(version);
      const refSeen = refs!.next();
      const syncedAt = watches!.appSynced(sha, t0);
      const readyAt = watches!.podsReady(version, replicas);
      const [s, r] = await withTimeout(Promise.all([syncedAt, readyAt]), TRIAL_TIMEOUT_MS, () => `commit ${version} (${sha.slice(0, 7)}) not Synced and Ready after ${TRIAL_TIMEOUT_MS} ms`);
      const done = await withTimeout(watches!.settled(version, replicas, sha), TRIAL_TIMEOUT_MS, () => `commit ${version}: the rollout did not settle`);
      const settledNow = <T>(p: Promise<T>) => Promise.race([p, Promise.resolve(undefined)]);
      const stage = stagesOf(watcherClient.calls, t0, s, await settledNow(refSeen.fs), await settledNow(refSeen.chokidar));
      return { synced: s - t0, ready: r - t0, settled: done - t0, stage };
    };

    // 1 + 2. Commits onto simulated nodes.
    const loop = monitorEventLoopDelay({ resolution: 5 });
    loop.enable();
    const simResults: CommitResult[] = [];
    for (let i = 0; i < COMMITS; i++) simResults.push(await commitTrial());
    const commitLoop = { p99: loop.percentile(99) / 1e6, max: loop.max / 1e6 };
    loop.reset();

    // 3. Drift.
    const drift: { total: number; reconcileStart?: number; applyStart?: number; applyEnd?: number; kind: string }[] = [];
    for (let i = 0; i < DRIFTS; i++) {
      const deploymentTrial = i % 2 === 0;
      const gitValue = deploymentTrial ? replicasOf(version) : `value-${version}`;
      const handValue = deploymentTrial ? 5 : `by-hand-${i}`;
      const type = deploymentTrial ? deployments : configmaps;
      const name = deploymentTrial ? DEPLOY : CONFIGMAP;
      const valueOf = deploymentTrial ? (o: KubeObject) => (o.spec as { replicas?: number } | undefined)?.replicas : (o: KubeObject) => (o.data as Record<string, string> | undefined)?.value;
      const t0 = performance.now();
      const corrected = watches.driftCorrected(type, name, valueOf, handValue, gitValue);
      await client.patch(type, NS, name, deploymentTrial ? { spec: { replicas: handValue } } : { data: { value: handValue } }, 'merge');
      const at = await withTimeout(corrected, TRIAL_TIMEOUT_MS, () => `drift trial ${i} (${name}) not corrected after ${TRIAL_TIMEOUT_MS} ms`);
      const calls = watcherClient.calls.filter((c) => c.start >= t0 - 5000 && c.start <= at);
      const fix = calls.find((c) => c.start >= t0 && c.method === 'PATCH' && !c.path.includes('dryRun=') && c.path.includes(`/${type.resource}/${name}?`));
      // The pass that put it back: the last one to start before the corrective apply (it may have started before the patch).
      const firstGet = fix && calls.filter((c) => isAppGet(c) && c.start <= fix.start).at(-1);
      drift.push({ total: at - t0, reconcileStart: rel(firstGet?.start, t0), applyStart: rel(fix?.start, t0), applyEnd: rel(fix?.end, t0), kind: deploymentTrial ? 'Deployment' : 'ConfigMap' });
      // Let the trial finish: the scale-up the patch caused is undone, the Application Synced again.
      await withTimeout(watches.settled(version, replicasOf(version), sha), TRIAL_TIMEOUT_MS, () => `drift trial ${i}: did not settle`);
    }
    const driftLoop = { p99: loop.percentile(99) / 1e6, max: loop.max / 1e6 };
    loop.disable();

    // The same commit -> Synced for folders that need rendering, on the same cluster.
    const rendered: [RenderedKind, number[]][] = [];
    if (RENDERED_COMMITS > 0) for (const kind of ['kustomize', 'helm'] as const) rendered.push([kind, (await renderedCommitTrials(client, kind, RENDERED_COMMITS, nodes)).synced]);

    // Optional: real node agents; each pod runs a tiny Node.js HTTP server, no readiness probe.
    let realResults: CommitResult[] = [];
    let isolation = '';
    if (REAL_COMMITS > 0) {
      for (const [i, cidr] of ['127.80.1.0/24', '127.80.2.0/24'].entries()) {
        const nodeName = `bench-gitops-node-${i + 1}`;
        const token = randomBytes(16).toString('hex');
        await client.create(secrets, nodeTokenSecret(token, nodeName));
        const dataDir = mkdtempSync(join(tmpdir(), 'skiff-bench-gitops-agent-'));
        dataDirs.push(dataDir);
        agents.push(await startNodeAgent({ server: server.url, token, nodeName, podCidr: cidr, dataDir, heartbeatMs: 1000, labels: { bench: 'real' }, shutdownGraceMs: 5000, logger: log }));
      }
      isolation = agents.map((a) => a.isolation).join('/');
      nodes = 'real';
      await commitTrial(); // moves the Deployment onto the real nodes: not counted
      for (let i = 0; i < REAL_COMMITS; i++) realResults.push(await commitTrial());
    }

    report(simResults, drift, commitLoop, driftLoop, realResults, isolation, rendered);
  } finally {
    await refs?.close().catch(() => undefined);
    watches?.stop();
    await watcher?.stop().catch(() => undefined);
    await cm?.stop().catch(() => undefined);
    await scheduler?.stop().catch(() => undefined);
    for (const a of agents) await a.close({ stopPods: true }).catch(() => undefined);
    await sim?.close().catch(() => undefined);
    await server.close();
    await db.drop();
    for (const d of [repo, cacheDir, ...dataDirs]) rmSync(d, { recursive: true, force: true });
    const redis = new Redis(redisUrl);
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length) await redis.del(...keys);
    redis.disconnect();
  }
}

interface CommitResult {
  synced: number;
  ready: number;
  settled: number;
  stage: Stage;
}

function report(
  sim: CommitResult[],
  drift: { total: number; reconcileStart?: number; applyStart?: number; applyEnd?: number; kind: string }[],
  commitLoop: { p99: number; max: number },
  driftLoop: { p99: number; max: number },
  real: CommitResult[],
  isolation: string,
  rendered: [RenderedKind, number[]][],
): void {
  const s = summary(sim.map((x) => x.synced));
  const r = summary(sim.map((x) => x.ready));
  const st = summary(sim.map((x) => x.settled));
  const d = summary(drift.map((x) => x.total));
  const p = (v: (number | undefined)[]) => {
    const sm = summary(v.filter((x): x is number => x !== undefined));
    return `${fmt(sm.p50)} / ${fmt(sm.p99)}`;
  };
  const stage = (pick: (x: Stage) => number | undefined) => p(sim.map((x) => pick(x.stage)));
  const lines = [
    `gitops, local repository (git CLI commits), 1 Application (automated prune + selfHeal, CreateNamespace=true) with a ConfigMap and a Deployment; API server, controller manager, scheduler, 2 simulated nodes and the git watcher in this process`,
    `  commit -> Synced (${s.n} commits, each: ConfigMap value, Deployment env and replicas 2<->3; from \`git commit\` returning to a watch seeing status.sync Synced at the new sha):`,
    `    p50 ${fmt(s.p50)} ms   p99 ${fmt(s.p99)} ms   max ${fmt(s.max)} ms   (goal p50 < ${fmt(GOAL_SYNCED_P50_MS)} ms: ${s.p50 < GOAL_SYNCED_P50_MS ? 'met' : 'NOT met'}; p99 < ${fmt(GOAL_SYNCED_P99_MS)} ms: ${s.p99 < GOAL_SYNCED_P99_MS ? 'met' : 'NOT met'})`,
    `    where it goes (ms from the commit, p50 / p99; from the git watcher's own requests): ref file change seen by fs.watch ${stage((x) => x.refSeen)}   by chokidar (as the git watcher sets it up) ${stage((x) => x.chokidarSeen)}   reconcile starts (GET Application) ${stage((x) => x.reconcileStart)}   dry runs start ${stage((x) => x.dryRunStart)}   applies start ${stage((x) => x.applyStart)}   applies done ${stage((x) => x.applyEnd)}   status write starts ${stage((x) => x.statusStart)}   status written ${stage((x) => x.statusEnd)}   Synced seen ${fmt(s.p50)} / ${fmt(s.p99)}`,
    `    of which prune's LIST requests (one per managed kind, one after another) ${stage((x) => x.pruneLists)} ms; reconcile passes started per commit until Synced: p50 ${fmt(summary(sim.map((x) => x.stage.passes)).p50)}, max ${fmt(summary(sim.map((x) => x.stage.passes)).max)}`,
    `  commit -> all pods of the new ReplicaSet Ready (simulated nodes: Running and Ready as soon as bound, so this is the control path: sync, Deployment and ReplicaSet controllers, scheduler, status writes; rolling update maxSurge 1, maxUnavailable 0, so 2-3 pods one after another):`,
    `    p50 ${fmt(r.p50)} ms   p99 ${fmt(r.p99)} ms   max ${fmt(r.max)} ms   (until the old pods are gone too and the Application is Synced again: p50 ${fmt(st.p50)} ms   p99 ${fmt(st.p99)} ms)`,
    `    event-loop delay of this process during the commits: p99 ${fmt(commitLoop.p99, 1)} ms   max ${fmt(commitLoop.max, 1)} ms`,
    `  drift -> corrected (${d.n} merge patches by hand, alternately Deployment replicas -> 5 and the ConfigMap's value; from the patch request to a watch seeing the git value back):`,
    `    p50 ${fmt(d.p50)} ms   p99 ${fmt(d.p99)} ms   max ${fmt(d.max)} ms   (goal p99 < ${fmt(GOAL_DRIFT_P99_MS)} ms: ${d.p99 < GOAL_DRIFT_P99_MS ? 'met' : 'NOT met'}; Argo CD retries self-heal after ${fmt(ARGO_SELF_HEAL_MS)} ms)`,
    `    Deployment p50 ${fmt(summary(drift.filter((x) => x.kind === 'Deployment').map((x) => x.total)).p50)} ms, ConfigMap p50 ${fmt(summary(drift.filter((x) => x.kind === 'ConfigMap').map((x) => x.total)).p50)} ms;` +
      ` where it goes (ms from the patch, p50 / p99): the pass that fixes it starts ${p(drift.map((x) => x.reconcileStart))}   corrective apply starts ${p(drift.map((x) => x.applyStart))}   applied ${p(drift.map((x) => x.applyEnd))}   seen ${fmt(d.p50)} / ${fmt(d.p99)}`,
    `    event-loop delay of this process during the drift trials: p99 ${fmt(driftLoop.p99, 1)} ms   max ${fmt(driftLoop.max, 1)} ms`,
  ];
  if (rendered.length) {
    lines.push(`  commit -> Synced for folders rendered before they are applied (own repository and Application each, same cluster; each commit: ConfigMap value, Deployment env and replicas 2<->3, the rollout finished before the next):`);
    for (const [kind, synced] of rendered) lines.push(renderedLine(kind, synced, s.p50, (n) => fmt(n)));
  }
  if (real.length) {
    const rs = summary(real.map((x) => x.synced));
    const rr = summary(real.map((x) => x.ready));
    const rt = summary(real.map((x) => x.settled));
    lines.push(
      `  real nodes (2 agents, isolation: ${isolation}; each pod a Node.js HTTP server, no readiness probe, so Ready = started), ${rr.n} more commits:`,
      `    commit -> Synced p50 ${fmt(rs.p50)} ms   p99 ${fmt(rs.p99)} ms;   commit -> new pods Ready p50 ${fmt(rr.p50)} ms   p99 ${fmt(rr.p99)} ms   max ${fmt(rr.max)} ms;   until old pods gone p50 ${fmt(rt.p50)} ms   p99 ${fmt(rt.p99)} ms`,
    );
  }
  console.log(lines.join('\n'));
}

function rel(x: number | undefined, t0: number): number | undefined {
  return x === undefined ? undefined : x - t0;
}

function isAppGet(c: Call): boolean {
  return c.method === 'GET' && /\/applications\/[^/?]+$/.test(c.path.split('?')[0]);
}

interface RefWatch {
  /** When the next change to the branch's ref is seen by fs.watch, and by chokidar set up as the git watcher sets it up. */
  next(): { fs: Promise<number>; chokidar: Promise<number> };
  close(): Promise<void>;
}

/** fs.watch on refs/heads, and chokidar on the branch ref as the git watcher watches it, for the breakdown. */
function watchRef(repo: string): RefWatch {
  let fsWaiting: ((at: number) => void) | undefined;
  let chokidarWaiting: ((at: number) => void) | undefined;
  const w = fsWatch(join(repo, '.git', 'refs', 'heads'), () => {
    fsWaiting?.(performance.now());
    fsWaiting = undefined;
  });
  const gitdir = join(repo, '.git');
  const c = chokidarWatch([join(gitdir, 'HEAD'), join(gitdir, 'refs', 'heads', 'main'), join(gitdir, 'packed-refs')], { ignoreInitial: true, depth: 3 });
  const fire = () => {
    chokidarWaiting?.(performance.now());
    chokidarWaiting = undefined;
  };
  c.on('add', fire).on('change', fire).on('unlink', fire);
  return {
    next: () => ({ fs: new Promise<number>((resolve) => (fsWaiting = resolve)), chokidar: new Promise<number>((resolve) => (chokidarWaiting = resolve)) }),
    close: async () => {
      w.close();
      await c.close();
    },
  };
}

function replicasOf(version: number): number {
  return version % 2 === 0 ? 2 : 3;
}

function writeManifests(repo: string, version: number, nodes: string): void {
  const dir = join(repo, 'deploy');
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    join(dir, 'config.yaml'),
    `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${CONFIGMAP}\ndata:\n  value: value-${version}\n`,
  );
  writeFileSync(
    join(dir, 'web.yaml'),
    `apiVersion: apps/v1
kind: Deployment
metadata:
  name: ${DEPLOY}
  labels: {app: ${DEPLOY}}
spec:
  replicas: ${replicasOf(version)}
  strategy:
    type: RollingUpdate
    rollingUpdate: {maxSurge: 1, maxUnavailable: 0}
  selector:
    matchLabels: {app: ${DEPLOY}}
  template:
    metadata:
      labels: {app: ${DEPLOY}}
    spec:
      nodeSelector: {bench: ${nodes}}
      terminationGracePeriodSeconds: 5
      containers:
        - name: web
          image: node
          command: [${JSON.stringify(process.execPath)}, "-e", ${JSON.stringify(SERVER_SCRIPT)}]
          env:
            - {name: VERSION, value: "v${version}"}
          ports:
            - {containerPort: 8080}
          resources:
            requests: {cpu: 10m, memory: 32Mi}
`,
  );
}

export function git(dir: string, ...args: string[]): void {
  execFileSync('git', ['-c', 'user.name=Bench', '-c', 'user.email=bench@localhost', '-c', 'commit.gpgsign=false', '-c', 'gc.auto=0', ...args], { cwd: dir, stdio: 'ignore' });
}

export function headSha(repo: string): string {
  return readFileSync(join(repo, '.git', 'refs', 'heads', 'main'), 'utf8').trim();
}

/** Times (ms from the commit) of the git watcher's first sync steps after a commit. */
interface Stage {
  refSeen?: number;
  chokidarSeen?: number;
  reconcileStart?: number;
  dryRunStart?: number;
  applyStart?: number;
  applyEnd?: number;
  statusStart?: number;
  statusEnd?: number;
  /** Total time of the prune LIST requests between the applies and the status write. */
  pruneLists?: number;
  passes: number;
}

function stagesOf(calls: Call[], t0: number, syncedAt: number, refSeen: number | undefined, chokidarSeen: number | undefined): Stage {
  const after = calls.filter((c) => c.start >= t0 && c.start <= syncedAt);
  const isPatch = (c: Call) => c.method === 'PATCH' && !c.path.includes('/applications/');
  const dry = after.find((c) => isPatch(c) && c.path.includes('dryRun='));
  const applies = after.filter((c) => isPatch(c) && !c.path.includes('dryRun=') && c.start >= (dry?.start ?? t0));
  const applyEnd = applies.length ? Math.max(...applies.map((c) => c.end)) : undefined;
  const status = after.find((c) => c.method === 'PATCH' && c.path.includes('/applications/') && c.path.includes('/status') && c.start >= (applies[0]?.start ?? Infinity));
  const lists = applyEnd !== undefined && status ? after.filter((c) => c.method === 'GET' && c.path.includes('labelSelector=') && c.start >= applyEnd && c.end <= status.start) : [];
  return {
    refSeen: rel(refSeen, t0),
    chokidarSeen: rel(chokidarSeen, t0),
    reconcileStart: rel(after.find(isAppGet)?.start, t0),
    dryRunStart: rel(dry?.start, t0),
    applyStart: rel(applies[0]?.start, t0),
    applyEnd: rel(applyEnd, t0),
    statusStart: rel(status?.start, t0),
    statusEnd: rel(status?.end, t0),
    pruneLists: lists.length ? lists.reduce((sum, c) => sum + (c.end - c.start), 0) : undefined,
    passes: after.filter((c) => c.method === 'GET' && isAppGet(c)).length,
  };
}

interface Watches {
  /** When the Application is first seen Synced at `sha` (at or after `since`). */
  appSynced(sha: string, since: number): Promise<number>;
  /** When `replicas` pods of template version `version` are first all seen Ready. */
  podsReady(version: number, replicas: number): Promise<number>;
  /** When only version's pods remain, `replicas` of them Ready, and the Application is Synced at `sha`. */
  settled(version: number, replicas: number, sha: string): Promise<number>;
  /** When the object, after being seen at `handValue`, is seen back at `gitValue`. */
  driftCorrected(type: ResourceType, name: string, valueOf: (o: KubeObject) => unknown, handValue: unknown, gitValue: unknown): Promise<number>;
  stop(): void;
}

/** Watches on the Application, the pods, the Deployment and the ConfigMap, with waiters checked on every event. */
async function startWatches(client: ApiClient): Promise<Watches> {
  const abort = new AbortController();
  let failure: Error | undefined;
  let app: KubeObject | undefined;
  const podMap = new Map<string, KubeObject>();
  const waiters = new Set<{ check: (at: number, ev?: { type: ResourceType; ev: WatchEvent }) => boolean; reject: (e: Error) => void }>();
  const fire = (at: number, ev?: { type: ResourceType; ev: WatchEvent }) => {
    for (const w of [...waiters]) if (w.check(at, ev)) waiters.delete(w);
  };
  const wait = (check: (at: number, ev?: { type: ResourceType; ev: WatchEvent }) => number | undefined): Promise<number> =>
    new Promise<number>((resolve, reject) => {
      const w = {
        check: (at: number, ev?: { type: ResourceType; ev: WatchEvent }) => {
          const t = check(at, ev);
          if (t === undefined) return false;
          resolve(t);
          return true;
        },
        reject,
      };
      if (failure) return reject(failure);
      if (!w.check(performance.now())) waiters.add(w);
    });
  const start = async (type: ResourceType, namespace: string, onEvent: (ev: WatchEvent) => void) => {
    const { metadata } = await client.list(type, { namespace, limit: 1 });
    void client
      .watch(type, { namespace, resourceVersion: metadata.resourceVersion }, (ev) => {
        const at = performance.now();
        onEvent(ev);
        fire(at, { type, ev });
      }, abort.signal)
      .then(
        () => {
          if (!abort.signal.aborted) failure = new Error(`the ${type.resource} watch ended early`);
        },
        (err: Error) => {
          if (!abort.signal.aborted) failure = err;
        },
      )
      .finally(() => {
        if (failure) for (const w of waiters) w.reject(failure);
      });
  };
  await start(applications, 'default', (ev) => {
    if (ev.object.metadata.name === APP) app = ev.type === 'DELETED' ? undefined : ev.object;
  });
  await start(pods, NS, (ev) => {
    if (ev.type === 'DELETED') podMap.delete(ev.object.metadata.name!);
    else if (ev.type === 'ADDED' || ev.type === 'MODIFIED') podMap.set(ev.object.metadata.name!, ev.object);
  });
  await start(deployments, NS, () => undefined);
  await start(configmaps, NS, () => undefined);

  const syncOf = (a: KubeObject | undefined) => (a?.status as { sync?: { status?: string; revision?: string } } | undefined)?.sync;
  const versionOf = (p: KubeObject) => (p.spec as { containers?: { env?: { name: string; value?: string }[] }[] }).containers?.[0]?.env?.find((e) => e.name === 'VERSION')?.value;
  const isReady = (p: KubeObject) => !!(p.status as { conditions?: { type: string; status: string }[] } | undefined)?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True');
  const readyCount = (version: number) => [...podMap.values()].filter((p) => versionOf(p) === `v${version}` && !p.metadata.deletionTimestamp && isReady(p)).length;

  return {
    appSynced: (sha, since) =>
      wait((at) => {
        const s = syncOf(app);
        return at >= since && s?.status === 'Synced' && s.revision === sha ? at : undefined;
      }),
    podsReady: (version, replicas) => wait((at) => (readyCount(version) >= replicas ? at : undefined)),
    settled: (version, replicas, sha) =>
      wait((at) => {
        const all = [...podMap.values()];
        const s = syncOf(app);
        const ok = all.length === replicas && all.every((p) => versionOf(p) === `v${version}` && !p.metadata.deletionTimestamp && isReady(p)) && s?.status === 'Synced' && s.revision === sha;
        return ok ? at : undefined;
      }),
    driftCorrected: (type, name, valueOf, handValue, gitValue) => {
      let sawDrift = false;
      return wait((at, e) => {
        if (!e || e.type !== type || e.ev.type === 'DELETED' || e.ev.object.metadata.name !== name) return undefined;
        const v = valueOf(e.ev.object);
        if (v === handValue) sawDrift = true;
        else if (sawDrift && v === gitValue) return at;
        return undefined;
      });
    },
    stop: () => {
      abort.abort();
      waiters.clear();
    },
  };
}

export async function withTimeout<T>(p: Promise<T>, ms: number, what: () => string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([p, new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(what())), ms)))]);
  } finally {
    clearTimeout(timer);
  }
}
