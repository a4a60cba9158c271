import type { KubeObject } from '@skiff/apimachinery';
import { nodeConditions, type NodeCondition } from './nodeHealth.js';

/** The kubelet-posted conditions that become Unknown when the kubelet goes silent. */
const KUBELET_CONDITIONS = ['Ready', 'MemoryPressure', 'DiskPressure', 'PIDPressure'];

/**
 * The node's conditions once its kubelet stopped posting: Ready and the pressure conditions
 * Unknown (reason NodeStatusUnknown), keeping their last heartbeat; a Ready condition the kubelet
 * never posted is added as NodeStatusNeverUpdated. Undefined when they already say so.
 */
export function unknownNodeConditions(node: KubeObject, now: string): NodeCondition[] | undefined {
  const existing = nodeConditions(node);
  let changed = false;
  const next = existing.map((c) => {
    if (!KUBELET_CONDITIONS.includes(c.type) || c.status === 'Unknown') return c;
    changed = true;
    return { ...c, status: 'Unknown' as const, reason: 'NodeStatusUnknown', message: 'Kubelet stopped posting node status.', lastTransitionTime: now };
  });
  if (!existing.some((c) => c.type === 'Ready')) {
    changed = true;
    next.push({ type: 'Ready', status: 'Unknown', reason: 'NodeStatusNeverUpdated', message: 'Kubelet never posted node status.', lastHeartbeatTime: now, lastTransitionTime: now });
  }
  return changed ? next : undefined;
}
