import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { KubeObject } from '@skiff/apimachinery';
import { CriClient, CriError, type ContainerStatus, type PodSandboxConfig } from '@skiff/cri';
import type { Logger } from 'pino';
import { resolvConfSettings } from '../pods/podSandbox.js';
import { containerConfig, NODE_LABEL, POD_UID_LABEL, sandboxConfig } from './criConfig.js';
import { limitPodPids, podCgroupParent, removeCgroupTree } from './podCgroups.js';
import {
  isCriRecord,
  type ContainerExit,
  type ContainerLaunch,
  type ContainerUsage,
  type ContainerRuntime,
  type CriContainerRecord,
  type ExecRequest,
  type ExecResult,
  type ExitReason,
  type ImageService,
  type PodSandboxInfo,
  type RunningContainer,
  type RuntimeRecord,
  type SandboxService,
  type StreamingService,
} from './runtime.js';

/** How often running containers are listed to notice exits (the kubelet's PLEG relists every second). */
const RELIST_MS = 250;
/** Kubernetes' limit on a termination message. */
const TERMINATION_MESSAGE_MAX = 4096;
/** A SIGTERM is a StopContainer with a timeout longer than any grace period; SIGKILL follows as a second call with 0. */
const TERM_ONLY_TIMEOUT_S = 24 * 3600;

export interface CriRuntimeOptions {
  /** The runtime's socket: `unix:///run/containerd/containerd.sock`. */
  endpoint: string;
  nodeName: string;
  log: Logger;
  relistMs?: number;
  /** The cgroup every pod's cgroup goes under (the kubelet's --cgroup-root), e.g. `/skiff/node-1`; unset: the runtime's default. */
  cgroupRoot?: string;
  /** The most processes one pod may have (the kubelet's --pod-max-pids); needs cgroupRoot. */
  podMaxPids?: number;
}

function nsToDate(ns: number): Date {
  return new Date(Math.floor(ns / 1e6));
}

function exitReason(status: ContainerStatus): ExitReason {
  if (status.state === 'CONTAINER_CREATED') return 'StartError';
  if (status.reason === 'OOMKilled') return 'OOMKilled';
  if (status.reason === 'StartError' || (status.startedAt === 0 && status.exitCode !== 0)) return 'StartError';
  return status.exitCode === 0 ? 'Completed' : 'Error';
}

class CriRunningContainer implements RunningContainer {
  readonly exited: Promise<ContainerExit>;
  private resolveExit!: (e: ContainerExit) => void;
  private done = false;
  private killed = false;

  constructor(
    readonly record: CriContainerRecord,
    readonly containerID: string,
    readonly imageID: string | undefined,
    private readonly cri: CriClient,
    private readonly log: Logger,
    readonly terminationLog: string | undefined,
  ) {
    this.exited = new Promise((resolve) => (this.resolveExit = resolve));
  }

  get finished(): boolean {
    return this.done;
  }

  signal(sig: 'SIGTERM' | 'SIGKILL'): void {
    if (this.done) return;
    if (sig === 'SIGKILL') {
      if (this.killed) return;
      this.killed = true;
    }
    // StopContainer sends the image's stop signal (SIGTERM by default) and waits `timeout`
    // seconds before SIGKILL; a second call with 0 kills at once.
    const timeout = sig === 'SIGKILL' ? 0 : TERM_ONLY_TIMEOUT_S;
    this.cri.stopContainer(this.record.containerId, timeout).catch((err: Error) => {
      if (!(err instanceof CriError && err.notFound)) this.log.warn({ containerId: this.record.containerId, err: err.message, sig }, 'stopping a container failed');
    });
  }

  finish(exit: ContainerExit): void {
    if (this.done) return;
    this.done = true;
    this.resolveExit(exit);
  }
}

/**
 * The CRI driver: pods are sandboxes of a CRI runtime (containerd's CRI plugin, CRI-O), each with
 * its own network namespace from the runtime's CNI network; containers run their images, with
 * the runtime's default capabilities, cgroup limits, and logs in the CRI log format. Exits are
 * noticed by relisting the running containers (as the kubelet's PLEG does); everything needed to
 * find a container again is its id, so a restarted agent adopts what runs.
 */
