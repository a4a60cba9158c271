import { deepEqual, type KubeObject } from '@skiff/apimachinery';
import { deploymentSpec, desiredReplicas, maxUnavailable } from './fenceposts.js';
import { statusOf } from './replicaSets.js';

export interface DeploymentCondition {
  type: string;
  status: string;
  reason?: string;
  message?: string;
  lastUpdateTime?: string;
  lastTransitionTime?: string;
}

export interface DeploymentStatus {
  observedGeneration?: number;
  replicas: number;
  updatedReplicas: number;
  readyReplicas: number;
  availableReplicas: number;
  unavailableReplicas: number;
  collisionCount?: number;
  conditions?: DeploymentCondition[];
}

export const NEW_RS_AVAILABLE = 'NewReplicaSetAvailable';
export const RS_UPDATED = 'ReplicaSetUpdated';
export const TIMED_OUT = 'ProgressDeadlineExceeded';
export const NEW_RS_CREATED = 'NewReplicaSetCreated';
export const FOUND_NEW_RS = 'FoundNewReplicaSet';
export const PAUSED = 'DeploymentPaused';
export const RESUMED = 'DeploymentResumed';

export function rfc3339(d: Date): string {
  return d.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

export function storedStatus(d: KubeObject): Partial<DeploymentStatus> {
  return (d.status ?? {}) as Partial<DeploymentStatus>;
}

export function getCondition(status: Partial<DeploymentStatus>, type: string): DeploymentCondition | undefined {
  return status.conditions?.find((c) => c.type === type);
}

/**
 * Kubernetes' SetDeploymentCondition: the same status and reason is left alone (its times too);
 * the same status with a new reason keeps lastTransitionTime.
 */
export function setCondition(status: Partial<DeploymentStatus>, cond: DeploymentCondition): void {
  const current = getCondition(status, cond.type);
  if (current && current.status === cond.status && current.reason === cond.reason) return;
  const next = { ...cond };
  if (current && current.status === cond.status) next.lastTransitionTime = current.lastTransitionTime;
  status.conditions = [...(status.conditions ?? []).filter((c) => c.type !== cond.type), next];
}

export function newCondition(type: string, status: string, reason: string, message: string, now: Date): DeploymentCondition {
  const at = rfc3339(now);
  return { type, status, lastUpdateTime: at, lastTransitionTime: at, reason, message };
}

/** Counts from the ReplicaSets' statuses, and the Available condition (calculateStatus). */
export function calculateStatus(d: KubeObject, allRSs: readonly KubeObject[], newRS: KubeObject | undefined, now: Date): DeploymentStatus {
  const sum = (f: (rs: KubeObject) => number) => allRSs.reduce((n, rs) => n + f(rs), 0);
  const replicas = sum((rs) => statusOf(rs).replicas ?? 0);
  const available = sum((rs) => statusOf(rs).availableReplicas ?? 0);
  const stored = storedStatus(d);
  const status: DeploymentStatus = {
    observedGeneration: d.metadata.generation,
    replicas,
    updatedReplicas: newRS ? (statusOf(newRS).replicas ?? 0) : 0,
    readyReplicas: sum((rs) => statusOf(rs).readyReplicas ?? 0),
    availableReplicas: available,
    unavailableReplicas: Math.max(0, desiredReplicas(d) - available),
    conditions: [...(stored.conditions ?? [])],
  };
  if (stored.collisionCount !== undefined) status.collisionCount = stored.collisionCount;
  if (available >= desiredReplicas(d) - maxUnavailable(d)) {
    setCondition(status, newCondition('Available', 'True', 'MinimumReplicasAvailable', 'Deployment has minimum availability.', now));
  } else {
    setCondition(status, newCondition('Available', 'False', 'MinimumReplicasUnavailable', 'Deployment does not have minimum availability.', now));
  }
  return status;
}

/** Every replica updated, available, and nothing old left (DeploymentComplete). */
export function deploymentComplete(d: KubeObject, status: DeploymentStatus): boolean {
  const replicas = desiredReplicas(d);
  return status.updatedReplicas === replicas && status.replicas === replicas && status.availableReplicas === replicas && (status.observedGeneration ?? 0) >= (d.metadata.generation ?? 0);
}

/** Something moved since the stored status: more updated, fewer old, more ready or available. */
export function deploymentProgressing(d: KubeObject, status: DeploymentStatus): boolean {
  const old = storedStatus(d);
  const oldOld = (old.replicas ?? 0) - (old.updatedReplicas ?? 0);
  const newOld = status.replicas - status.updatedReplicas;
  return status.updatedReplicas > (old.updatedReplicas ?? 0) || newOld < oldOld || status.readyReplicas > (old.readyReplicas ?? 0) || status.availableReplicas > (old.availableReplicas ?? 0);
}

/** No progress for progressDeadlineSeconds since the Progressing condition was last updated. */
export function deploymentTimedOut(d: KubeObject, status: DeploymentStatus, now: Date): boolean {
  const deadline = deploymentSpec(d).progressDeadlineSeconds;
  if (deadline === undefined) return false;
  const cond = getCondition(status, 'Progressing');
  if (!cond) return false;
  if (cond.reason === NEW_RS_AVAILABLE) return false;
  if (cond.reason === TIMED_OUT) return true;
  const from = Date.parse(cond.lastUpdateTime ?? '');
  return !Number.isNaN(from) && from + deadline * 1000 < now.getTime();
}

/**
 * The Progressing condition after this pass (syncRolloutStatus), and when to look again if the
 * rollout is still under way: at its deadline, so ProgressDeadlineExceeded appears on time.
 */
export function rolloutStatus(d: KubeObject, status: DeploymentStatus, newRS: KubeObject | undefined, now: Date): { status: DeploymentStatus; requeueAfterMs?: number } {
  const deadline = deploymentSpec(d).progressDeadlineSeconds;
  const out: DeploymentStatus = { ...status, conditions: [...(status.conditions ?? [])] };
  if (deadline === undefined || !newRS) return { status: out };
  const current = getCondition(out, 'Progressing');
  const complete = out.replicas === out.updatedReplicas && current?.reason === NEW_RS_AVAILABLE;
  if (!complete) {
    const name = newRS.metadata.name!;
    if (deploymentComplete(d, out)) {
      setCondition(out, newCondition('Progressing', 'True', NEW_RS_AVAILABLE, `ReplicaSet "${name}" has successfully progressed.`, now));
    } else if (deploymentProgressing(d, out)) {
      const cond = newCondition('Progressing', 'True', RS_UPDATED, `ReplicaSet "${name}" is progressing.`, now);
      if (current?.status === 'True') cond.lastTransitionTime = current.lastTransitionTime;
      out.conditions = [...out.conditions!.filter((c) => c.type !== 'Progressing'), cond];
    } else if (deploymentTimedOut(d, out, now)) {
      setCondition(out, newCondition('Progressing', 'False', TIMED_OUT, `ReplicaSet "${name}" has timed out progressing.`, now));
    }
  }
  let requeueAfterMs: number | undefined;
  const after = getCondition(out, 'Progressing');
  if (after && after.reason !== NEW_RS_AVAILABLE && after.reason !== TIMED_OUT && !deploymentComplete(d, out)) {
    const from = Date.parse(after.lastUpdateTime ?? '');
    if (!Number.isNaN(from)) requeueAfterMs = Math.max(0, from + deadline * 1000 - now.getTime()) + 1000;
  }
  return { status: out, requeueAfterMs };
}

/** The paused/resumed note on Progressing (checkPausedConditions); true if it changed. */
export function pausedCondition(d: KubeObject, status: Partial<DeploymentStatus>, now: Date): boolean {
  const cond = getCondition(status, 'Progressing');
  if (cond?.reason === TIMED_OUT) return false;
  const paused = !!deploymentSpec(d).paused;
  if (paused && cond?.reason !== PAUSED) {
    setCondition(status, newCondition('Progressing', 'Unknown', PAUSED, 'Deployment is paused', now));
    return true;
  }
  if (!paused && cond?.reason === PAUSED) {
    setCondition(status, newCondition('Progressing', 'Unknown', RESUMED, 'Deployment is resumed', now));
    return true;
  }
  return false;
}

/** Compares what the controller writes, so a converged Deployment is not rewritten. */
export function sameStatus(stored: unknown, next: DeploymentStatus): boolean {
  return deepEqual(normalize(stored as Partial<DeploymentStatus>), normalize(next));
}

function normalize(s: Partial<DeploymentStatus> | undefined): unknown {
  const v = s ?? {};
  return [v.observedGeneration, v.replicas ?? 0, v.updatedReplicas ?? 0, v.readyReplicas ?? 0, v.availableReplicas ?? 0, v.unavailableReplicas ?? 0, v.collisionCount, [...(v.conditions ?? [])].sort((a, b) => a.type.localeCompare(b.type))];
}
