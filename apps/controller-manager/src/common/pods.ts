import type { KubeObject } from '@skiff/apimachinery';

export interface PodCondition {
  type: string;
  status: string;
  reason?: string;
  message?: string;
  lastTransitionTime?: string;
}

interface PodStatus {
  phase?: string;
  conditions?: PodCondition[];
  containerStatuses?: { restartCount?: number }[];
}

/** What reading a pod's status needs: a stored object or a kubernetes-types Pod. */
export type PodLike = { metadata?: unknown; status?: unknown };

function statusOf(pod: PodLike): PodStatus {
  return (pod.status ?? {}) as PodStatus;
}

export function podCondition(pod: PodLike, type: string): PodCondition | undefined {
  return statusOf(pod).conditions?.find((c) => c.type === type);
}

export function podPhase(pod: PodLike): string {
  return statusOf(pod).phase ?? 'Pending';
}

export function nodeNameOf(pod: KubeObject): string | undefined {
  return (pod.spec as { nodeName?: string } | undefined)?.nodeName || undefined;
}

/** Counts toward a controller's replicas: not finished and not being deleted. */
export function isPodActive(pod: KubeObject): boolean {
  const phase = podPhase(pod);
  return phase !== 'Succeeded' && phase !== 'Failed' && !pod.metadata.deletionTimestamp;
}

export function isPodReady(pod: PodLike): boolean {
  return podCondition(pod, 'Ready')?.status === 'True';
}

/** When a Ready pod became Ready (ms), or undefined. */
export function readySince(pod: PodLike): number | undefined {
  const c = podCondition(pod, 'Ready');
  if (c?.status !== 'True') return undefined;
  const t = c.lastTransitionTime ? Date.parse(c.lastTransitionTime) : NaN;
  return Number.isNaN(t) ? undefined : t;
}

/**
 * Available = Ready for at least minReadySeconds. A Ready pod without a transition time counts as
 * available only when minReadySeconds is 0.
 */
export function isPodAvailable(pod: PodLike, minReadySeconds: number, now: Date): boolean {
  if (!isPodReady(pod)) return false;
  if (minReadySeconds <= 0) return true;
  const since = readySince(pod);
  return since !== undefined && since + minReadySeconds * 1000 <= now.getTime();
}

export function restartCount(pod: PodLike): number {
  return (statusOf(pod).containerStatuses ?? []).reduce((n, c) => n + (c.restartCount ?? 0), 0);
}
