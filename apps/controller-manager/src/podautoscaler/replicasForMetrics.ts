import type { MetricSpec, MetricStatus } from 'kubernetes-types/autoscaling/v2.js';
import type { Pod } from 'kubernetes-types/core/v1.js';
import { canonicalQuantity, milliValue, parseExactQuantity } from '@skiff/apimachinery';
import { rawResourceReplicas, resourceReplicas, type PodMetrics, type ReplicaCalculatorOptions } from './replicaCalculator.js';

/** Why a metric gave no proposal: the ScalingActive=False reason, and the error (event message). */
export interface MetricFailure {
  reason: string;
  message: string;
}

export interface MetricsProposal {
  /** -1 when no metric could be computed (or some failed and the rest would scale down). */
  replicas: number;
  /** What drove the proposal: "cpu resource utilization (percentage of request)". */
  metricName: string;
  statuses: MetricStatus[];
  /** The first failure, and `summary`: how many of how many metrics failed (the FailedComputeMetricsReplicas event). */
  failure?: MetricFailure & { summary: string };
}

/** A quantity in milli-units as resource.NewMilliQuantity(v, DecimalSI) prints it. */
function milliQuantity(milli: number): string {
  return canonicalQuantity(`${Math.trunc(milli)}m`);
}

type FetchMetrics = (resource: string, container?: string) => Promise<PodMetrics>;

async function resourceProposal(
  source: { name: string; container?: string; target: { averageUtilization?: number; averageValue?: string | number } },
  type: 'Resource' | 'ContainerResource',
  input: { currentReplicas: number; pods: Pod[]; now: number; opts: ReplicaCalculatorOptions; fetch: FetchMetrics },
): Promise<{ replicas: number; metricName: string; status: MetricStatus } | MetricFailure> {
  const reason = type === 'Resource' ? 'FailedGetResourceMetric' : 'FailedGetContainerResourceMetric';
  const field = type === 'Resource' ? 'resource' : 'containerResource';
  const ident = type === 'Resource' ? { name: source.name } : { name: source.name, container: source.container ?? '' };
  let metrics: PodMetrics;
  const what = source.target.averageValue !== undefined ? 'usage' : 'utilization';
  try {
    metrics = await input.fetch(source.name, source.container);
  } catch (err) {
    return { reason, message: `failed to get ${source.name} ${what}: ${(err as Error).message}` };
  }
  const base = { currentReplicas: input.currentReplicas, pods: input.pods, metrics, resource: source.name, container: source.container, now: input.now, opts: input.opts };
  if (source.target.averageValue !== undefined) {
    const target = parseExactQuantity(source.target.averageValue);
    const got = rawResourceReplicas({ ...base, targetAverage: target ? Number(milliValue(target)) : 0 });
    if (!got.ok) return { reason, message: `failed to get ${source.name} usage: ${got.message}` };
    return { replicas: got.replicas, metricName: `${source.name} resource`, status: { type, [field]: { ...ident, current: { averageValue: milliQuantity(got.average) } } } };
  }
  if (source.target.averageUtilization === undefined) {
    return { reason, message: 'invalid resource metric source: neither an average utilization target nor an average value (usage) target was set' };
  }
  const got = resourceReplicas({ ...base, targetUtilization: source.target.averageUtilization });
  if (!got.ok) return { reason, message: `failed to get ${source.name} utilization: ${got.message}` };
  const metricName = type === 'Resource' ? `${source.name} resource utilization (percentage of request)` : `${source.name} container resource utilization (percentage of request)`;
  return { replicas: got.replicas, metricName, status: { type, [field]: { ...ident, current: { averageUtilization: got.utilization, averageValue: milliQuantity(got.rawAverage) } } } };
}

/**
 * One proposal per metric, the largest wins (horizontal.go computeReplicasForMetrics). Metrics
 * other than resource metrics need a custom or external metrics API, which Skiff does not serve:
 * they fail with Kubernetes' reasons. If every metric failed, or some failed and the others
 * would scale down, there is no proposal: scaling down on partial information could starve the
 * workload.
 */
export async function replicasForMetrics(
  specs: MetricSpec[],
  input: { currentReplicas: number; pods: Pod[]; now: number; opts: ReplicaCalculatorOptions; fetch: FetchMetrics },
): Promise<MetricsProposal> {
  const statuses: MetricStatus[] = [];
  let replicas = 0;
  let metricName = '';
  let failed = 0;
  let first: MetricFailure | undefined;
  for (const spec of specs) {
    let got: { replicas: number; metricName: string; status: MetricStatus } | MetricFailure;
    if (spec.type === 'Resource' && spec.resource) got = await resourceProposal(spec.resource, 'Resource', input);
    else if (spec.type === 'ContainerResource' && spec.containerResource) got = await resourceProposal(spec.containerResource, 'ContainerResource', input);
    else {
      const reason = { Pods: 'FailedGetPodsMetric', Object: 'FailedGetObjectMetric', External: 'FailedGetExternalMetric' }[spec.type] ?? 'InvalidMetricSourceType';
      const api = spec.type === 'External' ? 'external.metrics.k8s.io' : 'custom.metrics.k8s.io';
      got = reason === 'InvalidMetricSourceType' ? { reason, message: `unknown metric source type "${spec.type}"` } : { reason, message: `unable to get metric: no ${api} API is served by this cluster` };
    }
    if ('reason' in got) {
      failed++;
      first ??= got;
      statuses.push({ type: '' });
      continue;
    }
    statuses.push(got.status);
    if (replicas === 0 || got.replicas > replicas) {
      replicas = got.replicas;
      metricName = got.metricName;
    }
  }
  const failure = first ? { ...first, summary: `invalid metrics (${failed} invalid out of ${specs.length}), first error is: ${first.message}` } : undefined;
  // Statuses of failed metrics are left out (Kubernetes leaves them zero-valued).
  const shown = statuses.filter((s) => s.type !== '');
  if (failed >= specs.length || (failed > 0 && replicas < input.currentReplicas)) return { replicas: -1, metricName: '', statuses: shown, failure };
  return { replicas, metricName, statuses: shown, failure };
}