export class CriRuntime implements ContainerRuntime {
  readonly name = 'cri';
  readonly isolation = 'container' as const;
  readonly logFormat = 'cri' as const;
  readonly isolationMessage: string;
  readonly version: string;
  readonly sandboxes: SandboxService;
  readonly images: ImageService;
  private readonly running = new Map<string, CriRunningContainer>();
  /** The sandbox configs of pods this agent has seen: CreateContainer needs the sandbox's config again. */
  private readonly sandboxConfigs = new Map<string, PodSandboxConfig>();
  private relister: NodeJS.Timeout | undefined;
  private relisting = false;
  private closed = false;

  private constructor(
    private readonly cri: CriClient,
    private readonly opts: CriRuntimeOptions,
    version: { runtimeName: string; runtimeVersion: string },
  ) {
    this.version = `${version.runtimeName}://${version.runtimeVersion.replace(/~.*$/, '')}`;
    this.isolationMessage = `pods are OCI containers run by ${version.runtimeName} ${version.runtimeVersion} over the CRI (${opts.endpoint}), each pod in its own network namespace`;
    this.sandboxes = {
      runPodSandbox: (pod, o) => this.runPodSandbox(pod, o),
      removePodSandboxes: (uid) => this.removePodSandboxes(uid),
      podUids: () => this.podUids(),
    };
    this.images = {
      imageStatus: async (image) => {
        const img = await this.cri.imageStatus(image);
        return img ? { id: img.id, size: img.size, uid: img.uid ? img.uid.value : undefined, username: img.username || undefined } : undefined;
      },
      pullImage: (image, auth) => this.cri.pullImage(image, auth),
      listImages: async () => (await this.cri.listImages()).map((i) => ({ id: i.id, names: [...i.repoDigests, ...i.repoTags], sizeBytes: i.size, pinned: i.pinned })),
      imagesInUse: () => this.imagesInUse(),
      removeImage: (id) => this.cri.removeImage(id),
      imageFsMountpoint: async () => (await this.cri.imageFsInfo())[0]?.fsId?.mountpoint || undefined,
    };
  }

  /** Connects to the runtime and checks that it answers the CRI and is ready. */
  static async connect(opts: CriRuntimeOptions): Promise<CriRuntime> {
    const cri = new CriClient({ endpoint: opts.endpoint });
    try {
      const version = await cri.version();
      const status = await cri.status();
      const notReady = (status.status?.conditions ?? []).filter((c) => !c.status);
      if (notReady.length) throw new Error(`the container runtime at ${opts.endpoint} is not ready: ${notReady.map((c) => `${c.type}: ${c.reason} ${c.message}`).join('; ')}`);
      return new CriRuntime(cri, opts, version);
    } catch (err) {
      cri.close();
      throw err;
    }
  }

  // ---- sandboxes ----

  private async runPodSandbox(pod: KubeObject, o: { logDirectory: string; hostname: string; clusterDns: string }): Promise<PodSandboxInfo> {
    const uid = pod.metadata.uid!;
    const existing = await this.cri.listPodSandbox({ labelSelector: { [POD_UID_LABEL]: uid } });
    const dns = resolvConfSettings(pod, o.clusterDns);
    const ready = existing.find((s) => s.state === 'SANDBOX_READY');
    if (ready) {
      const status = await this.cri.podSandboxStatus(ready.id);
      this.sandboxConfigs.set(ready.id, sandboxConfig({ pod, nodeName: this.opts.nodeName, hostname: o.hostname, logDirectory: o.logDirectory, dns, attempt: ready.metadata.attempt ?? 0, cgroupParent: this.cgroupParent(uid) }));
      return { id: ready.id, podIP: status.network?.ip ?? '' };
    }
    // A sandbox that is not ready (its network namespace died) is replaced, as the kubelet does.
    for (const old of existing) {
      await this.cri.stopPodSandbox(old.id).catch(() => {});
      await this.cri.removePodSandbox(old.id).catch(() => {});
    }
    mkdirSync(o.logDirectory, { recursive: true });
    const cgroupParent = this.cgroupParent(uid);
    if (cgroupParent && this.opts.podMaxPids && this.opts.podMaxPids > 0) limitPodPids(cgroupParent, this.opts.podMaxPids);
    const config = sandboxConfig({ pod, nodeName: this.opts.nodeName, hostname: o.hostname, logDirectory: o.logDirectory, dns, attempt: existing.length, cgroupParent });
    const id = await this.cri.runPodSandbox(config);
    this.sandboxConfigs.set(id, config);
    const status = await this.cri.podSandboxStatus(id);
    return { id, podIP: status.network?.ip ?? '' };
  }

