import type { KubeObject } from '@skiff/apimachinery';
import type { HealthStatus } from './healthStatus.js';
import { podHealth } from './podHealth.js';

interface Condition {
  type?: string;
  status?: string;
  reason?: string;
  message?: string;
}

interface WorkloadView {
  name: string;
  generation: number;
  paused: boolean;
  specReplicas: number;
  observedGeneration: number;
  replicas: number;
  updatedReplicas: number;
  availableReplicas: number;
  conditions: Condition[];
}

function view(obj: KubeObject): WorkloadView {
  const spec = (obj.spec ?? {}) as { replicas?: number; paused?: boolean };
  const status = (obj.status ?? {}) as Partial<Record<'observedGeneration' | 'replicas' | 'updatedReplicas' | 'availableReplicas', number>> & { conditions?: Condition[] };
  return {
    name: obj.metadata.name ?? '',
    generation: obj.metadata.generation ?? 0,
    paused: spec.paused === true,
    // The API server defaults spec.replicas to 1; a manifest-shaped object may not carry it yet.
    specReplicas: spec.replicas ?? 1,
    observedGeneration: status.observedGeneration ?? 0,
    replicas: status.replicas ?? 0,
    updatedReplicas: status.updatedReplicas ?? 0,
    availableReplicas: status.availableReplicas ?? 0,
    conditions: status.conditions ?? [],
  };
}

/**
 * Argo CD's Deployment check, itself kubectl's `rollout status` (gitops-engine `health_deployment.go`):
 * paused -> Suspended; controller has not seen this generation -> Progressing; the Progressing
 * condition says ProgressDeadlineExceeded -> Degraded; fewer updated than desired, old replicas
 * still around, or updated ones not yet available -> Progressing; else Healthy.
 * Example: replicas 3, status {replicas 4, updated 1, available 3} -> "1 out of 3 new replicas have
 * been updated"; once updated is 3 but replicas still 4 -> "1 old replicas are pending termination".
 */
export function deploymentHealth(deployment: KubeObject): HealthStatus {
  const d = view(deployment);
  if (d.paused) return { status: 'Suspended', message: 'Deployment is paused' };
  if (d.generation > d.observedGeneration) {
    return { status: 'Progressing', message: 'Waiting for rollout to finish: observed deployment generation less than desired generation' };
  }
  const progressing = d.conditions.find((c) => c.type === 'Progressing');
  if (progressing?.reason === 'ProgressDeadlineExceeded') {
    return { status: 'Degraded', message: `Deployment "${d.name}" exceeded its progress deadline` };
  }
  if (d.updatedReplicas < d.specReplicas) {
    return { status: 'Progressing', message: `Waiting for rollout to finish: ${d.updatedReplicas} out of ${d.specReplicas} new replicas have been updated...` };
  }
  if (d.replicas > d.updatedReplicas) {
    return { status: 'Progressing', message: `Waiting for rollout to finish: ${d.replicas - d.updatedReplicas} old replicas are pending termination...` };
  }
  if (d.availableReplicas < d.updatedReplicas) {
    return { status: 'Progressing', message: `Waiting for rollout to finish: ${d.availableReplicas} of ${d.updatedReplicas} updated replicas are available...` };
  }
  return { status: 'Healthy' };
}

/** Argo CD's ReplicaSet check: a true ReplicaFailure condition -> Degraded; fewer available than desired -> Progressing. */
export function replicaSetHealth(replicaSet: KubeObject): HealthStatus {
  const r = view(replicaSet);
  if (r.generation > r.observedGeneration) {
    return { status: 'Progressing', message: 'Waiting for rollout to finish: observed replica set generation less than desired generation' };
  }
  const failure = r.conditions.find((c) => c.type === 'ReplicaFailure' && c.status === 'True');
  if (failure) return { status: 'Degraded', ...(failure.message ? { message: failure.message } : {}) };
  if (r.availableReplicas < r.specReplicas) {
    return { status: 'Progressing', message: `Waiting for rollout to finish: ${r.availableReplicas} out of ${r.specReplicas} new replicas are available...` };
  }
  return { status: 'Healthy' };
}

/**
 * Skiff's addition to Argo CD (which only reads the Deployment's own status): a rollout whose new pods
 * crash would otherwise read Progressing until the progress deadline, minutes later. So a workload is
 * Degraded as soon as any of its current pods is Degraded by the Pod check: a container waiting in
 * CrashLoopBackOff / ImagePullBackOff / ErrImagePull / CreateContainerConfigError (any Err*, *Error,
 * *BackOff reason), or running but not ready after it has already terminated once (between restarts
 * of a crash loop). "Recently" is read as "has not become ready since", so it needs no clock: a pod
 * that crashed once and is Ready again counts as recovered.
 */
export function crashingPods(pods: readonly KubeObject[]): HealthStatus | undefined {
  for (const pod of pods) {
    const health = podHealth(pod);
    if (health.status === 'Degraded') return health;
  }
  return undefined;
}
