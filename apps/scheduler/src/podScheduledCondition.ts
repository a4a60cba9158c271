import type { KubeObject } from '@skiff/apimachinery';

export interface PodCondition {
  type: string;
  status: 'True' | 'False' | 'Unknown';
  reason?: string;
  message?: string;
  lastProbeTime?: string | null;
  lastTransitionTime?: string;
}

export const REASON_UNSCHEDULABLE = 'Unschedulable';

function rfc3339(d: Date): string {
  return d.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

export function podScheduledCondition(pod: KubeObject): PodCondition | undefined {
  const conditions = (pod.status as { conditions?: PodCondition[] } | undefined)?.conditions;
  return conditions?.find((c) => c.type === 'PodScheduled');
}

/**
 * The PodScheduled=False condition to store, or undefined when the pod already says exactly this
 * (compute, compare, then write: an unschedulable pod retried a hundred times is written once).
 * The transition time moves only when the status does, as Kubernetes' UpdatePodCondition does.
 */
export function unschedulableCondition(pod: KubeObject, message: string, now: Date): PodCondition | undefined {
  const old = podScheduledCondition(pod);
  if (old?.status === 'False' && old.reason === REASON_UNSCHEDULABLE && old.message === message) return undefined;
  return {
    type: 'PodScheduled',
    status: 'False',
    reason: REASON_UNSCHEDULABLE,
    message,
    lastTransitionTime: old?.status === 'False' && old.lastTransitionTime ? old.lastTransitionTime : rfc3339(now),
  };
}
