import type { KubeObject } from '@skiff/apimachinery';
import { claimHealth } from './claimHealth.js';
import type { HealthStatus } from './healthStatus.js';
import { jobHealth } from './jobHealth.js';
import { podHealth } from './podHealth.js';
import { serviceHealth } from './serviceHealth.js';
import { statefulSetHealth } from './statefulSetHealth.js';
import { crashingPods, deploymentHealth, replicaSetHealth } from './workloadHealth.js';

export interface RelatedObjects {
  /** The workload's current pods (for a Deployment: those of its newest ReplicaSet). */
  pods?: readonly KubeObject[];
}

const checks: Record<string, (obj: KubeObject) => HealthStatus> = {
  Deployment: deploymentHealth,
  ReplicaSet: replicaSetHealth,
  StatefulSet: statefulSetHealth,
  Pod: podHealth,
  Job: jobHealth,
  Service: serviceHealth,
  PersistentVolumeClaim: claimHealth,
};

/**
 * Health of one live object as Argo CD would judge it; `undefined` (not in the cluster) is Missing,
 * an object being deleted is Progressing, kinds without a check are Healthy once they exist.
 */
export function assessHealth(obj: KubeObject | undefined, related: RelatedObjects = {}): HealthStatus {
  if (!obj) return { status: 'Missing' };
  if (obj.metadata.deletionTimestamp) return { status: 'Progressing', message: 'Pending deletion' };
  const own = checks[obj.kind]?.(obj) ?? { status: 'Healthy' };
  if ((obj.kind === 'Deployment' || obj.kind === 'ReplicaSet') && related.pods) {
    const crash = crashingPods(related.pods);
    if (crash && own.status !== 'Unknown') return crash;
  }
  return own;
}
