import { NotFoundError, NODE, POD, resourceType, type KubeObject } from '@skiff/apimachinery';
import type { Store } from '@skiff/store';
import type { Logger } from 'pino';
import { nodeEndpoint } from './nodeEndpoint.js';
import type { ListPage, ListQuery } from './rest.js';
import type { ResourcePath } from './paths.js';

/**
 * `metrics.k8s.io/v1beta1`, served by the API server itself as metrics-server would serve it
 * behind the aggregator: NodeMetrics and PodMetrics built from each Ready node agent's summary API
 * (`/stats/summary`, reached with the node's token like logs), with a short cache so that
 * `kubectl top` and the HPA controller polling together cost one request per node per interval.
 * CPU is the agent's rate over its sampling window (nanocores); memory is the working set.
 */

export const METRICS_GROUP = 'metrics.k8s.io';
export const METRICS_VERSION = 'v1beta1';
export const NODE_METRICS = resourceType(METRICS_GROUP, METRICS_VERSION, 'nodes', 'NodeMetrics', false, { verbs: ['get', 'list'] });
export const POD_METRICS = resourceType(METRICS_GROUP, METRICS_VERSION, 'pods', 'PodMetrics', true, { verbs: ['get', 'list'] });
/** The header a node agent puts the window of its cpu rates in (ms). */
const STATS_WINDOW_HEADER = 'x-skiff-stats-window-ms';

interface CpuStats {
  time: string;
  usageNanoCores?: number;
}
interface MemoryStats {
  time: string;
  workingSetBytes?: number;
}
interface Summary {
  node?: { cpu?: CpuStats; memory?: MemoryStats };
  pods?: { podRef: { name: string; namespace: string; uid?: string }; containers?: { name: string; cpu?: CpuStats; memory?: MemoryStats }[] }[];
}

interface NodeSample {
  summary: Summary;
  windowMs: number;
}

export interface MetricsProviderOptions {
  store: Store;
  /** Lists through the REST layer, so selectors behave (and fail) as they do on every list. */
  list(path: ResourcePath, query: ListQuery): Promise<ListPage>;
  clock: () => Date;
  log: Logger;
  /** How long one node's summary is reused (default 5 s). */
  cacheMs?: number;
  /** How long a node agent may take to answer (default 5 s). */
  timeoutMs?: number;
}

/** A Go time.Duration as metav1.Duration prints it: `10s`, `10.064s`, `1m0s`. */
export function goDuration(ms: number): string {
  if (ms === 0) return '0s';
  const minutes = Math.floor(ms / 60_000);
  const seconds = (ms - minutes * 60_000) / 1000;
  const s = `${Number(seconds.toFixed(3))}s`;
  return minutes > 0 ? `${minutes}m${s}` : s;
}

/** Nanocores as resource.Quantity prints a value scaled 10^-9: `137840512n`, `500m`, `2`. */
export function cpuQuantity(nanoCores: number): string {
  const n = Math.round(nanoCores);
  if (n === 0) return '0';
  if (n % 1e9 === 0) return String(n / 1e9);
  if (n % 1e6 === 0) return `${n / 1e6}m`;
  if (n % 1e3 === 0) return `${n / 1e3}u`;
  return `${n}n`;
}

/** Bytes as a BinarySI quantity: the largest binary suffix that divides it, else plain bytes. */
export function memoryQuantity(bytes: number): string {
  let v = Math.round(bytes);
  if (v === 0) return '0';
  for (const suffix of ['', 'Ki', 'Mi', 'Gi', 'Ti', 'Pi']) {
    if (v % 1024 !== 0 || suffix === 'Pi') return `${v}${suffix}`;
    v /= 1024;
  }
  return String(bytes);
}

function isReady(node: KubeObject): boolean {
  const conditions = (node.status as { conditions?: { type: string; status: string }[] } | undefined)?.conditions ?? [];
  return conditions.some((c) => c.type === 'Ready' && c.status === 'True');
}

export class MetricsProvider {
  private readonly cache = new Map<string, { at: number; sample: Promise<NodeSample | undefined> }>();

