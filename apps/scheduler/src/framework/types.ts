import type { PodVolumes } from '../plugins/volumeBinding.js';

/**
 * The scheduling framework's vocabulary: what a plugin sees of a pod and of a node, and what it
 * answers. Plugins are pure: they read these views and return values; only the binder does I/O.
 * (Kubernetes `pkg/scheduler/framework/interface.go`, much simplified.)
 */

/** CPU in millicores, memory in bytes. */
export interface Resources {
  milliCpu: number;
  memory: number;
}

export interface Toleration {
  key?: string;
  operator?: 'Equal' | 'Exists';
  value?: string;
  effect?: '' | 'NoSchedule' | 'PreferNoSchedule' | 'NoExecute';
}

export interface Taint {
  key: string;
  value?: string;
  effect: 'NoSchedule' | 'PreferNoSchedule' | 'NoExecute';
}

/** One parsed `matchExpressions` / `matchFields` entry of a node selector term. */
export type NodeSelectorRequirement =
  | { key: string; operator: 'In' | 'NotIn'; values: string[] }
  | { key: string; operator: 'Exists' | 'DoesNotExist' }
  | { key: string; operator: 'Gt' | 'Lt'; value: number };

/** A term matches when all its requirements do; `terms` are ORed. */
export interface NodeSelectorTerm {
  matchExpressions: NodeSelectorRequirement[];
  /** Only `metadata.name` is a field a node can be selected by. */
  matchFields: NodeSelectorRequirement[];
}

/** What the scheduler needs of a pending pod, parsed once per scheduling attempt. */
export interface PodInfo {
  namespace: string;
  name: string;
  uid: string;
  /** What the pod asks for: containers summed, init containers as a floor (see podRequests). */
  requests: Resources;
  /** Requests with Kubernetes' defaults for unset values (100m, 200Mi): what scoring counts. */
  nonZeroRequests: Resources;
  nodeSelector: Record<string, string>;
  /** `affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms`, if set. */
  requiredNodeAffinity?: NodeSelectorTerm[];
  tolerations: Toleration[];
  /** uid of the controlling ownerReference (ReplicaSet, ...), for spreading. */
  ownerUid?: string;
  /** The pod's claims as VolumeBinding read them before filtering (absent: no claims looked at). */
  volumes?: PodVolumes;
}

/** A node as the scheduler sees it: its properties plus what the pods already on it use. */
export interface NodeInfo {
  name: string;
  labels: Readonly<Record<string, string>>;
  taints: readonly Taint[];
  unschedulable: boolean;
  ready: boolean;
  allocatable: Readonly<Resources & { pods: number }>;
  /** Sum of the requests of the non-terminated pods on the node (including pods just assumed). */
  requested: Readonly<Resources>;
  nonZeroRequested: Readonly<Resources>;
  podCount: number;
  /** Non-terminating pods on the node by controller owner uid. */
  podsByOwner: ReadonlyMap<string, number>;
}

/** A filter's answer: fits, or why not, in Kubernetes' words ("Insufficient cpu"). */
export type FilterResult = { fits: true } | { fits: false; reasons: string[] };

export const FITS: FilterResult = Object.freeze({ fits: true });

export function unfit(...reasons: string[]): FilterResult {
  return { fits: false, reasons };
}

export interface FilterPlugin {
  name: string;
  filter(pod: PodInfo, node: NodeInfo): FilterResult;
}

/** The highest score a plugin gives a node (Kubernetes' MaxNodeScore). */
export const MAX_NODE_SCORE = 100;

export interface ScorePlugin {
  name: string;
  /** A raw score for one feasible node; 0..MAX_NODE_SCORE unless `normalize` maps it there. */
  score(pod: PodInfo, node: NodeInfo): number;
  /** Maps the raw scores of all feasible nodes onto 0..MAX_NODE_SCORE, in place. */
  normalize?(scores: number[]): void;
}

/** Which plugins run, in which order, with which score weights: the registry as data. */
export interface Profile {
  filters: readonly FilterPlugin[];
  scores: readonly { plugin: ScorePlugin; weight: number }[];
}