  private async removePodSandboxes(uid: string): Promise<void> {
    for (const sb of await this.cri.listPodSandbox({ labelSelector: { [POD_UID_LABEL]: uid } })) {
      await this.cri.stopPodSandbox(sb.id).catch((err: Error) => this.opts.log.warn({ sandbox: sb.id, err: err.message }, 'stopping a pod sandbox failed'));
      await this.cri.removePodSandbox(sb.id).catch((err: Error) => this.opts.log.warn({ sandbox: sb.id, err: err.message }, 'removing a pod sandbox failed'));
      this.sandboxConfigs.delete(sb.id);
    }
    const cgroupParent = this.cgroupParent(uid);
    if (cgroupParent) removeCgroupTree(cgroupParent);
  }

  private cgroupParent(podUid: string): string | undefined {
    return this.opts.cgroupRoot ? podCgroupParent(this.opts.cgroupRoot, podUid) : undefined;
  }

  private async podUids(): Promise<Set<string>> {
    const list = await this.cri.listPodSandbox({ labelSelector: { [NODE_LABEL]: this.opts.nodeName } });
    return new Set(list.map((s) => s.labels[POD_UID_LABEL]).filter(Boolean));
  }

  /** Images containers use (by id), plus the sandbox image the runtime is configured with: GC keeps them. */
  private async imagesInUse(): Promise<Set<string>> {
    const used = new Set<string>();
    for (const c of await this.cri.listContainers()) {
      if (c.imageRef) used.add(c.imageRef);
      if (c.image?.image) used.add(c.image.image);
    }
    try {
      const config = JSON.parse((await this.cri.status(true)).info.config ?? '{}') as { sandboxImage?: string };
      const sandbox = config.sandboxImage ? await this.cri.imageStatus(config.sandboxImage) : undefined;
      if (sandbox) used.add(sandbox.id);
    } catch {
      /* a runtime that does not say: its sandbox image is pinned by the runtime itself, if at all */
    }
    return used;
  }

  // ---- containers ----

  async start(launch: ContainerLaunch): Promise<RunningContainer> {
    const spec = launch.spec;
    if (!spec) return this.failed(launch.runId, 'the CRI runtime needs the container spec');
    const sandbox = this.sandboxConfigs.get(spec.sandboxId);
    if (!sandbox) return this.failed(launch.runId, `pod sandbox ${spec.sandboxId} is not known to this agent`);
    const c = spec.container;
    // The termination message: a file the container may write at terminationMessagePath.
    const terminationLog = join(launch.containerDir, `termination-log-${spec.attempt}`);
    mkdirSync(launch.containerDir, { recursive: true });
    writeFileSync(terminationLog, '');
    const mounts = [...launch.mounts, { hostPath: terminationLog, containerPath: c.terminationMessagePath ?? '/dev/termination-log', readOnly: false }];
    const logDir = sandbox.logDirectory ?? '';
    const logPath = launch.logFile.startsWith(`${logDir}/`) ? launch.logFile.slice(logDir.length + 1) : `${c.name}/${spec.attempt}.log`;
    mkdirSync(dirname(launch.logFile), { recursive: true });
    const config = containerConfig({
      pod: spec.pod,
      container: c,
      nodeName: this.opts.nodeName,
      image: spec.imageRef ?? c.image ?? '',
      command: spec.command,
      args: spec.args,
      env: launch.env,
      mounts,
      attempt: spec.attempt,
      logPath,
      targetContainerId: spec.targetRecord && isCriRecord(spec.targetRecord) ? spec.targetRecord.containerId : undefined,
    });
    let containerId: string;
    try {
      containerId = await this.cri.createContainer(spec.sandboxId, config, sandbox);
    } catch (err) {
      return this.failed(launch.runId, (err as Error).message.replace(/^createContainer: /, ''));
    }
    const record: CriContainerRecord = { isolation: 'container', containerId, sandboxId: spec.sandboxId };
    const container = new CriRunningContainer(record, `containerd://${containerId}`, spec.imageRef, this.cri, this.opts.log, terminationLog);
    try {
      await this.cri.startContainer(containerId);
    } catch (err) {
      // The runtime records why (e.g. the executable is missing); the relist reports it as the exit.
      this.opts.log.info({ containerId, err: (err as Error).message }, 'starting a container failed');
    }
    this.track(container);
    return container;
  }

