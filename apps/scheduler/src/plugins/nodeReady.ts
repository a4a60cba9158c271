import { FITS, unfit, type FilterPlugin, type FilterResult, type NodeInfo, type PodInfo } from '../framework/types.js';
import { toleratesTaint } from '@skiff/apimachinery';

export const REASON_NOT_READY = 'node(s) were not ready';
export const REASON_UNSCHEDULABLE = 'node(s) were unschedulable';

/*
 * The taints Kubernetes' node lifecycle controller puts on such nodes: a pod that tolerates them
 * (a DaemonSet's, say) may still go there, exactly as it could in Kubernetes.
 */
const NOT_READY_TAINT = { key: 'node.kubernetes.io/not-ready', effect: 'NoSchedule' } as const;
const UNSCHEDULABLE_TAINT = { key: 'node.kubernetes.io/unschedulable', effect: 'NoSchedule' } as const;

/** NodeReady: the node's Ready condition is True and it is not cordoned (`spec.unschedulable`). */
export function isNodeReady(pod: PodInfo, node: NodeInfo): FilterResult {
  if (node.unschedulable && !pod.tolerations.some((t) => toleratesTaint(t, UNSCHEDULABLE_TAINT))) return unfit(REASON_UNSCHEDULABLE);
  if (!node.ready && !pod.tolerations.some((t) => toleratesTaint(t, NOT_READY_TAINT))) return unfit(REASON_NOT_READY);
  return FITS;
}

export const NodeReady: FilterPlugin = { name: 'NodeReady', filter: isNodeReady };
