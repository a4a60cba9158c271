import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { ConflictError, deepEqual, NotFoundError, parseQuantity, type KubeObject } from '@skiff/apimachinery';
import { resourceType, type ApiClient } from '@skiff/kube-client';
import type { Logger } from 'pino';
import type { EventSink } from '../eventRecorder.js';
import type { ImagePuller } from '../images/imagePuller.js';
import { containerLogDir, LogIndexer, logFilePath } from '../logs/containerLogs.js';
import type { PodIpAllocator } from '../network/podIpAllocator.js';
import { ContainerProbes } from '../probes/containerProbes.js';
import { runHandler, type ProbeTarget } from '../probes/prober.js';
import { sandboxHostname } from '../runtime/bubblewrapArgs.js';
import type { ContainerExit, ContainerRuntime, ExecRequest, RunningContainer, RuntimeRecord } from '../runtime/runtime.js';
import { rfc3339, type Clock } from '../time.js';
import { nextBackoff, type BackoffPolicy } from './crashLoopBackoff.js';
import { dueContainers, planContainer, type ContainerFacts } from './containerPlan.js';
import { effectiveSecurityContext, verifyRunAsNonRoot } from '../runtime/criConfig.js';
import { mountTmpfs, unmountUnder } from '../runtime/tmpfs.js';
import { containerArgv, expandVars, referencedObjects, resolveContainerEnv, type EnvContext, type ObjectReferences, type ReferencedObjects } from './containerEnv.js';
import { podDirName, writePodRecord, type ContainerRecord, type PodRecord, type RunRecord } from './podRecord.js';
import { allContainers, podKey, podRef, podSpec, type Container, type EphemeralContainer } from './podSpec.js';
import { computePodStatus, managedStatus, statusPatch, type ContainerView, type PodStatus } from './podStatus.js';
import { containerMounts, giveVolumesTo } from './podVolumes.js';
import { fetchReferencedObjects, refreshProjectedTokens, setUpPodSandbox, type PodSandbox } from './podSandbox.js';
import { removeTree } from './removeTree.js';

const PODS = resourceType('pods');
const ENDPOINTS = resourceType('endpoints');
/** The longest a terminating pod waits to leave Services' rotation before its containers stop (default). */
const ROTATION_WAIT_MAX_MS = 2000;
const ROTATION_POLL_MS = 20;

/** How long to wait before trying again a start that failed for a reason that may go away (a missing ConfigMap). */
const CONFIG_RETRY_MS = 5000;
/** How long to wait before retrying a failed API write. */
const WRITE_RETRY_MS = 1000;

export interface PodWorkerDeps {
  nodeName: string;
  hostIP: string;
  podsDir: string;
  runtime: ContainerRuntime;
  /** Pulls images before containers start, for runtimes that run images. */
  images?: ImagePuller;
  ipam: PodIpAllocator;
  client: ApiClient;
  log: Logger;
  events: EventSink;
  backoff: BackoffPolicy;
  clock: Clock;
  nodeAllocatable: { cpu: number; memory: number };
  /** The cluster DNS address pods' resolv.conf points at. */
  clusterDns: string;
  /** The longest a terminating pod waits to leave Services' rotation (default ROTATION_WAIT_MAX_MS; never more than half the grace period). */
  rotationWaitMaxMs?: number;
  /** Called once the pod is gone from the API and everything of it has been cleaned up. */
  onRemoved(uid: string): void;
}

/** A container run the worker is watching. */
interface Tracked {
  name: string;
  run: RunRecord;
  handle: RunningContainer;
  probes: ContainerProbes;
  indexer: LogIndexer | undefined;
  /** Set when the agent asked the container to stop (liveness failure, deletion). */
  stopping?: { killAtMs: number };
}

function isTerminalPhase(phase: unknown): boolean {
  return phase === 'Succeeded' || phase === 'Failed';
}

function resourceVersionNumber(rv: string | undefined): bigint | undefined {
  return rv && /^\d+$/.test(rv) ? BigInt(rv) : undefined;
}

/**
 * Runs one pod, like kubelet's pod worker + syncPod: every trigger (the pod changed, a container
 * exited, a probe verdict changed, a backoff expired) runs one level-triggered `sync` that looks
 * at the pod and at what runs, takes the next steps (start init containers in order, start or
 * restart containers under the restart policy and backoff, stop containers of a pod being
 * deleted), then computes the pod status and writes it if it changed. Syncs never overlap.
 */
