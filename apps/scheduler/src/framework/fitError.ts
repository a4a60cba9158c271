/** Kubernetes' message when there are no nodes at all (ErrNoNodesAvailable). */
export const NO_NODES_AVAILABLE = 'no nodes available to schedule pods';

/**
 * The PodScheduled=False message, worded as kube-scheduler's FitError: how many nodes failed for
 * each reason, "count reason" strings sorted as strings (so "10 ..." sorts before "2 ...", as in
 * Kubernetes), e.g. `0/3 nodes are available: 1 node(s) didn't match Pod's node affinity/selector,
 * 2 Insufficient cpu.` A node that fails for two reasons counts under both.
 */
export function formatFitError(numAllNodes: number, reasons: ReadonlyMap<string, number>): string {
  if (numAllNodes === 0) return NO_NODES_AVAILABLE;
  const parts = [...reasons].map(([reason, count]) => `${count} ${reason}`).sort();
  return `0/${numAllNodes} nodes are available: ${parts.join(', ')}.`;
}

/**
 * The message when a PreFilter fails the pod on every node at once (a claim that does not exist):
 * kube-scheduler's FitError with the plugin's message, `0/3 nodes are available: persistentvolumeclaim "data" not found.`
 */
export function formatPreFilterError(numAllNodes: number, message: string): string {
  if (numAllNodes === 0) return NO_NODES_AVAILABLE;
  return `0/${numAllNodes} nodes are available: ${message}.`;
}
