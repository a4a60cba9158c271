import type { Pod } from 'kubernetes-types/core/v1.js';

export interface OrphanPlan {
  /** Pods to mark Failed and force-delete. */
  delete: Pod[];
  /** When the next pod leaves quarantine, if one is waiting. */
  nextInMs?: number;
}

/**
 * Which pods bound to a node that no longer exists go now. Kubernetes waits (40 s) after it first
 * misses a node, so a node that registers just after its first pod is bound is not mistaken for a
 * dead one; here the wait is counted from each pod's creation, which needs no memory of when the
 * node was first missed. Pods already being deleted with no grace left are skipped.
 * Example: pods created 60 s and 10 s ago on a missing node -> delete the first, look again in 30 s.
 */
export function planOrphanedPods(pods: readonly Pod[], now: Date, quarantineMs: number): OrphanPlan {
  const plan: OrphanPlan = { delete: [] };
  for (const pod of pods) {
    if (pod.metadata?.deletionTimestamp && (pod.metadata.deletionGracePeriodSeconds ?? 0) === 0) continue;
    const created = Date.parse(pod.metadata?.creationTimestamp ?? '') || 0;
    const wait = created + quarantineMs - now.getTime();
    if (wait <= 0) plan.delete.push(pod);
    else plan.nextInMs = plan.nextInMs === undefined ? wait : Math.min(plan.nextInMs, wait);
  }
  return plan;
}
