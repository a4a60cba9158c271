import { untoleratedTaint } from '@skiff/apimachinery';
import { FITS, unfit, type FilterPlugin, type FilterResult, type NodeInfo, type PodInfo, type Taint, type Toleration } from '../framework/types.js';

/** The first NoSchedule or NoExecute taint no toleration covers; PreferNoSchedule only matters for scoring. */
export function findUntoleratedTaint(taints: readonly Taint[], tolerations: readonly Toleration[]): Taint | undefined {
  return untoleratedTaint(taints, tolerations, ['NoSchedule', 'NoExecute']);
}

/** TaintToleration: a node's NoSchedule and NoExecute taints each need a matching toleration. */
export function toleratesNodeTaints(pod: PodInfo, node: NodeInfo): FilterResult {
  const taint = findUntoleratedTaint(node.taints, pod.tolerations);
  return taint ? unfit(`node(s) had untolerated taint {${taint.key}: ${taint.value ?? ''}}`) : FITS;
}

export const TaintToleration: FilterPlugin = { name: 'TaintToleration', filter: toleratesNodeTaints };
