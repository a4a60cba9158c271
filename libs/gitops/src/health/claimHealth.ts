import { shape, type KubeObject } from '@skiff/apimachinery';
import type { PersistentVolumeClaim } from 'kubernetes-types/core/v1.js';
import type { HealthStatus } from './healthStatus.js';

/** Argo CD's PVC health (gitops-engine health_pvc.go): Bound is Healthy, Pending Progressing, Lost Degraded. */
export function claimHealth(obj: KubeObject): HealthStatus {
  switch (shape<PersistentVolumeClaim>(obj).status?.phase) {
    case 'Bound':
      return { status: 'Healthy' };
    case 'Pending':
      return { status: 'Progressing' };
    case 'Lost':
      return { status: 'Degraded' };
    default:
      return { status: 'Unknown' };
  }
}