  constructor(private readonly opts: MetricsProviderOptions) {}

  /** The latest summary of a node's agent, shared by the requests of the next few seconds. */
  private nodeSample(node: KubeObject): Promise<NodeSample | undefined> {
    const name = node.metadata.name!;
    const now = this.opts.clock().getTime();
    const cached = this.cache.get(name);
    if (cached && now - cached.at < (this.opts.cacheMs ?? 5000)) return cached.sample;
    const sample = this.fetchSample(node);
    this.cache.set(name, { at: now, sample });
    return sample;
  }

  private async fetchSample(node: KubeObject): Promise<NodeSample | undefined> {
    try {
      const { baseUrl, token } = await nodeEndpoint(this.opts.store, node);
      const res = await fetch(`${baseUrl}/stats/summary`, { headers: token ? { authorization: `Bearer ${token}` } : {}, signal: AbortSignal.timeout(this.opts.timeoutMs ?? 5000) });
      if (!res.ok) throw new Error(`the node agent answered ${res.status}`);
      return { summary: (await res.json()) as Summary, windowMs: Number(res.headers.get(STATS_WINDOW_HEADER) ?? 0) };
    } catch (err) {
      // As metrics-server: a node that cannot be scraped is left out, and so are its pods.
      this.opts.log.warn({ node: node.metadata.name, err: (err as Error).message }, 'cannot read the node agent\'s usage summary');
      this.cache.delete(node.metadata.name!);
      return undefined;
    }
  }

  private async readyNodeSamples(nodes: KubeObject[]): Promise<Map<string, NodeSample>> {
    const out = new Map<string, NodeSample>();
    const samples = await Promise.all(nodes.filter(isReady).map(async (n) => [n.metadata.name!, await this.nodeSample(n)] as const));
    for (const [name, s] of samples) if (s) out.set(name, s);
    return out;
  }

  private nodeMetrics(node: KubeObject, sample: NodeSample | undefined): KubeObject | undefined {
    const cpu = sample?.summary.node?.cpu;
    const memory = sample?.summary.node?.memory;
    if (cpu?.usageNanoCores === undefined || memory?.workingSetBytes === undefined) return undefined;
    return {
      apiVersion: `${METRICS_GROUP}/${METRICS_VERSION}`,
      kind: 'NodeMetrics',
      metadata: { name: node.metadata.name, creationTimestamp: this.now(), ...(node.metadata.labels ? { labels: node.metadata.labels } : {}) },
      timestamp: cpu.time,
      window: goDuration(sample!.windowMs),
      usage: { cpu: cpuQuantity(cpu.usageNanoCores), memory: memoryQuantity(memory.workingSetBytes) },
    };
  }

  /** A pod's metrics when every container of it has a cpu rate and a memory reading. */
  private podMetrics(pod: KubeObject, sample: NodeSample | undefined): KubeObject | undefined {
    const stats = sample?.summary.pods?.find((p) => p.podRef.namespace === pod.metadata.namespace && p.podRef.name === pod.metadata.name && (!p.podRef.uid || p.podRef.uid === pod.metadata.uid));
    const containers = stats?.containers ?? [];
    if (!containers.length || containers.some((c) => c.cpu?.usageNanoCores === undefined || c.memory?.workingSetBytes === undefined)) return undefined;
    return {
      apiVersion: `${METRICS_GROUP}/${METRICS_VERSION}`,
      kind: 'PodMetrics',
      metadata: { name: pod.metadata.name, namespace: pod.metadata.namespace, creationTimestamp: this.now(), ...(pod.metadata.labels ? { labels: pod.metadata.labels } : {}) },
      timestamp: containers[0].cpu!.time,
      window: goDuration(sample!.windowMs),
      containers: containers.map((c) => ({ name: c.name, usage: { cpu: cpuQuantity(c.cpu!.usageNanoCores!), memory: memoryQuantity(c.memory!.workingSetBytes!) } })),
    };
  }

  private now(): string {
    return this.opts.clock().toISOString().replace(/\.\d{3}Z$/, 'Z');
  }

