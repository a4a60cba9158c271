import { MAX_NODE_SCORE, type NodeInfo, type PodInfo, type ScorePlugin } from '../framework/types.js';

/** Pods with the same controlling owner (ReplicaSet, ...) already on the node: the raw score. */
export function sameOwnerPods(pod: PodInfo, node: NodeInfo): number {
  return pod.ownerUid ? (node.podsByOwner.get(pod.ownerUid) ?? 0) : 0;
}

/**
 * Fewer same-owner pods means a higher score: MAX * (max - count) / max over the feasible nodes,
 * so the emptiest nodes get 100 and the fullest 0; if no node has one, all get 100.
 *
 * Example: counts [0, 1, 2] -> [100, 50, 0].
 */
export function normalizeSpread(counts: number[]): void {
  let max = 0;
  for (const c of counts) if (c > max) max = c;
  for (let i = 0; i < counts.length; i++) {
    counts[i] = max === 0 ? MAX_NODE_SCORE : Math.floor((MAX_NODE_SCORE * (max - counts[i])) / max);
  }
}

/** OwnerSpread: spreads the pods of one ReplicaSet (or any controller) across nodes. */
export const OwnerSpread: ScorePlugin = { name: 'OwnerSpread', score: sameOwnerPods, normalize: normalizeSpread };