  async adopt(record: RuntimeRecord): Promise<RunningContainer | ContainerExit> {
    if (!isCriRecord(record)) return { exitCode: 137, reason: 'ContainerStatusUnknown', message: 'the container was a process of the process runtime', finishedAt: new Date() };
    let status: ContainerStatus;
    try {
      status = await this.cri.containerStatus(record.containerId);
    } catch (err) {
      if (err instanceof CriError && err.notFound) return { exitCode: 137, reason: 'ContainerStatusUnknown', message: 'The container could not be located when the pod was terminated', finishedAt: new Date() };
      throw err;
    }
    if (status.state === 'CONTAINER_CREATED') {
      // Created but never started: the agent that made it died before StartContainer. It never ran.
      return { exitCode: 128, reason: 'StartError', message: 'the container was created but not started before the agent restarted', finishedAt: new Date() };
    }
    if (status.state === 'CONTAINER_RUNNING') {
      const container = new CriRunningContainer({ ...record }, `containerd://${record.containerId}`, status.imageRef || undefined, this.cri, this.opts.log, undefined);
      this.track(container);
      return container;
    }
    return this.exitOf(status, undefined);
  }

  async exec(req: ExecRequest): Promise<ExecResult> {
    if (!req.record || !isCriRecord(req.record)) return { exitCode: 126, output: 'the container is not running', timedOut: false };
    const timeoutS = Math.max(1, Math.ceil(req.timeoutMs / 1000));
    try {
      const res = await this.cri.execSync(req.record.containerId, req.argv, timeoutS);
      const output = Buffer.concat([res.stdout, res.stderr]).subarray(0, 10_240).toString('utf8');
      return { exitCode: res.exitCode, output, timedOut: false };
    } catch (err) {
      const message = (err as Error).message;
      const timedOut = err instanceof CriError && (err.code === 4 || /timeout|deadline/i.test(err.details));
      return { exitCode: timedOut ? 124 : 126, output: message, timedOut };
    }
  }

  readonly streaming: StreamingService = {
    execUrl: (record, cmd, o) => this.cri.exec({ containerId: this.criContainerId(record), cmd, tty: o.tty, stdin: o.stdin, stdout: o.stdout, stderr: o.stderr && !o.tty }),
    attachUrl: (record, o) => this.cri.attach({ containerId: this.criContainerId(record), tty: o.tty, stdin: o.stdin, stdout: o.stdout, stderr: o.stderr && !o.tty }),
    portForwardUrl: (sandboxId, ports) => this.cri.portForward(sandboxId, ports),
  };

  private criContainerId(record: RuntimeRecord): string {
    if (!isCriRecord(record)) throw new Error('the container was not started by this runtime');
    return record.containerId;
  }