export class PodWorker {
  readonly uid: string;
  readonly dir: string;
  private pod: KubeObject;
  private readonly record: PodRecord;
  private readonly tracked = new Map<string, Tracked>();
  private readonly waiting = new Map<string, { reason: string; message?: string }>();
  private readonly envs = new Map<string, Promise<Record<string, string>>>();
  private sandbox: PodSandbox | undefined;
  private terminatingSinceMs: number | undefined;
  private finalDeleteSent = false;
  /** Set once a terminating pod's address is out of every Service's rotation (or the wait gave up). */
  private outOfRotation = false;
  private removed = false;
  /** Whether the containers a previous agent left running have been looked for (the first sync does it). */
  private adopted = false;
  private closed = false;
  private stoppingPods = false;
  private lastWritten: Partial<PodStatus> | undefined;
  private lastWrittenRv: bigint | undefined;
  private syncing = false;
  private dirty = false;
  private wakeAtMs: number | undefined;
  private timer: NodeJS.Timeout | undefined;
  private readonly log: Logger;
  private idle: Promise<void> = Promise.resolve();
  private settleIdle: () => void = () => {};

  constructor(
    pod: KubeObject,
    record: PodRecord | undefined,
    private readonly deps: PodWorkerDeps,
  ) {
    this.pod = pod;
    this.uid = pod.metadata.uid!;
    const ref = podRef(pod);
    this.dir = join(deps.podsDir, podDirName(ref));
    this.record = record ?? { uid: this.uid, namespace: ref.namespace, name: ref.name, containers: {} };
    this.log = deps.log.child({ pod: podKey(pod) });
    this.lastWritten = managedStatus(pod.status);
  }

  get key(): string {
    return podKey(this.pod);
  }

  /** The runtime's sandbox of the pod, when it made one. */
  get sandboxId(): string | undefined {
    return this.record.sandboxId;
  }

  get podIP(): string | undefined {
    return this.record.podIP;
  }

  get podObject(): KubeObject {
    return this.pod;
  }

  containerRecord(name: string): ContainerRecord | undefined {
    return this.record.containers[name];
  }

  /** Settles when the current run of `name` exits (at once if it is not running). */
  containerExited(name: string): Promise<unknown> {
    return this.tracked.get(name)?.handle.exited ?? Promise.resolve();
  }

  /** A newer version of the pod arrived from the API. */
  update(pod: KubeObject): void {
    this.pod = pod;
    // Someone else changed the status (or our write has not come back yet): compare against the
    // stored status only when it is newer than our last write.
    const rv = resourceVersionNumber(pod.metadata.resourceVersion);
    if (rv !== undefined && (this.lastWrittenRv === undefined || rv > this.lastWrittenRv)) {
      const stored = managedStatus(pod.status);
      if (!deepEqual(stored, this.lastWritten)) this.lastWritten = stored;
    }
    this.trigger();
  }

  /** The pod is gone from the API: stop everything at once and clean up. */
  remove(): void {
    this.removed = true;
    this.trigger();
  }

  trigger(): void {
    if (this.closed) return;
    if (this.syncing) {
      this.dirty = true;
      return;
    }
    this.syncing = true;
    this.idle = new Promise((resolve) => (this.settleIdle = resolve));
    void this.loop();
  }

  /** Resolves once no sync is running (tests, shutdown). */
  whenIdle(): Promise<void> {
    return this.idle;
  }

  /**
   * The agent is stopping. With `stopPods` the containers are stopped (SIGTERM, then SIGKILL after
   * at most `graceMs`); otherwise they keep running for the next agent to adopt.
   */
  async shutdown(stopPods: boolean, graceMs: number): Promise<void> {
    this.closed = true;
    this.stoppingPods = stopPods;
    if (this.timer) clearTimeout(this.timer);
    await this.idle;
    for (const t of this.tracked.values()) t.probes.stop();
    if (stopPods) {
      const all = [...this.tracked.values()];
      for (const t of all) t.handle.signal('SIGTERM');
      const killer = setTimeout(() => all.forEach((t) => t.handle.signal('SIGKILL')), graceMs);
      await Promise.all(all.map((t) => t.handle.exited));
      clearTimeout(killer);
      // Nothing of a stopped pod stays mounted on the host (a Memory emptyDir's tmpfs).
      unmountUnder(this.dir);
    }
    for (const t of this.tracked.values()) t.indexer?.stop();
    this.persist();
  }

  private async loop(): Promise<void> {
    try {
      do {
        this.dirty = false;
        this.wakeAtMs = undefined;
        try {
          await this.sync();
        } catch (err) {
          this.log.error({ err: (err as Error).message, stack: (err as Error).stack }, 'pod sync failed');
          this.wakeAt(this.deps.clock().getTime() + WRITE_RETRY_MS);
        }
      } while (this.dirty && !this.closed);
    } finally {
      this.syncing = false;
      this.armTimer();
      this.settleIdle();
    }
  }

