import { NotFoundError } from '@skiff/apimachinery';
import { ApiClient, Informer, resourceType } from '@skiff/kube-client';
import { pino, type Logger } from 'pino';
import { PodIpAllocator } from '../network/podIpAllocator.js';
import { readHostInfo } from '../node/hostInfo.js';
import { NodeHeartbeat } from '../node/nodeHeartbeat.js';
import { buildNode, nodeStatus, type NodeCondition, type NodeConfig } from '../node/nodeObject.js';
import { registerNode } from '../node/registerNode.js';
import { startAgentServer } from '../server/agentServer.js';
import { systemClock, type Clock } from '../time.js';
import { SimulatedPods } from './simulatedPods.js';

export interface SimulatedNodesOptions {
  server: string;
  /** A token allowed to list and watch all pods (an admin token): one watch serves every node. */
  token: string;
  ca?: string;
  count: number;
  /** Nodes are named `<namePrefix><i>`, i from `startIndex` (default 0). */
  namePrefix?: string;
  startIndex?: number;
  /** The pod CIDR of node i; by default 127.<100 + i/256>.<i%256>.0/24. */
  podCidr?: (index: number) => string;
  heartbeatMs?: number;
  /** How often each node's status is computed and written if it changed; default: every heartbeat. */
  nodeStatusMs?: number;
  /** How often an unchanged status is written all the same; default 5 minutes (kubelet's). */
  nodeStatusReportMs?: number;
  cpu?: string;
  memory?: string;
  maxPods?: number;
  labels?: Record<string, string>;
  /** The shared client's request rate (client-go's QPS and Burst); unset: no limit. */
  qps?: number;
  burst?: number;
  logger?: Logger;
  clock?: Clock;
}

export interface SimulatedNodes {
  nodeNames: string[];
  /** Pods on these nodes the API server reports (the shared watch's view). */
  podCount(): number;
  /**
   * Stops heartbeats and the pod watch; with `removeNodes`, deletes the Nodes too (their Leases
   * go with them, owned by the Node; the pod garbage collector removes the pods bound to them).
   */
  close(opts?: { removeNodes?: boolean }): Promise<void>;
}

const NODES = resourceType('nodes');

export function defaultSimulatedPodCidr(i: number): string {
  return `127.${100 + Math.floor(i / 256)}.${i % 256}.0/24`;
}

async function inBatches<T>(items: T[], size: number, fn: (item: T) => Promise<void>): Promise<void> {
  for (let i = 0; i < items.length; i += size) await Promise.all(items.slice(i, i + size).map(fn));
}

/** kubelet's node registration backoff: from 100 ms, doubling, at most 7 s apart. */
const REGISTER_BACKOFF_MS = { first: 100, max: 7000 };

/** Runs `attempt` until it succeeds or `stopped()`; undefined if stopped first. */
async function retrying<T>(what: string, log: Logger, stopped: () => boolean, attempt: () => Promise<T>): Promise<T | undefined> {
  let delay = REGISTER_BACKOFF_MS.first;
  for (let failures = 0; !stopped(); failures++) {
    try {
      return await attempt();
    } catch (err) {
      if (failures === 0) log.warn({ err: (err as Error).message }, `${what} failed; retrying`);
      await new Promise((r) => setTimeout(r, delay));
      delay = Math.min(delay * 2, REGISTER_BACKOFF_MS.max);
    }
  }
  return undefined;
}

/**
 * Many simulated nodes in one process, for scale benchmarks: each registers and heartbeats as
 * its own Node, while one shared pod watch and one HTTP endpoint serve them all, so a thousand
 * nodes cost about what one does plus their heartbeats.
 */
