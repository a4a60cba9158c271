import type { KubeObject } from '@skiff/apimachinery';
import type { Taint } from './tolerations.js';

export const UNREACHABLE_TAINT_KEY = 'node.kubernetes.io/unreachable';
export const NOT_READY_TAINT_KEY = 'node.kubernetes.io/not-ready';
const OURS = [UNREACHABLE_TAINT_KEY, NOT_READY_TAINT_KEY];

export function nodeTaints(node: KubeObject): Taint[] {
  return ((node.spec as { taints?: Taint[] } | undefined)?.taints) ?? [];
}

/**
 * The taints a node should carry for its Ready status: Unknown -> unreachable, False -> not-ready,
 * each as NoSchedule (keep new pods off) and NoExecute (evict running ones); True -> neither.
 * Other taints are kept; a taint already present keeps its timeAdded (eviction is measured from it).
 * Returns undefined when nothing changes, so a converged node is not written.
 */
export function desiredNodeTaints(current: readonly Taint[], ready: 'True' | 'False' | 'Unknown', now: string): Taint[] | undefined {
  const key = ready === 'Unknown' ? UNREACHABLE_TAINT_KEY : ready === 'False' ? NOT_READY_TAINT_KEY : undefined;
  const wanted: Taint[] = key
    ? (['NoSchedule', 'NoExecute'] as const).map((effect) => current.find((t) => t.key === key && t.effect === effect) ?? { key, effect, timeAdded: now })
    : [];
  const others = current.filter((t) => !OURS.includes(t.key));
  const next = [...others, ...wanted];
  const same = next.length === current.length && next.every((t) => current.includes(t));
  return same ? undefined : next;
}
