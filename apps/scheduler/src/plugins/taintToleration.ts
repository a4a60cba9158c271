import { FITS, unfit, type FilterPlugin, type FilterResult, type NodeInfo, type PodInfo, type Taint, type Toleration } from '../framework/types.js';

/**
 * Whether one toleration tolerates one taint. An empty effect tolerates every effect; an empty key
 * with `Exists` tolerates every taint (validation allows an empty key only with `Exists`); `Equal`,
 * the default operator, also compares values.
 */
export function toleratesTaint(toleration: Toleration, taint: Taint): boolean {
  if (toleration.effect && toleration.effect !== taint.effect) return false;
  if (toleration.key && toleration.key !== taint.key) return false;
  switch (toleration.operator ?? 'Equal') {
    case 'Exists':
      return true;
    case 'Equal':
      return (toleration.value ?? '') === (taint.value ?? '');
    default:
      return false;
  }
}

export function toleratesAny(tolerations: readonly Toleration[], taint: Taint): boolean {
  return tolerations.some((t) => toleratesTaint(t, taint));
}

/** The first NoSchedule or NoExecute taint no toleration covers; PreferNoSchedule only matters for scoring. */
export function findUntoleratedTaint(taints: readonly Taint[], tolerations: readonly Toleration[]): Taint | undefined {
  return taints.find((taint) => (taint.effect === 'NoSchedule' || taint.effect === 'NoExecute') && !toleratesAny(tolerations, taint));
}

/** TaintToleration: a node's NoSchedule and NoExecute taints each need a matching toleration. */
export function toleratesNodeTaints(pod: PodInfo, node: NodeInfo): FilterResult {
  const taint = findUntoleratedTaint(node.taints, pod.tolerations);
  return taint ? unfit(`node(s) had untolerated taint {${taint.key}: ${taint.value ?? ''}}`) : FITS;
}

export const TaintToleration: FilterPlugin = { name: 'TaintToleration', filter: toleratesNodeTaints };
