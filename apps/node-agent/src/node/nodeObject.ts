import { ANN_NODE_VOLUME_DIR, formatBytes, parseQuantity, type KubeObject } from '@skiff/apimachinery';
import { rfc3339 } from '../time.js';
import type { HostInfo } from './hostInfo.js';

/** The Node object and its status, built as pure functions from the agent's configuration and the host. */

export const KUBELET_VERSION = 'v1.32.0-skiff';
export const ISOLATION_ANNOTATION = 'skiff.dev/isolation';
export const SIMULATED_ANNOTATION = 'skiff.dev/simulated';

export interface NodeConfig {
  name: string;
  podCIDR: string;
  /** InternalIP, and where the agent's HTTP endpoint listens. */
  nodeIP: string;
  port: number;
  /** Quantities; from the host when not configured. */
  cpu?: string;
  memory?: string;
  maxPods: number;
  labels: Record<string, string>;
  isolation: { mode: 'bubblewrap' | 'none' | 'container'; message: string };
  simulated: boolean;
  /** nodeInfo.containerRuntimeVersion (`containerd://1.6.20`); `process://<isolation>` when absent. */
  runtimeVersion?: string;
  /** The images on the node (status.images), for runtimes that run images; refreshed by the agent. */
  images?: { names: string[]; sizeBytes: number }[];
  /** Where the local-path provisioner's volumes of this node go (`<data dir>/volumes`). */
  volumeDir?: string;
}

export interface NodeCondition {
  type: string;
  status: 'True' | 'False' | 'Unknown';
  reason: string;
  message: string;
  lastHeartbeatTime: string;
  lastTransitionTime: string;
}

export function nodeLabels(cfg: NodeConfig, host: HostInfo): Record<string, string> {
  return {
    'beta.kubernetes.io/arch': host.architecture,
    'beta.kubernetes.io/os': 'linux',
    ...cfg.labels,
    'kubernetes.io/arch': host.architecture,
    'kubernetes.io/hostname': cfg.name,
    'kubernetes.io/os': 'linux',
  };
}

export function nodeAnnotations(cfg: NodeConfig): Record<string, string> {
  return {
    [ISOLATION_ANNOTATION]: cfg.isolation.mode,
    ...(cfg.simulated ? { [SIMULATED_ANNOTATION]: 'true' } : {}),
    ...(cfg.volumeDir ? { [ANN_NODE_VOLUME_DIR]: cfg.volumeDir } : {}),
  };
}

/** Node capacity: CPUs and memory from the flags or the host, pods from --max-pods. */
export function nodeCapacity(cfg: NodeConfig, host: HostInfo): Record<string, string> {
  const memory = cfg.memory !== undefined ? parseQuantity(cfg.memory) : host.memoryBytes;
  return {
    cpu: cfg.cpu ?? String(host.cpus),
    memory: memory % 1024 === 0 ? `${memory / 1024}Ki` : formatBytes(memory),
    pods: String(cfg.maxPods),
  };
}

/** The node's allocatable resources in base units (cores, bytes), for the downward API. */
export function allocatableNumbers(cfg: NodeConfig, host: HostInfo): { cpu: number; memory: number } {
  const cap = nodeCapacity(cfg, host);
  return { cpu: parseQuantity(cap.cpu), memory: parseQuantity(cap.memory) };
}

function condition(type: string, status: 'True' | 'False', reason: string, message: string, now: Date, previous: NodeCondition[] | undefined): NodeCondition {
  const old = previous?.find((c) => c.type === type);
  const at = rfc3339(now);
  return { type, status, reason, message, lastHeartbeatTime: at, lastTransitionTime: old && old.status === status ? old.lastTransitionTime : at };
}

export function nodeConditions(cfg: NodeConfig, now: Date, previous?: NodeCondition[]): NodeCondition[] {
  const isolated = cfg.isolation.mode !== 'none';
  const reason = cfg.isolation.mode === 'container' ? 'ContainerRuntime' : isolated ? 'BubblewrapSandbox' : 'IsolationUnavailable';
  return [
    condition('MemoryPressure', 'False', 'KubeletHasSufficientMemory', 'kubelet has sufficient memory available', now, previous),
    condition('DiskPressure', 'False', 'KubeletHasNoDiskPressure', 'kubelet has no disk pressure', now, previous),
    condition('PIDPressure', 'False', 'KubeletHasSufficientPID', 'kubelet has sufficient PID available', now, previous),
    condition('Ready', 'True', 'KubeletReady', 'kubelet is posting ready status', now, previous),
    condition('Isolated', isolated ? 'True' : 'False', reason, cfg.isolation.message, now, previous),
  ];
}

export function nodeStatus(cfg: NodeConfig, host: HostInfo, now: Date, previous?: NodeCondition[]): Record<string, unknown> {
  const capacity = nodeCapacity(cfg, host);
  return {
    capacity,
    allocatable: { ...capacity },
    conditions: nodeConditions(cfg, now, previous),
    addresses: [
      { type: 'InternalIP', address: cfg.nodeIP },
      { type: 'Hostname', address: cfg.name },
    ],
    daemonEndpoints: { kubeletEndpoint: { Port: cfg.port } },
    nodeInfo: {
      machineID: host.machineID,
      systemUUID: host.systemUUID,
      bootID: host.bootID,
      kernelVersion: host.kernelVersion,
      osImage: host.osImage,
      containerRuntimeVersion: cfg.simulated ? 'process://simulated' : (cfg.runtimeVersion ?? `process://${cfg.isolation.mode}`),
      kubeletVersion: KUBELET_VERSION,
      kubeProxyVersion: '',
      operatingSystem: 'linux',
      architecture: host.architecture,
    },
    ...(cfg.images ? { images: cfg.images } : {}),
  };
}

export function buildNode(cfg: NodeConfig, host: HostInfo, now: Date): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name: cfg.name, labels: nodeLabels(cfg, host), annotations: nodeAnnotations(cfg) },
    spec: { podCIDR: cfg.podCIDR, podCIDRs: [cfg.podCIDR] },
    status: nodeStatus(cfg, host, now),
  };
}

/**
 * The existing Node updated for a re-registering agent: its labels and annotations set, the pod
 * CIDR filled in if it had none (it may never change once set), everything else (taints added by
 * controllers, other labels) kept. Returns undefined when nothing needs changing.
 */
export function reregisteredNode(existing: KubeObject, desired: KubeObject): KubeObject | undefined {
  const next = structuredClone(existing);
  let changed = false;
  for (const field of ['labels', 'annotations'] as const) {
    const want = desired.metadata[field] ?? {};
    const have = { ...(next.metadata[field] ?? {}) };
    for (const [k, v] of Object.entries(want)) {
      if (have[k] !== v) {
        have[k] = v;
        changed = true;
      }
    }
    next.metadata[field] = have;
  }
  const spec = { ...((next.spec as Record<string, unknown> | undefined) ?? {}) };
  const wantSpec = desired.spec as { podCIDR: string; podCIDRs: string[] };
  if (!spec.podCIDR) {
    spec.podCIDR = wantSpec.podCIDR;
    spec.podCIDRs = wantSpec.podCIDRs;
    changed = true;
  }
  next.spec = spec;
  return changed ? next : undefined;
}
