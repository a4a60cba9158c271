import { cpuMillis, deepEqual, parseQuantity, type KubeObject } from '@skiff/apimachinery';
import type { NodeInfo, Resources, Taint } from './types.js';

/** The properties of a Node object that scheduling reads. */
export interface NodeProperties {
  labels: Record<string, string>;
  taints: Taint[];
  unschedulable: boolean;
  ready: boolean;
  allocatable: Resources & { pods: number };
}

/** What one pod on a node adds to the node's usage. */
export interface PodUsage {
  requests: Resources;
  nonZeroRequests: Resources;
  ownerUid?: string;
  /** Terminating pods still hold resources but no longer count for spreading. */
  terminating: boolean;
}

export interface MutableNodeInfo extends NodeInfo {
  labels: Record<string, string>;
  taints: Taint[];
  allocatable: Resources & { pods: number };
  requested: Resources;
  nonZeroRequested: Resources;
  podsByOwner: Map<string, number>;
}

interface NodeObject {
  spec?: { unschedulable?: boolean; taints?: Taint[] };
  status?: {
    allocatable?: Record<string, string | number>;
    capacity?: Record<string, string | number>;
    conditions?: { type: string; status: string }[];
  };
}

function quantity(parse: (q: string | number) => number, q: string | number | undefined): number {
  if (q === undefined) return 0;
  try {
    return parse(q);
  } catch {
    return 0;
  }
}

/** Reads a Node. A missing or unparsable allocatable quantity counts as 0, as Kubernetes does. */
export function nodeProperties(node: KubeObject): NodeProperties {
  const { spec, status } = node as unknown as NodeObject;
  const alloc = status?.allocatable ?? status?.capacity ?? {};
  return {
    labels: node.metadata.labels ?? {},
    taints: spec?.taints ?? [],
    unschedulable: spec?.unschedulable === true,
    ready: status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false,
    allocatable: {
      milliCpu: quantity(cpuMillis, alloc.cpu),
      memory: quantity((q) => Math.floor(parseQuantity(q)), alloc.memory),
      pods: quantity((q) => Math.floor(parseQuantity(q)), alloc.pods),
    },
  };
}

/** Whether a change from `a` to `b` could change a scheduling decision. */
export function samePropertiesForScheduling(a: NodeProperties, b: NodeProperties): boolean {
  return deepEqual(a, b);
}

export function emptyNodeInfo(name: string, props?: NodeProperties): MutableNodeInfo {
  return {
    name,
    labels: props?.labels ?? {},
    taints: props?.taints ?? [],
    unschedulable: props?.unschedulable ?? false,
    ready: props?.ready ?? false,
    allocatable: props?.allocatable ?? { milliCpu: 0, memory: 0, pods: 0 },
    requested: { milliCpu: 0, memory: 0 },
    nonZeroRequested: { milliCpu: 0, memory: 0 },
    podCount: 0,
    podsByOwner: new Map(),
  };
}

export function setNodeProperties(info: MutableNodeInfo, props: NodeProperties): void {
  info.labels = props.labels;
  info.taints = props.taints;
  info.unschedulable = props.unschedulable;
  info.ready = props.ready;
  info.allocatable = props.allocatable;
}

/** Adds (sign 1) or removes (sign -1) a pod's usage: the incremental bookkeeping that keeps a scheduling decision O(nodes). */
export function applyPodUsage(info: MutableNodeInfo, usage: PodUsage, sign: 1 | -1): void {
  info.requested.milliCpu += sign * usage.requests.milliCpu;
  info.requested.memory += sign * usage.requests.memory;
  info.nonZeroRequested.milliCpu += sign * usage.nonZeroRequests.milliCpu;
  info.nonZeroRequested.memory += sign * usage.nonZeroRequests.memory;
  info.podCount += sign;
  if (usage.ownerUid && !usage.terminating) {
    const n = (info.podsByOwner.get(usage.ownerUid) ?? 0) + sign;
    if (n <= 0) info.podsByOwner.delete(usage.ownerUid);
    else info.podsByOwner.set(usage.ownerUid, n);
  }
}
