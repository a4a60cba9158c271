import { deepEqual, type KubeObject } from '@skiff/apimachinery';
import { isPodAvailable, isPodReady, readySince } from '../common/pods.js';

export interface ReplicaSetCondition {
  type: string;
  status: string;
  reason?: string;
  message?: string;
  lastTransitionTime?: string;
}

export interface ReplicaSetStatus {
  replicas: number;
  fullyLabeledReplicas: number;
  readyReplicas: number;
  availableReplicas: number;
  observedGeneration?: number;
  conditions?: ReplicaSetCondition[];
}

export interface ComputedStatus {
  status: ReplicaSetStatus;
  /** When the next Ready pod becomes available (minReadySeconds), if one is waiting. */
  nextAvailableAt?: number;
}

/**
 * The status a ReplicaSet should have given its active pods. `failure` sets (or, when null,
 * clears) the ReplicaFailure condition; undefined keeps what is stored.
 */
export function computeReplicaSetStatus(rs: KubeObject, activePods: readonly KubeObject[], now: Date, failure?: { reason: string; message: string } | null): ComputedStatus {
  const spec = (rs.spec ?? {}) as { minReadySeconds?: number; template?: { metadata?: { labels?: Record<string, string> } } };
  const minReady = spec.minReadySeconds ?? 0;
  const templateLabels = spec.template?.metadata?.labels ?? {};
  let fullyLabeled = 0;
  let ready = 0;
  let available = 0;
  let nextAvailableAt: number | undefined;
  for (const p of activePods) {
    const labels = p.metadata.labels ?? {};
    if (Object.entries(templateLabels).every(([k, v]) => labels[k] === v)) fullyLabeled++;
    if (!isPodReady(p)) continue;
    ready++;
    if (isPodAvailable(p, minReady, now)) available++;
    else {
      const at = (readySince(p) ?? now.getTime()) + minReady * 1000;
      nextAvailableAt = nextAvailableAt === undefined ? at : Math.min(nextAvailableAt, at);
    }
  }
  const stored = ((rs.status ?? {}) as Partial<ReplicaSetStatus>).conditions ?? [];
  let conditions = stored.filter((c) => c.type !== 'ReplicaFailure');
  const previous = stored.find((c) => c.type === 'ReplicaFailure');
  if (failure) {
    conditions.push(
      previous && previous.reason === failure.reason && previous.message === failure.message
        ? previous
        : { type: 'ReplicaFailure', status: 'True', reason: failure.reason, message: failure.message, lastTransitionTime: rfc3339(now) },
    );
  } else if (failure === undefined && previous) {
    conditions.push(previous);
  }
  if (conditions.length === 0) conditions = [];
  const status: ReplicaSetStatus = {
    replicas: activePods.length,
    fullyLabeledReplicas: fullyLabeled,
    readyReplicas: ready,
    availableReplicas: available,
    observedGeneration: rs.metadata.generation,
  };
  if (conditions.length) status.conditions = conditions;
  return { status, nextAvailableAt };
}

/** Compares the fields the controller owns, so a converged ReplicaSet is not rewritten. */
export function sameReplicaSetStatus(stored: unknown, next: ReplicaSetStatus): boolean {
  const s = (stored ?? {}) as Partial<ReplicaSetStatus>;
  return (
    (s.replicas ?? 0) === next.replicas &&
    (s.fullyLabeledReplicas ?? 0) === next.fullyLabeledReplicas &&
    (s.readyReplicas ?? 0) === next.readyReplicas &&
    (s.availableReplicas ?? 0) === next.availableReplicas &&
    s.observedGeneration === next.observedGeneration &&
    deepEqual(s.conditions ?? [], next.conditions ?? [])
  );
}

export function rfc3339(d: Date): string {
  return d.toISOString().replace(/\.\d{3}Z$/, 'Z');
}
