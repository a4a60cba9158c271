import type { KubeObject } from '@skiff/apimachinery';
import type { Taint } from './tolerations.js';

export const UNREACHABLE_TAINT_KEY = 'node.kubernetes.io/unreachable';
export const NOT_READY_TAINT_KEY = 'node.kubernetes.io/not-ready';
const OURS = [UNREACHABLE_TAINT_KEY, NOT_READY_TAINT_KEY];

/** Whether the node carries the NoExecute taint this controller adds for NotReady (of either key). */
export function hasNotReadyNoExecuteTaint(taints: readonly Taint[]): boolean {
  return taints.some((t) => t.effect === 'NoExecute' && OURS.includes(t.key));
}

export function nodeTaints(node: KubeObject): Taint[] {
  return ((node.spec as { taints?: Taint[] } | undefined)?.taints) ?? [];
}

/**
 * The taints a node should carry for its Ready status: Unknown -> unreachable, False -> not-ready,
 * each as NoSchedule (keep new pods off) and NoExecute (evict running ones); True -> neither.
 * `noExecute` false leaves the NoExecute half off (or takes it away): the eviction rate limit has not
 * let the node through yet, or the whole cluster is NotReady.
 * Other taints are kept; a taint already present keeps its timeAdded (eviction is measured from it).
 * Returns undefined when nothing changes, so a converged node is not written.
 */
export function desiredNodeTaints(current: readonly Taint[], ready: 'True' | 'False' | 'Unknown', now: string, noExecute = true): Taint[] | undefined {
  const key = ready === 'Unknown' ? UNREACHABLE_TAINT_KEY : ready === 'False' ? NOT_READY_TAINT_KEY : undefined;
  const effects = noExecute ? (['NoSchedule', 'NoExecute'] as const) : (['NoSchedule'] as const);
  const wanted: Taint[] = key
    ? effects.map((effect) => current.find((t) => t.key === key && t.effect === effect) ?? { key, effect, timeAdded: now })
    : [];
  const others = current.filter((t) => !OURS.includes(t.key));
  const next = [...others, ...wanted];
  const same = next.length === current.length && next.every((t) => current.includes(t));
  return same ? undefined : next;
}