  private wakeAt(ms: number): void {
    this.wakeAtMs = this.wakeAtMs === undefined ? ms : Math.min(this.wakeAtMs, ms);
  }

  private armTimer(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (this.closed || this.wakeAtMs === undefined) return;
    this.timer = setTimeout(() => this.trigger(), Math.max(0, this.wakeAtMs - this.deps.clock().getTime()));
  }

  // ---- the sync ----

  private async sync(): Promise<void> {
    if (!this.adopted) {
      await this.adoptRunningContainers();
      this.adopted = true;
    }
    if (this.removed) return this.cleanUp();
    const now = this.deps.clock();
    const pod = this.pod;
    if (pod.metadata.deletionTimestamp) return this.syncTerminating(now);
    if (isTerminalPhase((pod.status as { phase?: string } | undefined)?.phase) && this.tracked.size === 0) {
      // A finished pod never runs again; its address can go to another pod.
      await this.releaseAddress();
      return;
    }

    this.record.startTime ??= rfc3339(now);
    if (!this.sandbox && !(await this.setUpSandbox(now))) {
      await this.writeStatus(now, false);
      return;
    }
    await this.refreshTokensIfDue(now);

    const { due } = dueContainers(podSpec(pod), (name) => this.facts(name));
    let started = false;
    for (const { container: c, policy } of due) {
      const plan = planContainer({ name: c.name, facts: this.facts(c.name), policy, backoff: this.deps.backoff, nowMs: now.getTime(), pod: podRef(pod) });
      if (plan.action === 'start') {
        started = (await this.startContainer(c, now)) || started;
      } else if (plan.action === 'wait') {
        if (this.waiting.get(c.name)?.message !== plan.message) {
          this.deps.events.record(pod, 'Warning', 'BackOff', 'Back-off restarting failed container', `spec.containers{${c.name}}`);
        }
        this.waiting.set(c.name, { reason: plan.reason, message: plan.message });
        this.wakeAt(plan.untilMs);
      } else if (!this.tracked.has(c.name)) {
        this.waiting.delete(c.name);
      }
    }
    // What just started may let the next container start (an init container that has already
    // finished, a sidecar without startup probe): look again.
    if (started) this.dirty = true;

    const status = await this.writeStatus(now, false);
    if (status && isTerminalPhase(status.phase) && this.tracked.size === 0) await this.releaseAddress();
  }

  /** Frees the pod's address: the allocator's, or the runtime's sandbox (network namespace and all). */
  private async releaseAddress(): Promise<void> {
    this.deps.ipam.release(this.uid);
    if (this.deps.runtime.sandboxes && this.record.sandboxId) {
      await this.deps.runtime.sandboxes.removePodSandboxes(this.uid);
      this.record.sandboxId = undefined;
      this.persist();
    }
  }

  private facts(name: string): ContainerFacts {
    const t = this.tracked.get(name);
    return { running: !!t, started: !!t?.probes.started, record: this.record.containers[name] };
  }

  /** Records why a container cannot start yet (an event when the reason is new) and when to look again. */
  private notStarting(c: Container, reason: string, message: string, retryAtMs: number | undefined, eventMessage?: string): false {
    if (eventMessage && this.waiting.get(c.name)?.message !== message) this.deps.events.record(this.pod, 'Warning', 'Failed', eventMessage, `spec.containers{${c.name}}`);
    this.waiting.set(c.name, { reason, message });
    if (retryAtMs !== undefined) this.wakeAt(retryAtMs);
    return false;
  }

