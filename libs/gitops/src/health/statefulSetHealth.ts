import type { KubeObject } from '@skiff/apimachinery';
import type { StatefulSet } from 'kubernetes-types/apps/v1.js';
import type { HealthStatus } from './healthStatus.js';

/**
 * Argo CD's StatefulSet check, itself kubectl's `rollout status` for StatefulSets
 * (gitops-engine `health_statefulset.go`): generation not observed, or fewer ready pods than
 * desired -> Progressing; a RollingUpdate with a partition is done once the pods above it are
 * updated; OnDelete is done when its pods are ready; otherwise done when the update revision
 * became the current one.
 * Example: replicas 5, partition 3, updated 1 -> "1 out of 2 new pods have been updated".
 */
export function statefulSetHealth(obj: KubeObject): HealthStatus {
  const sts = obj as KubeObject & StatefulSet;
  const status = sts.status ?? { replicas: 0 };
  const replicas = sts.spec?.replicas ?? 1;
  const observed = status.observedGeneration ?? 0;
  if (observed === 0 || (sts.metadata.generation ?? 0) > observed) return { status: 'Progressing', message: 'Waiting for statefulset spec update to be observed...' };
  const ready = status.readyReplicas ?? 0;
  if (ready < replicas) return { status: 'Progressing', message: `Waiting for ${replicas - ready} pods to be ready...` };
  const strategy = sts.spec?.updateStrategy;
  const updated = status.updatedReplicas ?? 0;
  if ((strategy?.type ?? 'RollingUpdate') === 'RollingUpdate' && strategy?.rollingUpdate) {
    const partition = strategy.rollingUpdate.partition;
    if (partition !== undefined && updated < replicas - partition) {
      return { status: 'Progressing', message: `Waiting for partitioned roll out to finish: ${updated} out of ${replicas - partition} new pods have been updated...` };
    }
    return { status: 'Healthy', message: `partitioned roll out complete: ${updated} new pods have been updated...` };
  }
  if (strategy?.type === 'OnDelete') return { status: 'Healthy', message: `statefulset has ${ready} ready pods` };
  if (status.updateRevision !== status.currentRevision) {
    return { status: 'Progressing', message: `waiting for statefulset rolling update to complete ${updated} pods at revision ${status.updateRevision}...` };
  }
  return { status: 'Healthy', message: `statefulset rolling update complete ${status.currentReplicas ?? 0} pods at revision ${status.currentRevision}...` };
}
