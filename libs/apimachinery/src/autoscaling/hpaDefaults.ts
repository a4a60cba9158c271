import type { HorizontalPodAutoscaler as HpaV2 } from 'kubernetes-types/autoscaling/v2.js';
import type { HorizontalPodAutoscaler as HpaV1 } from 'kubernetes-types/autoscaling/v1.js';
import { fullBehavior } from './hpaBehavior.js';

/** Kubernetes' default target when an HPA names no metric: 80 % of the pods' cpu requests. */
export const DEFAULT_CPU_UTILIZATION = 80;

/**
 * autoscaling/v2 SetDefaults_HorizontalPodAutoscaler: minReplicas 1, a cpu target of 80 % when
 * there are no metrics, and a given behavior filled in (an absent one stays absent: the
 * controller then uses its own downscale stabilization). Returns a copy.
 */
export function defaultHorizontalPodAutoscalerV2(hpa: HpaV2): HpaV2 {
  const spec = { ...(hpa.spec ?? { maxReplicas: 0, scaleTargetRef: { kind: '', name: '' } }) };
  spec.minReplicas ??= 1;
  if (!spec.metrics?.length) {
    spec.metrics = [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: DEFAULT_CPU_UTILIZATION } } }];
  }
  if (spec.behavior) spec.behavior = fullBehavior(spec.behavior);
  return { ...hpa, spec };
}

/** autoscaling/v1 SetDefaults_HorizontalPodAutoscaler: minReplicas 1. */
export function defaultHorizontalPodAutoscalerV1(hpa: HpaV1): HpaV1 {
  const spec = { ...(hpa.spec ?? { maxReplicas: 0, scaleTargetRef: { kind: '', name: '' } }) };
  spec.minReplicas ??= 1;
  return { ...hpa, spec };
}
