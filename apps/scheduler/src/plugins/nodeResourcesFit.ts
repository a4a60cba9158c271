import { FITS, type FilterPlugin, type FilterResult, type NodeInfo, type PodInfo } from '../framework/types.js';

/**
 * NodeResourcesFit: the pod's requests plus those of the pods already on the node (assumed ones
 * included) stay within allocatable, for the pod count, cpu and memory. Every shortfall is a
 * reason, so a node short of both says "Insufficient cpu" and "Insufficient memory".
 *
 * Example: allocatable 2 CPU, pods on it requesting 1500m; a pod asking 600m needs 2100m > 2000m:
 * "Insufficient cpu". A pod that requests nothing only needs a free pod slot.
 */
export function fitsResources(pod: PodInfo, node: NodeInfo): FilterResult {
  const reasons: string[] = [];
  if (node.podCount + 1 > node.allocatable.pods) reasons.push('Too many pods');
  if (pod.requests.milliCpu > 0 && node.requested.milliCpu + pod.requests.milliCpu > node.allocatable.milliCpu) reasons.push('Insufficient cpu');
  if (pod.requests.memory > 0 && node.requested.memory + pod.requests.memory > node.allocatable.memory) reasons.push('Insufficient memory');
  return reasons.length ? { fits: false, reasons } : FITS;
}

export const NodeResourcesFit: FilterPlugin = { name: 'NodeResourcesFit', filter: fitsResources };
