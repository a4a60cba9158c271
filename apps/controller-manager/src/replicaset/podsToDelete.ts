import type { KubeObject } from '@skiff/apimachinery';
import { isPodReady, nodeNameOf, podPhase, readySince, restartCount } from '../common/pods.js';

const PHASE_ORDER: Record<string, number> = { Pending: 0, Unknown: 1, Running: 2 };

/**
 * Which `count` pods a shrinking ReplicaSet deletes, in Kubernetes' order (controller.ActivePods
 * with ranks): unscheduled before scheduled, Pending before Unknown before Running, not ready
 * before ready, pods doubled up on a node before pods alone on theirs, ready for less time before
 * ready for longer, more restarts before fewer, newer before older.
 *
 * Example: three Running Ready pods, two on node-a and one on node-b, scaled to 2: one of the
 * node-a pods goes (rank 2 beats rank 1), so the survivors stay spread.
 */
export function podsToDelete(pods: readonly KubeObject[], count: number): KubeObject[] {
  if (count <= 0) return [];
  const perNode = new Map<string, number>();
  for (const p of pods) {
    const node = nodeNameOf(p);
    if (node) perNode.set(node, (perNode.get(node) ?? 0) + 1);
  }
  const rank = (p: KubeObject) => {
    const node = nodeNameOf(p);
    return node ? perNode.get(node)! : 0;
  };
  const ranked = [...pods].sort((a, b) => {
    const aNode = nodeNameOf(a) ? 1 : 0;
    const bNode = nodeNameOf(b) ? 1 : 0;
    if (aNode !== bNode) return aNode - bNode;
    const aPhase = PHASE_ORDER[podPhase(a)] ?? 0;
    const bPhase = PHASE_ORDER[podPhase(b)] ?? 0;
    if (aPhase !== bPhase) return aPhase - bPhase;
    const aReady = isPodReady(a) ? 1 : 0;
    const bReady = isPodReady(b) ? 1 : 0;
    if (aReady !== bReady) return aReady - bReady;
    if (rank(a) !== rank(b)) return rank(b) - rank(a);
    const aSince = readySince(a);
    const bSince = readySince(b);
    if (aSince !== undefined && bSince !== undefined && aSince !== bSince) return bSince - aSince;
    const aRestarts = restartCount(a);
    const bRestarts = restartCount(b);
    if (aRestarts !== bRestarts) return bRestarts - aRestarts;
    const aCreated = Date.parse(a.metadata.creationTimestamp ?? '') || 0;
    const bCreated = Date.parse(b.metadata.creationTimestamp ?? '') || 0;
    if (aCreated !== bCreated) return bCreated - aCreated;
    return (b.metadata.name ?? '').localeCompare(a.metadata.name ?? '');
  });
  return ranked.slice(0, count);
}
