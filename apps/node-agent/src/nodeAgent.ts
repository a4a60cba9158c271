import { DNS_SERVICE_IP } from '@skiff/apimachinery';
import { chmodSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { ApiClient } from '@skiff/kube-client';
import { pino, type Logger } from 'pino';
import { EventRecorder } from './eventRecorder.js';
import { ImageGarbageCollector } from './images/imageGc.js';
import { ImagePuller } from './images/imagePuller.js';
import { isLoopbackCidr, parseCidr } from './network/podCidr.js';
import { fileBackedAllocator, PodIpAllocator } from './network/podIpAllocator.js';
import { readHostInfo } from './node/hostInfo.js';
import { NodeHeartbeat } from './node/nodeHeartbeat.js';
import { allocatableNumbers, buildNode, nodeStatus, type NodeCondition, type NodeConfig } from './node/nodeObject.js';
import { registerNode } from './node/registerNode.js';
import { PodManager } from './pods/podManager.js';
import { stopContainersOfEarlierBoot } from './pods/earlierBoot.js';
import { decideIsolation, type IsolationRequest } from './runtime/isolation.js';
import { MemoryCgroups } from './runtime/memoryCgroup.js';
import { CriRuntime } from './runtime/criRuntime.js';
import { ProcessRuntime } from './runtime/processRuntime.js';
import { isSameProcessAlive, readProcStat } from './runtime/procfs.js';
import type { ContainerRuntime, IsolationMode } from './runtime/runtime.js';
import { startAgentServer, type AgentServer } from './server/agentServer.js';
import { createStreamingHandler } from './server/streamingServer.js';
import { SimulatedPods } from './simulate/simulatedPods.js';
import { StatsCollector } from './stats/statsCollector.js';
import { simulatedUsageSummary } from './simulate/simulatedUsage.js';
import { systemClock, type Clock } from './time.js';
import { LocalVolumeCleaner } from './volumes/localVolumeCleaner.js';
import { ContainerLogManager } from './logs/containerLogManager.js';
import { CONTAINER_LOG_DEFAULTS } from './logs/logRotation.js';

export interface NodeAgentOptions {
  /** The API server's URL. */
  server: string;
  /** The node's bearer token; the agent's own HTTP endpoint accepts the same token. */
  token: string;
  /** PEM of the API server's CA (else the process's trusted CAs, incl. NODE_EXTRA_CA_CERTS). */
  ca?: string;
  nodeName: string;
  /**
   * The node's pod CIDR. Process pods get addresses from it inside 127.0.0.0/8 (they share the
   * host's loopback); with a container runtime it is the runtime's CNI network (e.g. 10.88.1.0/24).
   */
  podCidr: string;
  /**
   * A CRI runtime's socket (`unix:///run/containerd/containerd.sock`): pods are OCI containers from
   * their images, each in its own network namespace. Without it pods are processes.
   */
  containerRuntimeEndpoint?: string;
  /** How often node, pod and container usage is sampled (the summary API's cpu rates are over this window; default 10 s). */
  statsIntervalMs?: number;
  /** Container log rotation (the kubelet's containerLogMaxSize and containerLogMaxFiles; default 10Mi, 5). */
  containerLogMaxSizeBytes?: number;
  containerLogMaxFiles?: number;
  /** How often running containers' log sizes are checked (default 10 s, as the kubelet). */
  containerLogMonitorIntervalMs?: number;
  /** How often the node's image list (status.images) is refreshed with a container runtime. */
  imageListMs?: number;
  /** Image GC: above this much of the image filesystem in use (percent, default 85), unused images are removed... */
  imageGcHighThresholdPercent?: number;
  /** ...until usage is below this (percent, default 80). */
  imageGcLowThresholdPercent?: number;
  /** How often image GC looks (default 5 minutes, as the kubelet). */
  imageGcIntervalMs?: number;
  /** Container pods: the cgroup pods' cgroups go under (the kubelet's --cgroup-root). */
  cgroupRoot?: string;
  /** Container pods: the most processes one pod may have (the kubelet's --pod-max-pids; needs cgroupRoot). */
  podMaxPids?: number;
  dataDir: string;
  /** The agent's HTTP port (logs); 0 picks a free one. */
  port?: number;
  /** The node's InternalIP, where the HTTP endpoint listens. */
  nodeIp?: string;
  cpu?: string;
  memory?: string;
  maxPods?: number;
  labels?: Record<string, string>;
  heartbeatMs?: number;
  /** How often the Node status is computed and written if it changed (kubelet's nodeStatusUpdateFrequency); default: every heartbeat. */
  nodeStatusMs?: number;
  /** How often an unchanged Node status is written all the same (kubelet's nodeStatusReportFrequency); default 5 minutes. */
  nodeStatusReportMs?: number;
  /** Register, heartbeat and report pods Running without running anything (like kwok). */
  simulate?: boolean;
  isolation?: IsolationRequest;
  backoffBaseMs?: number;
  backoffMaxMs?: number;
  /** The cluster DNS address written into pods' /etc/resolv.conf (default DNS_SERVICE_IP). */
  clusterDns?: string;
  /** Stop the pods' containers when the agent stops (default: leave them for the next agent to adopt). */
  stopPodsOnExit?: boolean;
  /** The longest a clean shutdown waits for containers to stop before killing them. */
  shutdownGraceMs?: number;
  /**
   * This boot of the node's machine (nodeInfo.bootID; default the kernel's). Containers recorded
   * under another boot id are stopped at start rather than adopted (pods/earlierBoot.ts); `skiff
   * up` gives each of its runs its own.
   */
  bootId?: string;
  /**
   * The longest a terminating pod waits for no Endpoints to list it as ready before its containers
   * get preStop and SIGTERM anyway (default 2000 ms; never more than half the grace period).
   */
  rotationWaitMaxMs?: number;
  logger?: Logger;
  clock?: Clock;
}

export interface NodeAgent {
  nodeName: string;
  /** The agent's HTTP port. */
  port: number;
  isolation: IsolationMode;
  dataDir: string;
  /** The number of pods the agent runs. */
  podCount(): number;
  close(opts?: { stopPods?: boolean }): Promise<void>;
}

export const DEFAULTS = {
  port: 0,
  nodeIp: '127.0.0.1',
  maxPods: 110,
  heartbeatMs: 2000,
  backoffBaseMs: 10_000,
  backoffMaxMs: 300_000,
  shutdownGraceMs: 10_000,
};

/**
 * One agent per data directory at a time: two agents adopting the same processes would run a
 * pod's containers twice.
 */
function lockDataDir(dataDir: string): () => void {
  const file = join(dataDir, 'agent.pid');
  if (existsSync(file)) {
    try {
      const { pid, procStart } = JSON.parse(readFileSync(file, 'utf8')) as { pid: number; procStart: number };
      if (pid !== process.pid && isSameProcessAlive(pid, procStart)) {
        throw new Error(`another node agent (pid ${pid}) is using the data directory ${dataDir}`);
      }
    } catch (err) {
      if ((err as Error).message.startsWith('another node agent')) throw err;
    }
  }
  writeFileSync(file, JSON.stringify({ pid: process.pid, procStart: readProcStat(process.pid)?.startTime ?? 0 }));
  return () => rmSync(file, { force: true });
}

async function untilRegistered<T>(what: () => Promise<T>, log: Logger, stopped: () => boolean): Promise<T> {
  let delay = 200;
  for (;;) {
    try {
      return await what();
    } catch (err) {
      if (stopped()) throw err;
      log.warn({ err: (err as Error).message, retryInMs: delay }, 'registering the node failed; retrying');
      await new Promise((r) => setTimeout(r, delay));
      delay = Math.min(delay * 2, 5000);
    }
  }
}

/**
 * Starts a node agent: registers the Node, heartbeats, runs the pods bound to it (or pretends to,
 * with `simulate`) and serves their logs. Resolves once the node is registered and the first list
 * of its pods has been taken in.
 */
export async function startNodeAgent(options: NodeAgentOptions): Promise<NodeAgent> {
  const opts = { ...DEFAULTS, ...options };
  const log = opts.logger ?? pino({ base: { node: opts.nodeName } });
  const clock = opts.clock ?? systemClock;
  const dataDir = resolve(opts.dataDir);
  const cidr = parseCidr(opts.podCidr);
  if (!opts.simulate && !opts.containerRuntimeEndpoint && !isLoopbackCidr(cidr)) {
    throw new Error(`--pod-cidr ${opts.podCidr} must lie inside 127.0.0.0/8: pods share the host's loopback interface`);
  }
  // Pods' secret volumes, logs and the node token live here: only the agent's user may look in
  // (kubelet's /var/lib/kubelet/pods is likewise closed). Containers reach their volumes through
  // bind mounts, which do not need these directories open.
  for (const dir of [dataDir, join(dataDir, 'pods')]) {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    chmodSync(dir, 0o700);
  }
  const unlock = lockDataDir(dataDir);
  let closed = false;
  let imageTimer: NodeJS.Timeout | undefined;
  let gcTimer: NodeJS.Timeout | undefined;
  // What a failed start must undo, newest first.
  const undo: (() => Promise<void> | void)[] = [unlock];

  try {
    const client = new ApiClient({ server: opts.server, token: opts.token, ca: opts.ca, userAgent: `skiff-node-agent/${opts.nodeName}` });
    const hostInfo = readHostInfo();
    const host = options.bootId ? { ...hostInfo, bootID: options.bootId } : hostInfo;
    const cri = !opts.simulate && opts.containerRuntimeEndpoint ? await CriRuntime.connect({ endpoint: opts.containerRuntimeEndpoint, nodeName: opts.nodeName, log, cgroupRoot: opts.cgroupRoot, podMaxPids: opts.podMaxPids }) : undefined;
    if (cri) undo.unshift(() => cri.close());
    const decision: { mode: IsolationMode; message: string; bwrapPath?: string; nsenterPath?: string } = cri
      ? { mode: 'container', message: cri.isolationMessage }
      : opts.simulate
        ? { mode: 'none', message: 'simulated node: pods are reported running but nothing runs' }
        : await decideIsolation(opts.isolation ?? 'auto');
    const heartbeatMs = opts.heartbeatMs;
    const ipam = opts.simulate ? new PodIpAllocator(opts.podCidr) : fileBackedAllocator(opts.podCidr, join(dataDir, 'ipam.json'));
    const cgroups = opts.simulate || cri ? undefined : MemoryCgroups.open(opts.nodeName);
    const cfg: NodeConfig = {
      name: opts.nodeName,
      podCIDR: opts.podCidr,
      nodeIP: opts.nodeIp,
      port: 0,
      cpu: opts.cpu,
      memory: opts.memory,
      maxPods: opts.maxPods,
      labels: opts.labels ?? {},
      isolation: { mode: decision.mode, message: decision.message },
      simulated: !!opts.simulate,
      runtimeVersion: cri?.version,
      images: cri ? [] : undefined,
      volumeDir: opts.simulate ? undefined : join(dataDir, 'volumes'),
    };

    let pods: PodManager | undefined;
    let simulated: SimulatedPods | undefined;
    let runtime: ContainerRuntime | undefined;
    if (opts.simulate) {
      simulated = new SimulatedPods({ client, nodes: new Map([[opts.nodeName, ipam]]), hostIP: opts.nodeIp, log, clock, fieldSelector: `spec.nodeName=${opts.nodeName}` });
    } else {
      runtime =
        cri ??
        new ProcessRuntime({
          isolation: decision.mode === 'bubblewrap' ? 'bubblewrap' : 'none',
          isolationMessage: decision.message,
          bwrapPath: decision.bwrapPath,
          nsenterPath: decision.nsenterPath,
          cgroups,
          log,
        });
      const events = new EventRecorder(client, opts.nodeName, log, clock);
      const backoff = { baseMs: opts.backoffBaseMs, maxMs: opts.backoffMaxMs };
      pods = new PodManager({
        nodeName: opts.nodeName,
        hostIP: opts.nodeIp,
        podsDir: join(dataDir, 'pods'),
        runtime,
        images: runtime.images ? new ImagePuller({ images: runtime.images, events, backoff, clock, log }) : undefined,
        ipam,
        client,
        log,
        events,
        backoff,
        clock,
        nodeAllocatable: allocatableNumbers(cfg, host),
        clusterDns: opts.clusterDns ?? DNS_SERVICE_IP,
        rotationWaitMaxMs: opts.rotationWaitMaxMs,
      });
      const stopped = await stopContainersOfEarlierBoot({ dataDir, podsDir: join(dataDir, 'pods'), bootId: host.bootID, runtime, log, graceMs: opts.shutdownGraceMs });
      if (stopped) log.info({ stopped, bootId: host.bootID }, 'stopped the containers an earlier boot of this node left running');
    }

    const stats = pods && runtime ? new StatsCollector({ nodeName: opts.nodeName, runtime, containers: () => pods!.runningContainers(), intervalMs: opts.statsIntervalMs ?? 10_000, clock, log }) : undefined;
    const server: AgentServer = await startAgentServer({
      host: opts.nodeIp,
      port: opts.port,
      tokens: [opts.token],
      logs: (ns, name, container, previous) =>
        pods ? pods.logTarget(ns, name, container, previous) : { ok: true, file: '', until: Promise.resolve() },
      pods: () => pods?.pods() ?? simulated?.pods() ?? [],
      stats: stats
        ? () => stats.summary()
        : simulated
          ? () => ({ summary: simulatedUsageSummary(opts.nodeName, simulated!.pods(), clock()), windowMs: opts.statsIntervalMs ?? 10_000 })
          : undefined,
      streaming: createStreamingHandler({
        runtime,
        target: (ns, name, container) => (pods ? pods.streamTarget(ns, name, container) : { ok: false, status: 404, message: `pod ${ns}/${name} not found on this node` }),
        log,
      }),
      log,
    });
    cfg.port = server.port;
    undo.unshift(() => server.close());

    let conditions: NodeCondition[] | undefined;
    const status = (now: Date) => {
      const s = nodeStatus(cfg, host, now, conditions);
      conditions = s.conditions as NodeCondition[];
      return s;
    };
    const node = await untilRegistered(() => registerNode(client, { ...buildNode(cfg, host, clock()), status: status(clock()) }), log, () => closed);
    log.info({ isolation: decision.mode, runtime: cri?.version, port: server.port, podCidr: opts.podCidr, cgroups: !!cgroups, simulate: !!opts.simulate }, decision.message);

    const heartbeat = new NodeHeartbeat({
      client,
      nodeName: opts.nodeName,
      nodeUid: node.metadata.uid,
      heartbeatMs,
      statusMs: opts.nodeStatusMs ?? heartbeatMs,
      statusReportMs: opts.nodeStatusReportMs,
      status,
      log,
      clock,
    });
    undo.unshift(() => heartbeat.stop());
    await heartbeat.start();

    if (cri) {
      // status.images, as the kubelet reports them (`kubectl get node -o yaml`).
      const refresh = async () => {
        try {
          cfg.images = (await cri.images.listImages())
            .sort((a, b) => b.sizeBytes - a.sizeBytes)
            .slice(0, 50)
            .map((i) => ({ names: i.names, sizeBytes: i.sizeBytes }));
        } catch (err) {
          log.debug({ err: (err as Error).message }, 'listing images failed');
        }
      };
      await refresh();
      imageTimer = setInterval(() => void refresh(), opts.imageListMs ?? 10_000);
      imageTimer.unref();
      undo.unshift(() => clearInterval(imageTimer));
      const gc = new ImageGarbageCollector({
        ...cri.images,
        log,
        policy: { highThresholdPercent: opts.imageGcHighThresholdPercent ?? 85, lowThresholdPercent: opts.imageGcLowThresholdPercent ?? 80 },
      });
      gcTimer = setInterval(() => void gc.collect().then((removed) => (removed.length ? refresh() : undefined)).catch((err: Error) => log.warn({ err: err.message }, 'image GC failed')), opts.imageGcIntervalMs ?? 300_000);
      gcTimer.unref();
      undo.unshift(() => clearInterval(gcTimer));
    }

    const cleaner = cfg.volumeDir ? new LocalVolumeCleaner({ client, nodeName: opts.nodeName, volumeDir: cfg.volumeDir, log }) : undefined;
    cleaner?.start();
    undo.unshift(() => cleaner?.stop());

    if (stats) {
      stats.start();
      undo.unshift(() => stats.stop());
    }
    const logRotation = pods && runtime ? containerLogManager(pods, runtime, opts, log) : undefined;
    logRotation?.start();
    undo.unshift(() => logRotation?.stop());
    if (pods) {
      pods.start();
      undo.unshift(() => pods.close(!!opts.stopPodsOnExit, opts.shutdownGraceMs));
      await pods.waitForSync();
    } else {
      simulated!.start();
      undo.unshift(() => simulated?.stop());
      await simulated!.waitForSync();
    }
    log.info({}, 'node agent running');

    return {
      nodeName: opts.nodeName,
      port: server.port,
      isolation: decision.mode,
      dataDir,
      podCount: () => pods?.size ?? simulated?.pods().length ?? 0,
      close: async (closeOpts = {}) => {
        if (closed) return;
        closed = true;
        heartbeat.stop();
        stats?.stop();
        await logRotation?.stop();
        clearInterval(imageTimer);
        clearInterval(gcTimer);
        simulated?.stop();
        cleaner?.stop();
        await pods?.close(closeOpts.stopPods ?? !!opts.stopPodsOnExit, opts.shutdownGraceMs);
        await server.close();
        unlock();
        log.info({}, 'node agent stopped');
      },
    };
  } catch (err) {
    closed = true;
    for (const step of undo) await step();
    throw err;
  }
}

/** Rotates the running containers' logs; a runtime that writes them itself reopens them. */
function containerLogManager(pods: PodManager, runtime: ContainerRuntime, opts: NodeAgentOptions, log: Logger): ContainerLogManager {
  const reopen = runtime.reopenContainerLog?.bind(runtime);
  return new ContainerLogManager({
    policy: { maxSizeBytes: opts.containerLogMaxSizeBytes ?? CONTAINER_LOG_DEFAULTS.maxSizeBytes, maxFiles: opts.containerLogMaxFiles ?? CONTAINER_LOG_DEFAULTS.maxFiles },
    logs: () => pods.runningContainers().map((c) => ({ file: c.logFile, reopen: reopen ? () => reopen(c.record) : undefined })),
    intervalMs: opts.containerLogMonitorIntervalMs ?? 10_000,
    log,
  });
}
