import type { KubeObject } from '@skiff/apimachinery';
import { NOT_READY_TAINT_KEY, UNREACHABLE_TAINT_KEY } from './nodeTaints.js';
import { toleratesTaint } from '@skiff/apimachinery';
import type { Taint, Toleration } from './tolerations.js';

export interface EvictionPlan {
  /** Pods whose time on the node is up. */
  evict: KubeObject[];
  /** When the next pod's time is up, if any pod is still waiting. */
  nextInMs?: number;
}

/**
 * When a pod must leave a node with these NoExecute taints, in ms since the epoch (Infinity: never).
 * Per taint, from its timeAdded (else `since`, the node's Ready transition):
 *   tolerated without tolerationSeconds  -> never;
 *   tolerated for tolerationSeconds      -> after the shortest matching tolerationSeconds;
 *   not tolerated, not-ready/unreachable -> after `defaultMs` (Kubernetes' DefaultTolerationSeconds, 300 s);
 *   not tolerated, any other NoExecute   -> at once.
 * Example: unreachable since 12:00:00, default 300 s, a toleration of 60 s -> 12:01:00; none -> 12:05:00.
 */
export function evictionTime(pod: KubeObject, taints: readonly Taint[], since: number, defaultMs: number): number {
  const tolerations = ((pod.spec as { tolerations?: Toleration[] } | undefined)?.tolerations) ?? [];
  let at = Infinity;
  for (const taint of taints) {
    if (taint.effect !== 'NoExecute') continue;
    const added = taint.timeAdded ? Date.parse(taint.timeAdded) : since;
    const matching = tolerations.filter((t) => toleratesTaint(t, taint));
    let taintAt: number;
    if (matching.length === 0) taintAt = [NOT_READY_TAINT_KEY, UNREACHABLE_TAINT_KEY].includes(taint.key) ? added + defaultMs : added;
    else if (matching.some((t) => t.tolerationSeconds === undefined || t.tolerationSeconds === null)) taintAt = Infinity;
    else taintAt = added + Math.max(0, Math.min(...matching.map((t) => t.tolerationSeconds!))) * 1000;
    at = Math.min(at, taintAt);
  }
  return at;
}

/** Which pods on a NoExecute-tainted node are due for eviction now, and when the next one is. */
export function podsToEvict(pods: readonly KubeObject[], taints: readonly Taint[], since: number, now: Date, defaultMs: number): EvictionPlan {
  const evict: KubeObject[] = [];
  let next = Infinity;
  for (const pod of pods) {
    const at = evictionTime(pod, taints, since, defaultMs);
    if (at <= now.getTime()) evict.push(pod);
    else next = Math.min(next, at);
  }
  return { evict, ...(Number.isFinite(next) ? { nextInMs: next - now.getTime() } : {}) };
}