export async function startSimulatedNodes(opts: SimulatedNodesOptions): Promise<SimulatedNodes> {
  const log = opts.logger ?? pino({ base: { component: 'simulated-nodes' } });
  const clock = opts.clock ?? systemClock;
  const client = new ApiClient({ server: opts.server, token: opts.token, ca: opts.ca, userAgent: 'skiff-node-agent/simulated', qps: opts.qps, burst: opts.burst });
  const host = readHostInfo();
  const prefix = opts.namePrefix ?? 'sim-node-';
  const start = opts.startIndex ?? 0;
  const heartbeatMs = opts.heartbeatMs ?? 10_000;
  const cidrOf = opts.podCidr ?? defaultSimulatedPodCidr;
  const nodes = new Map<string, PodIpAllocator>();
  const configs: NodeConfig[] = [];
  for (let i = start; i < start + opts.count; i++) {
    const name = `${prefix}${i}`;
    nodes.set(name, new PodIpAllocator(cidrOf(i)));
    configs.push({
      name,
      podCIDR: cidrOf(i),
      nodeIP: '127.0.0.1',
      port: 0,
      cpu: opts.cpu ?? '32',
      memory: opts.memory ?? '256Gi',
      maxPods: opts.maxPods ?? 110,
      labels: { type: 'simulated', ...(opts.labels ?? {}) },
      isolation: { mode: 'none', message: 'simulated node: pods are reported running but nothing runs' },
      simulated: true,
    });
  }

  const pods = new SimulatedPods({ client, nodes, hostIP: '127.0.0.1', log, clock });
  // What each node's status is compared with before it is written: one watch of the Nodes instead
  // of a GET per node per status period, as a thousand kubelets would send.
  const storedNodes = new Informer(client, NODES, {}, { log });
  storedNodes.start();
  await storedNodes.waitForSync();
  const server = await startAgentServer({
    host: '127.0.0.1',
    port: 0,
    tokens: [opts.token],
    logs: () => ({ ok: true, file: '', until: Promise.resolve() }),
    pods: () => pods.pods(),
    log,
  });
  const heartbeats: NodeHeartbeat[] = [];
  let closed = false;
  await inBatches(configs, 32, async (cfg) => {
    cfg.port = server.port;
    let conditions: NodeCondition[] | undefined;
    const status = (now: Date) => {
      const s = nodeStatus(cfg, host, now, conditions);
      conditions = s.conditions as NodeCondition[];
      return s;
    };
    // A busy API server times requests out: each node keeps trying to register, as a kubelet does,
    // rather than the whole process failing.
    const hb = await retrying(`registering ${cfg.name}`, log, () => closed, async () => {
      const node = await registerNode(client, { ...buildNode(cfg, host, clock()), status: status(clock()) });
      const beat = new NodeHeartbeat({
        client,
        nodeName: cfg.name,
        nodeUid: node.metadata.uid,
        heartbeatMs,
        statusMs: opts.nodeStatusMs ?? heartbeatMs,
        statusReportMs: opts.nodeStatusReportMs,
        status,
        storedStatus: async () => storedNodes.get(cfg.name)?.status as Record<string, unknown> | undefined,
        log,
        clock,
      });
      await beat.renewLease();
      return beat;
    });
    if (!hb) return;
    heartbeats.push(hb);
    // Spread the heartbeats over the period instead of sending them all at once.
    setTimeout(() => void hb.start(), Math.floor(Math.random() * heartbeatMs)).unref();
  });
  pods.start();
  await pods.waitForSync();
  log.info({ count: opts.count }, 'simulated nodes running');
  return {
    nodeNames: configs.map((c) => c.name),
    podCount: () => pods.pods().length,
    close: async ({ removeNodes = false } = {}) => {
      closed = true;
      for (const hb of heartbeats) hb.stop();
      pods.stop();
      storedNodes.stop();
      await server.close();
      if (!removeNodes) return;
      await inBatches(configs, 32, async (cfg) => {
        try {
          await client.delete(NODES, undefined, cfg.name);
        } catch (err) {
          if (!(err instanceof NotFoundError)) log.warn({ node: cfg.name, err: (err as Error).message }, 'removing a simulated node failed');
        }
      });
    },
  };
}
