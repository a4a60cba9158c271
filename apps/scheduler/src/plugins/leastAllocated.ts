import { MAX_NODE_SCORE, type NodeInfo, type PodInfo, type ScorePlugin } from '../framework/types.js';

/** One resource's share left free after placing the pod, as 0..100 (integer, as Kubernetes scores). */
export function freeShare(requested: number, allocatable: number): number {
  if (allocatable <= 0 || requested > allocatable) return 0;
  return Math.floor(((allocatable - requested) * MAX_NODE_SCORE) / allocatable);
}

/**
 * LeastAllocated: prefer the node with the most cpu and memory left once the pod is on it, each
 * resource weighted equally. Requests count with their defaults (100m, 200Mi) so request-less pods
 * spread too.
 *
 * Example: 4 CPU / 8Gi allocatable, 1 CPU / 2Gi already requested, a pod asking 1 CPU / 2Gi:
 * cpu (4000-2000)*100/4000 = 50, memory 50, score (50+50)/2 = 50.
 */
export function leastAllocatedScore(pod: PodInfo, node: NodeInfo): number {
  const cpu = freeShare(node.nonZeroRequested.milliCpu + pod.nonZeroRequests.milliCpu, node.allocatable.milliCpu);
  const memory = freeShare(node.nonZeroRequested.memory + pod.nonZeroRequests.memory, node.allocatable.memory);
  return Math.floor((cpu + memory) / 2);
}

export const LeastAllocated: ScorePlugin = { name: 'LeastAllocated', score: leastAllocatedScore };
