import type { HorizontalPodAutoscaler as HpaV2, HorizontalPodAutoscalerCondition, MetricSpec, MetricStatus } from 'kubernetes-types/autoscaling/v2.js';
import type { HorizontalPodAutoscaler as HpaV1 } from 'kubernetes-types/autoscaling/v1.js';

/**
 * autoscaling/v1 and autoscaling/v2 are two views of one HorizontalPodAutoscaler (Kubernetes'
 * pkg/apis/autoscaling/v1/conversion.go). v1 has only a cpu utilization target; what it cannot
 * hold (other metrics, behavior, conditions, other current metrics) rides in annotations, so a
 * v1 client that reads, edits and writes an object keeps its v2 settings. Skiff writes those
 * annotations in the v2 shape.
 */
export const METRICS_ANNOTATION = 'autoscaling.alpha.kubernetes.io/metrics';
export const CURRENT_METRICS_ANNOTATION = 'autoscaling.alpha.kubernetes.io/current-metrics';
export const CONDITIONS_ANNOTATION = 'autoscaling.alpha.kubernetes.io/conditions';
export const BEHAVIOR_ANNOTATION = 'autoscaling.alpha.kubernetes.io/behavior';
const CONVERSION_ANNOTATIONS = [METRICS_ANNOTATION, CURRENT_METRICS_ANNOTATION, CONDITIONS_ANNOTATION, BEHAVIOR_ANNOTATION];

function isCpuUtilization(m: MetricSpec): boolean {
  return m.type === 'Resource' && m.resource?.name === 'cpu' && m.resource.target.type === 'Utilization' && m.resource.target.averageUtilization !== undefined;
}

function parseAnnotation<T>(annotations: Record<string, string> | undefined, key: string): T | undefined {
  const raw = annotations?.[key];
  if (!raw) return undefined;
  try {
    return JSON.parse(raw) as T;
  } catch {
    return undefined;
  }
}

function withoutConversionAnnotations(annotations: Record<string, string> | undefined): Record<string, string> | undefined {
  if (!annotations) return undefined;
  const out = { ...annotations };
  for (const k of CONVERSION_ANNOTATIONS) delete out[k];
  return Object.keys(out).length ? out : undefined;
}

export function hpaV2ToV1(hpa: HpaV2): HpaV1 {
  const spec = hpa.spec;
  const annotations: Record<string, string> = { ...(hpa.metadata?.annotations ?? {}) };
  const cpu = spec?.metrics?.find(isCpuUtilization);
  const others = (spec?.metrics ?? []).filter((m) => m !== cpu);
  if (others.length) annotations[METRICS_ANNOTATION] = JSON.stringify(others);
  if (spec?.behavior) annotations[BEHAVIOR_ANNOTATION] = JSON.stringify(spec.behavior);
  const status = hpa.status;
  const currentCpu = status?.currentMetrics?.find((m) => m.type === 'Resource' && m.resource?.name === 'cpu' && m.resource.current.averageUtilization !== undefined);
  const otherCurrent = (status?.currentMetrics ?? []).filter((m) => m !== currentCpu);
  if (otherCurrent.length) annotations[CURRENT_METRICS_ANNOTATION] = JSON.stringify(otherCurrent);
  if (status?.conditions?.length) annotations[CONDITIONS_ANNOTATION] = JSON.stringify(status.conditions);
  const out: HpaV1 = {
    apiVersion: 'autoscaling/v1',
    kind: 'HorizontalPodAutoscaler',
    metadata: { ...hpa.metadata, ...(Object.keys(annotations).length ? { annotations } : {}) },
    spec: {
      scaleTargetRef: spec?.scaleTargetRef ?? { kind: '', name: '' },
      ...(spec?.minReplicas !== undefined ? { minReplicas: spec.minReplicas } : {}),
      maxReplicas: spec?.maxReplicas ?? 0,
      ...(cpu ? { targetCPUUtilizationPercentage: cpu.resource!.target.averageUtilization } : {}),
    },
  };
  if (status) {
    out.status = {
      ...(status.observedGeneration !== undefined ? { observedGeneration: status.observedGeneration } : {}),
      ...(status.lastScaleTime ? { lastScaleTime: status.lastScaleTime } : {}),
      currentReplicas: status.currentReplicas ?? 0,
      desiredReplicas: status.desiredReplicas,
      ...(currentCpu ? { currentCPUUtilizationPercentage: currentCpu.resource!.current.averageUtilization } : {}),
    };
  }
  return out;
}

export function hpaV1ToV2(hpa: HpaV1): HpaV2 {
  const spec = hpa.spec;
  const annotations = hpa.metadata?.annotations;
  const metrics: MetricSpec[] = [];
  if (spec?.targetCPUUtilizationPercentage !== undefined) {
    metrics.push({ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: spec.targetCPUUtilizationPercentage } } });
  }
  metrics.push(...(parseAnnotation<MetricSpec[]>(annotations, METRICS_ANNOTATION) ?? []));
  const behavior = parseAnnotation<NonNullable<HpaV2['spec']>['behavior']>(annotations, BEHAVIOR_ANNOTATION);
  const rest = withoutConversionAnnotations(annotations);
  const metadata = { ...hpa.metadata };
  if (rest) metadata.annotations = rest;
  else delete metadata.annotations;
  const out: HpaV2 = {
    apiVersion: 'autoscaling/v2',
    kind: 'HorizontalPodAutoscaler',
    metadata,
    spec: {
      scaleTargetRef: spec?.scaleTargetRef ?? { kind: '', name: '' },
      ...(spec?.minReplicas !== undefined ? { minReplicas: spec.minReplicas } : {}),
      maxReplicas: spec?.maxReplicas ?? 0,
      ...(metrics.length ? { metrics } : {}),
      ...(behavior ? { behavior } : {}),
    },
  };
  const status = hpa.status;
  if (status) {
    const current: MetricStatus[] = [];
    if (status.currentCPUUtilizationPercentage !== undefined) {
      current.push({ type: 'Resource', resource: { name: 'cpu', current: { averageUtilization: status.currentCPUUtilizationPercentage } } });
    }
    current.push(...(parseAnnotation<MetricStatus[]>(annotations, CURRENT_METRICS_ANNOTATION) ?? []));
    const conditions = parseAnnotation<HorizontalPodAutoscalerCondition[]>(annotations, CONDITIONS_ANNOTATION);
    out.status = {
      ...(status.observedGeneration !== undefined ? { observedGeneration: status.observedGeneration } : {}),
      ...(status.lastScaleTime ? { lastScaleTime: status.lastScaleTime } : {}),
      currentReplicas: status.currentReplicas,
      desiredReplicas: status.desiredReplicas,
      ...(current.length ? { currentMetrics: current } : {}),
      ...(conditions?.length ? { conditions } : {}),
    };
  }
  return out;
}