  async listNodes(query: ListQuery): Promise<KubeObject> {
    const nodes = (await this.opts.list({ type: NODE }, { labelSelector: query.labelSelector, fieldSelector: query.fieldSelector })).items;
    const samples = await this.readyNodeSamples(nodes);
    const items = nodes.map((n) => this.nodeMetrics(n, samples.get(n.metadata.name!))).filter((m): m is KubeObject => !!m);
    return { kind: 'NodeMetricsList', apiVersion: `${METRICS_GROUP}/${METRICS_VERSION}`, metadata: {}, items };
  }

  async getNode(name: string): Promise<KubeObject> {
    const node = await this.opts.store.get({ group: '', resource: 'nodes', namespace: '', name });
    const metrics = node && isReady(node) ? this.nodeMetrics(node, await this.nodeSample(node)) : undefined;
    if (!metrics) throw new NotFoundError({ kind: 'nodemetrics', group: METRICS_GROUP, name });
    return metrics;
  }

  async listPods(namespace: string | undefined, query: ListQuery): Promise<KubeObject> {
    const pods = (await this.opts.list({ type: POD, namespace }, { labelSelector: query.labelSelector, fieldSelector: query.fieldSelector })).items;
    const nodeNames = new Set(pods.map((p) => (p.spec as { nodeName?: string } | undefined)?.nodeName).filter((n): n is string => !!n));
    const nodes = (await this.opts.list({ type: NODE }, {})).items.filter((n) => nodeNames.has(n.metadata.name!));
    const samples = await this.readyNodeSamples(nodes);
    const items = pods
      .map((p) => this.podMetrics(p, samples.get((p.spec as { nodeName?: string } | undefined)?.nodeName ?? '')))
      .filter((m): m is KubeObject => !!m);
    return { kind: 'PodMetricsList', apiVersion: `${METRICS_GROUP}/${METRICS_VERSION}`, metadata: {}, items };
  }

  async getPod(namespace: string, name: string): Promise<KubeObject> {
    const pod = await this.opts.store.get({ group: '', resource: 'pods', namespace, name });
    const nodeName = (pod?.spec as { nodeName?: string } | undefined)?.nodeName;
    const node = nodeName ? await this.opts.store.get({ group: '', resource: 'nodes', namespace: '', name: nodeName }) : undefined;
    const metrics = pod && node && isReady(node) ? this.podMetrics(pod, await this.nodeSample(node)) : undefined;
    // metrics-server names a missing pod's metrics namespace/name.
    if (!metrics) throw new NotFoundError({ kind: 'podmetrics', group: METRICS_GROUP, name: `${namespace}/${name}` });
    return metrics;
  }
}

/**
 * The request `/apis/metrics.k8s.io/v1beta1/...` makes: which resource, namespace and name.
 * Returns undefined for paths no route serves.
 */
export function parseMetricsPath(pathname: string): { resource: 'nodes' | 'pods'; namespace?: string; name?: string } | undefined {
  const prefix = `/apis/${METRICS_GROUP}/${METRICS_VERSION}/`;
  if (!pathname.startsWith(prefix)) return undefined;
  const parts = pathname.slice(prefix.length).split('/').filter(Boolean).map(decodeURIComponent);
  if (parts[0] === 'nodes' && parts.length <= 2) return { resource: 'nodes', name: parts[1] };
  if (parts[0] === 'pods' && parts.length === 1) return { resource: 'pods' };
  if (parts[0] === 'namespaces' && parts[2] === 'pods' && parts.length <= 4) return { resource: 'pods', namespace: parts[1], name: parts[3] };
  return undefined;
}

export function metricsApiResourceList(): object {
  return {
    kind: 'APIResourceList',
    apiVersion: 'v1',
    groupVersion: `${METRICS_GROUP}/${METRICS_VERSION}`,
    resources: [
      { name: 'nodes', singularName: '', namespaced: false, kind: 'NodeMetrics', verbs: ['get', 'list'] },
      { name: 'pods', singularName: '', namespaced: true, kind: 'PodMetrics', verbs: ['get', 'list'] },
    ],
  };
}
