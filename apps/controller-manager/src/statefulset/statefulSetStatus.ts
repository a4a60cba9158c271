import { deepEqual, type KubeObject } from '@skiff/apimachinery';
import type { StatefulSetStatus } from 'kubernetes-types/apps/v1.js';
import { isPodAvailable, isPodReady, podPhase, readySince } from '../common/pods.js';
import { podRevision, specReplicas, type StatefulSetObject } from './statefulPods.js';

/** isCreated: the API server has the pod (it has a phase); a planned pod has none. */
export function isCreated(pod: KubeObject): boolean {
  return !!(pod.status as { phase?: string } | undefined)?.phase;
}

export function isTerminating(pod: KubeObject): boolean {
  return !!pod.metadata.deletionTimestamp;
}

export function isRunningAndReady(pod: KubeObject): boolean {
  return podPhase(pod) === 'Running' && isPodReady(pod);
}

export function isRunningAndAvailable(pod: KubeObject, minReadySeconds: number, now: Date): boolean {
  return podPhase(pod) === 'Running' && isPodAvailable(pod, minReadySeconds, now);
}

/** isHealthy: running, ready and not on its way out. */
export function isHealthy(pod: KubeObject): boolean {
  return isRunningAndReady(pod) && !isTerminating(pod);
}

export interface ReplicaStatus {
  replicas: number;
  readyReplicas: number;
  availableReplicas: number;
  currentReplicas: number;
  updatedReplicas: number;
  /** When the next ready pod becomes available (minReadySeconds), if one is waiting. */
  nextAvailableAt?: number;
}

/** computeReplicaStatus: counts over the set's pods (terminating ones count as replicas, not as current or updated). */
export function computeReplicaStatus(pods: readonly KubeObject[], minReadySeconds: number, currentRevision: string, updateRevision: string, now: Date): ReplicaStatus {
  const s: ReplicaStatus = { replicas: 0, readyReplicas: 0, availableReplicas: 0, currentReplicas: 0, updatedReplicas: 0 };
  for (const pod of pods) {
    if (isCreated(pod)) s.replicas++;
    if (isRunningAndReady(pod)) {
      s.readyReplicas++;
      if (isRunningAndAvailable(pod, minReadySeconds, now)) s.availableReplicas++;
      else {
        const at = (readySince(pod) ?? now.getTime()) + minReadySeconds * 1000;
        s.nextAvailableAt = s.nextAvailableAt === undefined ? at : Math.min(s.nextAvailableAt, at);
      }
    }
    if (isCreated(pod) && !isTerminating(pod)) {
      if (podRevision(pod) === currentRevision) s.currentReplicas++;
      if (podRevision(pod) === updateRevision) s.updatedReplicas++;
    }
  }
  return s;
}

/**
 * The status to store. completeRollingUpdate: once every replica runs the update revision and is
 * ready, the update revision becomes the current one.
 */
export function statefulSetStatus(set: StatefulSetObject, counts: ReplicaStatus, currentRevision: string, updateRevision: string, collisionCount: number): StatefulSetStatus {
  const status: StatefulSetStatus = {
    observedGeneration: set.metadata.generation,
    replicas: counts.replicas,
    readyReplicas: counts.readyReplicas,
    currentReplicas: counts.currentReplicas,
    updatedReplicas: counts.updatedReplicas,
    availableReplicas: counts.availableReplicas,
    currentRevision,
    updateRevision,
    collisionCount,
  };
  const want = specReplicas(set);
  if ((set.spec?.updateStrategy?.type ?? 'RollingUpdate') === 'RollingUpdate' && counts.updatedReplicas === want && counts.readyReplicas === want && counts.replicas === want) {
    status.currentReplicas = status.updatedReplicas;
    status.currentRevision = status.updateRevision;
  }
  const conditions = set.status?.conditions;
  if (conditions?.length) status.conditions = conditions;
  return status;
}

/** Compute, compare, then write: equal statuses are not written. */
export function sameStatefulSetStatus(stored: StatefulSetStatus | undefined, next: StatefulSetStatus): boolean {
  const s = stored ?? ({ replicas: 0 } as StatefulSetStatus);
  const keys = ['observedGeneration', 'replicas', 'readyReplicas', 'currentReplicas', 'updatedReplicas', 'availableReplicas', 'currentRevision', 'updateRevision', 'collisionCount'] as const;
  const zero = (k: (typeof keys)[number], v: unknown) => (v === undefined && k !== 'currentRevision' && k !== 'updateRevision' && k !== 'observedGeneration' ? 0 : v);
  return keys.every((k) => zero(k, s[k]) === zero(k, next[k])) && deepEqual(s.conditions ?? [], next.conditions ?? []);
}