  /** Usage as the runtime measures it (ListContainerStats: cgroup cpuacct and memory working set). */
  async usage(records: RuntimeRecord[]): Promise<(ContainerUsage | undefined)[]> {
    const stats = await this.cri.listContainerStats({ labelSelector: { [NODE_LABEL]: this.opts.nodeName } });
    const byId = new Map(stats.map((s) => [s.attributes?.id ?? '', s]));
    return records.map((record) => {
      const s = isCriRecord(record) ? byId.get(record.containerId) : undefined;
      const cpuNs = s?.cpu?.usageCoreNanoSeconds?.value;
      if (!s || cpuNs === undefined) return undefined;
      const usage: ContainerUsage = { cpuNs, workingSetBytes: s.memory?.workingSetBytes?.value ?? 0 };
      if (s.memory?.usageBytes) usage.usageBytes = s.memory.usageBytes.value;
      if (s.memory?.rssBytes) usage.rssBytes = s.memory.rssBytes.value;
      return usage;
    });
  }

  async reopenContainerLog(record: RuntimeRecord): Promise<void> {
    if (isCriRecord(record)) await this.cri.reopenContainerLog(record.containerId);
  }

  release(record: RuntimeRecord): void {
    if (!isCriRecord(record)) return;
    this.running.delete(record.containerId);
    this.cri.removeContainer(record.containerId).catch((err: Error) => {
      if (!(err instanceof CriError && err.notFound)) this.opts.log.warn({ containerId: record.containerId, err: err.message }, 'removing a container failed');
    });
  }

  close(): void {
    this.closed = true;
    if (this.relister) clearInterval(this.relister);
    this.relister = undefined;
    this.running.clear();
    this.cri.close();
  }

  // ---- exits ----

  private failed(runId: string, message: string, reason: ExitReason = 'StartError'): RunningContainer {
    const container = new CriRunningContainer({ isolation: 'container', containerId: '', sandboxId: '' }, `containerd://${runId}`, undefined, this.cri, this.opts.log, undefined);
    container.finish({ exitCode: 128, reason, message, finishedAt: new Date() });
    return container;
  }

  private track(container: CriRunningContainer): void {
    this.running.set(container.record.containerId, container);
    if (!this.relister && !this.closed) {
      this.relister = setInterval(() => void this.relist(), this.opts.relistMs ?? RELIST_MS);
      this.relister.unref();
    }
  }

  private exitOf(status: ContainerStatus, terminationLog: string | undefined): ContainerExit {
    let message = status.message || undefined;
    if (terminationLog) {
      try {
        const text = readFileSync(terminationLog, 'utf8').slice(0, TERMINATION_MESSAGE_MAX);
        if (text) message = text;
      } catch {
        /* no message */
      }
    }
    // A container that never started (StartContainer failed) has no exit code of its own.
    const exitCode = status.state === 'CONTAINER_CREATED' ? 128 : status.exitCode;
    return { exitCode, reason: exitReason(status), ...(message ? { message } : {}), finishedAt: status.finishedAt ? nsToDate(status.finishedAt) : new Date() };
  }

  /** One relist: every tracked container no longer running is looked at and finished. */
  private async relist(): Promise<void> {
    if (this.relisting || this.closed) return;
    if (this.running.size === 0) {
      if (this.relister) clearInterval(this.relister);
      this.relister = undefined;
      return;
    }
    this.relisting = true;
    try {
      const list = await this.cri.listContainers({ state: { state: 'CONTAINER_RUNNING' }, labelSelector: { [NODE_LABEL]: this.opts.nodeName } });
      const alive = new Set(list.map((c) => c.id));
      for (const [id, container] of this.running) {
        if (alive.has(id) || container.finished) continue;
        let exit: ContainerExit;
        try {
          const status = await this.cri.containerStatus(id);
          if (status.state === 'CONTAINER_RUNNING') continue;
          exit = this.exitOf(status, container.terminationLog);
        } catch (err) {
          if (!(err instanceof CriError && err.notFound)) throw err;
          exit = { exitCode: 137, reason: 'ContainerStatusUnknown', message: 'The container could not be located', finishedAt: new Date() };
        }
        this.running.delete(id);
        container.finish(exit);
      }
    } catch (err) {
      this.opts.log.warn({ err: (err as Error).message }, 'listing containers failed');
    } finally {
      this.relisting = false;
    }
  }
}