  /** Starts a run of the container; false when it cannot start yet (the reason is left in `waiting`). */
  private async startContainer(c: Container, now: Date): Promise<boolean> {
    const ref = podRef(this.pod);
    const runtime = this.deps.runtime;
    const runsImages = !!runtime.images;
    if (!runsImages && (!c.command || c.command.length === 0)) {
      const message = `container "${c.name}" has no command: Skiff's process runtime does not pull or unpack images (image "${c.image ?? ''}" is only recorded), so spec.containers[].command is required`;
      return this.notStarting(c, 'CreateContainerConfigError', message, undefined, `Error: ${message}`);
    }
    let image: { imageId: string; uid?: number; username?: string } | undefined;
    if (runsImages && this.deps.images) {
      const pulled = await this.deps.images.ensureImage(this.pod, c, () => this.pullSecrets(), `spec.containers{${c.name}}`);
      if (!pulled.ok) return this.notStarting(c, pulled.reason, pulled.message, pulled.retryAtMs ?? now.getTime() + CONFIG_RETRY_MS);
      image = pulled;
      const nonRoot = verifyRunAsNonRoot(this.pod, c, pulled);
      if (nonRoot) return this.notStarting(c, 'CreateContainerConfigError', nonRoot, now.getTime() + CONFIG_RETRY_MS, `Error: ${nonRoot}`);
      const uid = effectiveSecurityContext(this.pod, c).runAsUser ?? pulled.uid;
      const taken = uid === undefined ? [] : giveVolumesTo(uid, c, this.sandbox!.dirs, this.sandbox!.plans);
      if (taken.length) this.log.warn({ container: c.name, uid, volumes: taken }, 'volumes already belong to another container\'s user');
    }
    let env: Record<string, string>;
    try {
      const resolved = resolveContainerEnv(c, this.envContext(), await this.fetchReferenced(referencedObjects(c)));
      if (!resolved.ok) return this.notStarting(c, 'CreateContainerConfigError', resolved.message, now.getTime() + CONFIG_RETRY_MS, `Error: ${resolved.message}`);
      // A process gets the agent's PATH; an image brings its own (its config's Env), which the runtime merges in.
      env = runsImages ? resolved.env : { PATH: process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin', HOSTNAME: this.hostname(), ...resolved.env };
    } catch (err) {
      return this.notStarting(c, 'CreateContainerConfigError', (err as Error).message, now.getTime() + CONFIG_RETRY_MS);
    }
    this.envs.set(c.name, Promise.resolve(env));
    const argv = containerArgv(c, env) ?? [];

    const rec = (this.record.containers[c.name] ??= { name: c.name, restartCount: 0 });
    if (rec.current) {
      rec.lastTerminated = rec.current.terminated;
      rec.restartCount++;
      rec.backoff = nextBackoff(rec.backoff, now.getTime(), this.deps.backoff);
    }
    const runId = randomBytes(6).toString('hex');
    const logFile = logFilePath(this.dir, c.name, rec.restartCount);
    this.pruneLogs(c.name, rec.restartCount);
    const limit = c.resources?.limits?.memory;
    const sandbox = this.sandbox!;
    const handle = await runtime.start({
      pod: ref,
      hostname: this.hostname(),
      containerName: c.name,
      argv,
      env,
      workingDir: c.workingDir,
      mounts: [...sandbox.extraMounts, ...containerMounts(c, sandbox.dirs, sandbox.plans)],
      memoryLimitBytes: limit !== undefined ? parseQuantity(limit) : undefined,
      logFile,
      containerDir: join(this.dir, 'containers', c.name),
      runId,
      ...(runsImages
        ? {
            spec: {
              pod: this.pod,
              container: c,
              command: c.command?.map((a) => expandVars(a, env)),
              args: c.args?.map((a) => expandVars(a, env)),
              attempt: rec.restartCount,
              imageRef: image?.imageId,
              sandboxId: this.record.sandboxId ?? '',
              targetRecord: this.targetRecord(c),
            },
          }
        : {}),
    });
    const run: RunRecord = { containerID: handle.containerID ?? `process://${runId}`, ...(handle.imageID ? { imageID: handle.imageID } : {}), startedAt: rfc3339(now), logFile, process: handle.record };
    rec.current = run;
    this.waiting.delete(c.name);
    this.persist();
    this.track(c, run, handle, undefined);
    this.log.info({ container: c.name, containerID: run.containerID, restartCount: rec.restartCount, isolation: handle.record.isolation }, 'started container');
    this.deps.events.record(this.pod, 'Normal', 'Started', `Started container ${c.name}`, `spec.containers{${c.name}}`);
    return true;
  }

  /** The pod's imagePullSecrets that exist (missing ones are skipped, as the kubelet does). */
  private async pullSecrets(): Promise<KubeObject[]> {
    const names = ((podSpec(this.pod) as { imagePullSecrets?: { name?: string }[] }).imagePullSecrets ?? []).map((s) => s.name).filter((n): n is string => !!n);
    if (!names.length) return [];
    const objs = await this.fetchReferenced({ configMaps: new Set(), secrets: new Set(names) });
    return names.map((n) => objs.secrets.get(n)).filter((s): s is KubeObject => !!s);
  }

  private track(c: Container, run: RunRecord, handle: RunningContainer, initial: { ready: boolean; started: boolean } | undefined): void {
    // Raw logs get their timestamps from the index; a CRI runtime writes them into every line.
    const indexer = this.deps.runtime.logFormat === 'raw' ? new LogIndexer(run.logFile).start() : undefined;
    const probes = new ContainerProbes({
      container: c,
      startedAtMs: Date.parse(run.startedAt),
      initial,
      target: this.handlerTarget(c, handle),
      onChange: () => this.trigger(),
      onFailed: (kind, message) => {
        this.deps.events.record(this.pod, 'Normal', 'Killing', `Container ${c.name} failed ${kind} probe, will be restarted`, `spec.containers{${c.name}}`);
        this.log.info({ container: c.name, kind, message }, 'probe failed; restarting container');
        const probe = kind === 'liveness' ? c.livenessProbe : c.startupProbe;
        this.stopContainer(c.name, (probe?.terminationGracePeriodSeconds ?? podSpec(this.pod).terminationGracePeriodSeconds ?? 30) * 1000);
      },
      onProbeFailure: (kind, message) => {
        const label = kind[0].toUpperCase() + kind.slice(1);
        this.deps.events.record(this.pod, 'Warning', 'Unhealthy', `${label} probe failed: ${message}`, `spec.containers{${c.name}}`);
      },
    });
    const t: Tracked = { name: c.name, run, handle, probes, indexer };
    this.tracked.set(c.name, t);
    void handle.exited.then((exit) => this.onExit(t, exit));
  }

  private onExit(t: Tracked, exit: ContainerExit): void {
    t.probes.stop();
    t.indexer?.stop();
    if (this.tracked.get(t.name) === t) this.tracked.delete(t.name);
    t.run.terminated = {
      exitCode: exit.exitCode,
      reason: exit.reason,
      ...(exit.message ? { message: exit.message } : {}),
      startedAt: t.run.startedAt,
      finishedAt: rfc3339(exit.finishedAt),
      containerID: t.run.containerID,
    };
    t.run.finishedAtMs = exit.finishedAt.getTime();
    // Once closed, only runs stopped by the shutdown itself are released (and recorded by it): any
    // other run is the next agent's to adopt, status file included.
    if (t.run.process && (!this.closed || this.stoppingPods)) this.deps.runtime.release(t.run.process);
    if (!this.closed) this.persist();
    this.log.info({ container: t.name, exitCode: exit.exitCode, reason: exit.reason, message: exit.message }, 'container exited');
    this.trigger();
  }

  /** SIGTERM now, SIGKILL when the grace period ends. */
  /** Where probes and hooks of a container run: its pod address, its sandbox, its environment. */
  private handlerTarget(c: Container, handle: RunningContainer): ProbeTarget {
    return {
      podIP: this.record.podIP ?? '127.0.0.1',
      container: c,
      exec: async (argv, timeoutMs) =>
        this.deps.runtime.exec({
          record: handle.record,
          argv,
          env: await (this.envs.get(c.name) ?? Promise.resolve({})),
          workingDir: c.workingDir,
          mounts: [],
          containerDir: join(this.dir, 'containers', c.name),
          timeoutMs,
        }),
    };
  }

  /** What a `kubectl exec` session into NAME runs with: the container's run, environment and directories. */
  async execRequest(name: string, argv: string[]): Promise<Omit<ExecRequest, 'timeoutMs'> | undefined> {
    const t = this.tracked.get(name);
    const c = this.containerSpec(name);
    if (!t || !c) return undefined;
    return { record: t.handle.record, argv, env: await (this.envs.get(name) ?? Promise.resolve({})), workingDir: c.workingDir, mounts: [], containerDir: join(this.dir, 'containers', name) };
  }

  /** `kubectl debug --target`: the running container whose processes an ephemeral container sees. */
  private targetRecord(c: Container): RuntimeRecord | undefined {
    const target = (c as EphemeralContainer).targetContainerName;
    const run = target ? this.record.containers[target]?.current : undefined;
    return run && !run.terminated ? run.process : undefined;
  }

  private containerSpec(name: string): Container | undefined {
    const spec = podSpec(this.pod);
    return allContainers(spec).find((c) => c.name === name);
  }

  /**
   * Stops a container as kubelet does: the preStop hook first (bounded by the grace period),
   * then SIGTERM, then SIGKILL when the grace period ends.
   */
  private stopContainer(name: string, graceMs: number): void {
    const t = this.tracked.get(name);
    if (!t) return;
    const killAtMs = this.deps.clock().getTime() + graceMs;
    if (!t.stopping) {
      t.stopping = { killAtMs };
      t.probes.stop();
      const c = this.containerSpec(name);
      const preStop = c?.lifecycle?.preStop;
      if (c && preStop && graceMs > 0) {
        void this.runPreStop(c, t, preStop, graceMs).finally(() => t.handle.signal('SIGTERM'));
      } else {
        t.handle.signal('SIGTERM');
      }
    } else if (killAtMs < t.stopping.killAtMs) {
      t.stopping.killAtMs = killAtMs;
    }
    const deadline = t.stopping.killAtMs;
    const timer = setTimeout(() => {
      if (this.tracked.get(name) === t && t.stopping && this.deps.clock().getTime() >= t.stopping.killAtMs - 5) t.handle.signal('SIGKILL');
    }, Math.max(0, deadline - this.deps.clock().getTime()));
    timer.unref();
  }

  private async runPreStop(c: Container, t: Tracked, hook: NonNullable<NonNullable<Container['lifecycle']>['preStop']>, graceMs: number): Promise<void> {
    if (hook.sleep) {
      await new Promise((r) => setTimeout(r, Math.min(hook.sleep!.seconds * 1000, graceMs)));
      return;
    }
    const res = await runHandler(hook, this.handlerTarget(c, t.handle), graceMs);
    if (!res.ok) this.deps.events.record(this.pod, 'Warning', 'FailedPreStopHook', `PreStopHook failed: ${res.message ?? ''}`, `spec.containers{${c.name}}`);
  }

  // ---- deletion ----

  private async syncTerminating(now: Date): Promise<void> {
    const spec = podSpec(this.pod);
    const graceSeconds = this.pod.metadata.deletionGracePeriodSeconds ?? spec.terminationGracePeriodSeconds ?? 30;
    this.terminatingSinceMs ??= now.getTime();
    if (this.tracked.size > 0) {
      if (!this.outOfRotation) {
        await this.waitOutOfRotation(Math.min(this.deps.rotationWaitMaxMs ?? ROTATION_WAIT_MAX_MS, (graceSeconds * 1000) / 2));
        this.outOfRotation = true;
        now = this.deps.clock();
      }
      const graceMs = Math.max(0, this.terminatingSinceMs + graceSeconds * 1000 - now.getTime());
      for (const t of this.tracked.values()) {
        if (!t.stopping) this.deps.events.record(this.pod, 'Normal', 'Killing', `Stopping container ${t.name}`, `spec.containers{${t.name}}`);
        this.stopContainer(t.name, graceMs);
      }
      await this.writeStatus(now, false);
      return;
    }
    // Everything has stopped: report the final status, then let the API server remove the pod.
    await this.writeStatus(now, true);
    await this.releaseAddress();
    if (this.finalDeleteSent) return;
    this.finalDeleteSent = true;
    try {
      await this.deps.client.delete(PODS, this.pod.metadata.namespace, this.pod.metadata.name!, { gracePeriodSeconds: 0, preconditions: { uid: this.uid } });
      this.log.info({}, 'pod terminated; deleted');
    } catch (err) {
      if (err instanceof NotFoundError || err instanceof ConflictError) return;
      this.finalDeleteSent = false;
      this.log.warn({ err: (err as Error).message }, 'finishing the pod deletion failed; retrying');
      this.wakeAt(now.getTime() + WRITE_RETRY_MS);
    }
  }

  /**
   * Before a terminating pod's containers get preStop and SIGTERM, wait (at most `maxMs`) until no
   * Endpoints object lists its address as ready: the endpoints controller takes it out of every
   * Service, and the proxy stops sending new connections to it, before the process starts to stop.
   * Kubernetes leaves this race to a preStop sleep; Skiff closes it here.
   */
  private async waitOutOfRotation(maxMs: number): Promise<void> {
    const ip = this.record.podIP;
    if (!ip || maxMs <= 0) return;
    const started = Date.now();
    for (;;) {
      let listed = false;
      try {
        const { items } = await this.deps.client.list(ENDPOINTS, { namespace: this.pod.metadata.namespace });
        listed = items.some((ep) => ((ep.subsets ?? []) as { addresses?: { ip: string }[] }[]).some((s) => s.addresses?.some((a) => a.ip === ip)));
      } catch (err) {
        this.log.warn({ err: (err as Error).message }, 'checking Endpoints before stopping failed; stopping anyway');
        return;
      }
      if (!listed) {
        if (Date.now() - started > 0) this.log.info({ waitedMs: Date.now() - started }, 'out of every Service\'s rotation; stopping containers');
        return;
      }
      if (Date.now() - started >= maxMs) {
        this.log.warn({ waitedMs: Date.now() - started }, 'still listed in Endpoints; stopping containers anyway');
        return;
      }
      await new Promise((r) => setTimeout(r, ROTATION_POLL_MS));
    }
  }

  /** The pod is gone from the API: kill what is left, free its address, remove its directory. */
  private async cleanUp(): Promise<void> {
    const all = [...this.tracked.values()];
    for (const t of all) {
      t.probes.stop();
      t.handle.signal('SIGKILL');
    }
    await Promise.all(all.map((t) => t.handle.exited));
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.deps.ipam.release(this.uid);
    this.deps.images?.forget(this.uid);
    if (this.deps.runtime.sandboxes) {
      try {
        await this.deps.runtime.sandboxes.removePodSandboxes(this.uid);
      } catch (err) {
        this.log.warn({ err: (err as Error).message }, 'removing the pod sandbox failed; the orphan sweep will');
      }
    }
    unmountUnder(this.dir);
    removeTree(this.dir, this.log);
    this.log.info({}, 'pod removed; cleaned up');
    this.deps.onRemoved(this.uid);
  }

  // ---- sandbox ----

  private hostname(): string {
    return sandboxHostname(podSpec(this.pod).hostname ?? this.pod.metadata.name ?? 'pod');
  }

  private envContext(): EnvContext {
    return { pod: this.pod, podIP: this.record.podIP ?? '', hostIP: this.deps.hostIP, nodeName: this.deps.nodeName, nodeAllocatable: this.deps.nodeAllocatable };
  }

  private fetchReferenced(refs: ObjectReferences): Promise<ReferencedObjects> {
    return fetchReferencedObjects(this.deps.client, this.pod.metadata.namespace, refs);
  }

  /** The pod's address, directory, volumes and /etc/hosts; false (with containers waiting) if it cannot be set up yet. */
  private async setUpSandbox(now: Date): Promise<boolean> {
    const spec = podSpec(this.pod);
    const allNames = allContainers(spec).map((c) => c.name);
    const began = performance.now();
    const result = await setUpPodSandbox({
      pod: this.pod,
      dir: this.dir,
      address: async () => {
        const sandboxes = this.deps.runtime.sandboxes;
        if (!sandboxes) return this.deps.ipam.allocate(this.uid);
        const sb = await sandboxes.runPodSandbox(this.pod, { logDirectory: join(this.dir, 'logs'), hostname: this.hostname(), clusterDns: this.deps.clusterDns });
        this.record.sandboxId = sb.id;
        this.persist();
        return sb.podIP;
      },
      hostname: this.hostname(),
      clusterDns: this.deps.clusterDns,
      envContext: (podIP) => ({ ...this.envContext(), podIP }),
      fetch: (refs) => this.fetchReferenced(refs),
      // Container pods run where the agent is root; process pods keep plain directories.
      mountTmpfs: this.deps.runtime.sandboxes ? mountTmpfs : undefined,
    });
    if (!result.ok) {
      if (this.waiting.get(allNames[0])?.message !== result.message) this.deps.events.record(this.pod, 'Warning', result.reason, result.message);
      for (const name of allNames) if (!this.tracked.has(name)) this.waiting.set(name, { reason: 'ContainerCreating', message: result.message });
      this.wakeAt(now.getTime() + CONFIG_RETRY_MS);
      return false;
    }
    this.sandbox = result.sandbox;
    this.record.podIP = result.sandbox.podIP;
    this.log.info({ podIP: result.sandbox.podIP, sandboxId: this.record.sandboxId, ms: Math.round(performance.now() - began) }, 'pod sandbox ready');
    for (const name of allNames) if (this.waiting.get(name)?.reason === 'ContainerCreating') this.waiting.delete(name);
    this.persist();
    return true;
  }

  /** Renews the projected ServiceAccount tokens once they are due, and wakes up when they next are. */
  private async refreshTokensIfDue(now: Date): Promise<void> {
    const sandbox = this.sandbox!;
    if (sandbox.tokenRefreshAtMs === undefined) return;
    if (now.getTime() < sandbox.tokenRefreshAtMs) {
      this.wakeAt(sandbox.tokenRefreshAtMs);
      return;
    }
    const result = await refreshProjectedTokens(this.pod, this.dir, this.envContext(), (refs) => this.fetchReferenced(refs));
    if (!result.ok) {
      this.log.warn({ err: result.message }, 'renewing the pod\'s ServiceAccount tokens failed');
      this.wakeAt(now.getTime() + CONFIG_RETRY_MS);
      return;
    }
    sandbox.tokenRefreshAtMs = result.nextAtMs;
    if (result.nextAtMs !== undefined) this.wakeAt(result.nextAtMs);
  }

  /** Keeps the current and the previous run's logs of a container; older runs go. */
  private pruneLogs(container: string, restartCount: number): void {
    const dir = containerLogDir(this.dir, container);
    if (!existsSync(dir)) return;
    for (const f of readdirSync(dir)) {
      const n = Number(f.split('.')[0]);
      if (Number.isInteger(n) && n < restartCount - 1) rmSync(join(dir, f), { force: true });
    }
  }

  /** Finds the processes a previous agent started for this pod: running ones are watched again, gone ones recorded as exited. */
  private async adoptRunningContainers(): Promise<void> {
    const spec = podSpec(this.pod);
    type StoredStatus = { containerID?: string; ready?: boolean; started?: boolean };
    const stored = (this.pod.status ?? {}) as { containerStatuses?: StoredStatus[]; initContainerStatuses?: StoredStatus[]; ephemeralContainerStatuses?: StoredStatus[] };
    const statuses = [...(stored.containerStatuses ?? []), ...(stored.initContainerStatuses ?? []), ...(stored.ephemeralContainerStatuses ?? [])];
    for (const c of allContainers(spec)) {
      const rec = this.record.containers[c.name];
      const run = rec?.current;
      if (!run || run.terminated || !run.process) continue;
      const adopted = await this.deps.runtime.adopt(run.process);
      if ('signal' in adopted) {
        const was = statuses.find((s) => s.containerID === run.containerID);
        this.track(c, run, adopted, was ? { ready: !!was.ready, started: !!was.started } : undefined);
        this.log.info({ container: c.name, containerID: run.containerID }, 'adopted running container');
        // The environment is needed again for exec probes; resolve it in the background.
        this.envs.set(
          c.name,
          this.fetchReferenced(referencedObjects(c))
            .then((objs) => {
              const r = resolveContainerEnv(c, this.envContext(), objs);
              const env = r.ok ? r.env : {};
              return this.deps.runtime.images ? env : { PATH: process.env.PATH ?? '', HOSTNAME: this.hostname(), ...env };
            })
            .catch(() => ({ PATH: process.env.PATH ?? '' })),
        );
      } else {
        run.terminated = {
          exitCode: adopted.exitCode,
          reason: adopted.reason,
          ...(adopted.message ? { message: adopted.message } : {}),
          startedAt: run.startedAt,
          finishedAt: rfc3339(adopted.finishedAt),
          containerID: run.containerID,
        };
        run.finishedAtMs = adopted.finishedAt.getTime();
        this.deps.runtime.release(run.process);
        this.log.info({ container: c.name, exitCode: adopted.exitCode, reason: adopted.reason }, 'container exited while the agent was away');
      }
    }
    if (this.record.podIP && !this.deps.runtime.sandboxes) {
      // Keep the pod's address allocated under its uid (the allocator may have been reset).
      this.deps.ipam.allocate(this.uid);
    }
    if (Object.keys(this.record.containers).length > 0) this.persist();
  }

  // ---- status ----

  private views(): Record<string, ContainerView> {
    const spec = podSpec(this.pod);
    const views: Record<string, ContainerView> = {};
    for (const c of allContainers(spec)) {
      const t = this.tracked.get(c.name);
      views[c.name] = {
        record: this.record.containers[c.name],
        waiting: t ? undefined : this.waiting.get(c.name),
        ready: t ? t.probes.ready && !t.stopping : false,
        started: t ? t.probes.started : false,
      };
    }
    return views;
  }

  /** Computes the status and writes it when it differs from the last one written. */
  private async writeStatus(now: Date, terminal: boolean): Promise<PodStatus | undefined> {
    const status = computePodStatus({
      pod: this.pod,
      views: this.views(),
      hostIP: this.deps.hostIP,
      podIP: this.record.podIP,
      startTime: this.record.startTime,
      sandboxReady: !!this.sandbox,
      terminal,
      now,
    });
    if (deepEqual(status, this.lastWritten)) return status;
    try {
      const res = await this.deps.client.patch(PODS, this.pod.metadata.namespace, this.pod.metadata.name!, statusPatch(status), 'merge', { subresource: 'status' });
      this.lastWritten = status;
      this.lastWrittenRv = resourceVersionNumber(res.metadata.resourceVersion);
      this.log.debug({ phase: status.phase }, 'pod status written');
    } catch (err) {
      if (err instanceof NotFoundError) return status;
      this.log.warn({ err: (err as Error).message }, 'writing the pod status failed; retrying');
      this.wakeAt(now.getTime() + WRITE_RETRY_MS);
    }
    return status;
  }

  private persist(): void {
    if (this.removed) return;
    try {
      writePodRecord(this.dir, this.record);
    } catch (err) {
      this.log.warn({ err: (err as Error).message }, 'saving the pod record failed');
    }
  }
}
