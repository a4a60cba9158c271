import type { Pod } from 'kubernetes-types/core/v1.js';
import { parseExactQuantity, milliValue } from '@skiff/apimachinery';

/**
 * The HPA's replica arithmetic (Kubernetes' pkg/controller/podautoscaler/replica_calculator.go),
 * as pure functions of the pods, their metrics and the time: no I/O here.
 *
 * Values are in milli-units, as Kubernetes' MilliValue(): cpu in millicores, memory in
 * thousandths of a byte.
 */

/** One pod's usage of a resource, as metrics.k8s.io reported it. */
export interface PodMetric {
  /** Milli-units: the sum over the containers that count. */
  value: number;
  /** When the sample was taken (ms since the epoch). */
  timestamp: number;
  /** The window the rate was measured over (ms). */
  windowMs: number;
}

export type PodMetrics = Map<string, PodMetric>;

export interface ReplicaCalculatorOptions {
  /** Ratios within 1 ± tolerance leave the replica count alone (kube-controller-manager: 0.1). */
  tolerance: number;
  /** How long after a pod starts its CPU may be unrepresentative (5 minutes). */
  cpuInitializationPeriodMs: number;
  /** How long after a pod starts a readiness change still means "not ready yet" (30 s). */
  delayOfInitialReadinessStatusMs: number;
}

export const DEFAULT_REPLICA_CALCULATOR_OPTIONS: ReplicaCalculatorOptions = {
  tolerance: 0.1,
  cpuInitializationPeriodMs: 5 * 60_000,
  delayOfInitialReadinessStatusMs: 30_000,
};

/** A replica count proposal, or why none could be made (the message Kubernetes would give). */
export type Proposal<T> = ({ ok: true } & T) | { ok: false; message: string };

export interface PodGroups {
  readyPodCount: number;
  /** Pending pods, and (for cpu) pods that are not ready or whose sample predates their readiness. */
  unready: Set<string>;
  /** Running pods with no metric. */
  missing: Set<string>;
  /** Deleted and failed pods: they do not count at all. */
  ignored: Set<string>;
}

function readyCondition(pod: Pod) {
  return pod.status?.conditions?.find((c) => c.type === 'Ready');
}

function time(t: string | undefined): number | undefined {
  if (!t) return undefined;
  const ms = Date.parse(t);
  return Number.isNaN(ms) ? undefined : ms;
}

/**
 * Sorts pods as the calculator must see them. CPU of a pod that has only just started or just
 * become ready is not trusted: a JVM warming up burns CPU it will not use later, and scaling on
 * that would overshoot. So within the initialization period a pod counts as unready if it is not
 * ready or its sample was (partly) taken before it became ready; after the period, only a pod
 * that went unready soon after starting and has stayed so is unready.
 */
export function groupPods(pods: Pod[], metrics: PodMetrics, resource: string, now: number, opts: ReplicaCalculatorOptions): PodGroups {
  const groups: PodGroups = { readyPodCount: 0, unready: new Set(), missing: new Set(), ignored: new Set() };
  for (const pod of pods) {
    const name = pod.metadata?.name ?? '';
    if (pod.metadata?.deletionTimestamp || pod.status?.phase === 'Failed') {
      groups.ignored.add(name);
      continue;
    }
    if (pod.status?.phase === 'Pending') {
      groups.unready.add(name);
      continue;
    }
    const metric = metrics.get(name);
    if (!metric) {
      groups.missing.add(name);
      continue;
    }
    if (resource === 'cpu') {
      const ready = readyCondition(pod);
      const startTime = time(pod.status?.startTime);
      let unready: boolean;
      if (!ready || startTime === undefined) {
        unready = true;
      } else {
        const transition = time(ready.lastTransitionTime) ?? 0;
        if (startTime + opts.cpuInitializationPeriodMs > now) {
          unready = ready.status === 'False' || metric.timestamp < transition + metric.windowMs;
        } else {
          unready = ready.status === 'False' && startTime + opts.delayOfInitialReadinessStatusMs > transition;
        }
      }
      if (unready) {
        groups.unready.add(name);
        continue;
      }
    }
    groups.readyPodCount++;
  }
  return groups;
}

/**
 * Each pod's request for the resource in milli-units: the sum over its containers (or the one
 * named container), or the message naming the first container without one.
 */
export function podRequests(pods: Pod[], resource: string, container?: string): Proposal<{ requests: Map<string, number> }> {
  const requests = new Map<string, number>();
  for (const pod of pods) {
    let total = 0;
    for (const c of pod.spec?.containers ?? []) {
      if (container && c.name !== container) continue;
      const q = c.resources?.requests?.[resource];
      const parsed = q === undefined ? undefined : parseExactQuantity(q);
      if (!parsed) return { ok: false, message: `missing request for ${resource} in container ${c.name} of Pod ${pod.metadata?.name ?? ''}` };
      total += Number(milliValue(parsed));
    }
    requests.set(pod.metadata?.name ?? '', total);
  }
  return { ok: true, requests };
}

/**
 * Usage against requests over the pods that have both. Utilization is a whole percentage,
 * truncated as Kubernetes does; the ratio is that percentage over the target, so a pod at
 * 124.9 % of a 50 % target gives 124/50 = 2.48.
 */
export function utilizationRatio(metrics: PodMetrics, requests: Map<string, number>, targetUtilization: number): Proposal<{ ratio: number; utilization: number; rawAverage: number }> {
  let usage = 0;
  let requested = 0;
  let entries = 0;
  for (const [name, m] of metrics) {
    const r = requests.get(name);
    if (r === undefined) continue;
    usage += m.value;
    requested += r;
    entries++;
  }
  if (requested === 0) return { ok: false, message: 'no metrics returned matched known pods' };
  const utilization = Math.trunc((usage * 100) / requested);
  return { ok: true, ratio: utilization / targetUtilization, utilization, rawAverage: Math.trunc(usage / entries) };
}

/** The average usage over the target average (AverageValue targets). */
export function usageRatio(metrics: PodMetrics, targetAverage: number): { ratio: number; average: number } {
  let total = 0;
  for (const m of metrics.values()) total += m.value;
  const average = Math.trunc(total / metrics.size);
  return { ratio: average / targetAverage, average };
}

function withoutPods(metrics: PodMetrics, names: Set<string>): PodMetrics {
  const out = new Map(metrics);
  for (const n of names) out.delete(n);
  return out;
}

export interface ResourceReplicasInput {
  currentReplicas: number;
  pods: Pod[];
  metrics: PodMetrics;
  resource: string;
  /** ContainerResource metrics: only this container counts. */
  container?: string;
  now: number;
  opts?: ReplicaCalculatorOptions;
}

/**
 * The replica count for an AverageUtilization target (GetResourceReplicas).
 *
 * Worked example: 3 ready pods requesting 500m each use 400m, 450m and 500m of cpu against a 50 %
 * target. Utilization = 1350 * 100 / 1500 = 90 %, ratio 90/50 = 1.8, outside 1 ± 0.1, so
 * ceil(1.8 * 3) = 6 replicas.
 *
 * Pods without metrics and unready pods make the guess cautious: on a scale-down missing pods
 * count as using max(100 %, target) of their request, on a scale-up as using nothing, and unready
 * pods as using nothing on a scale-up. If that flips the direction or brings the ratio within
 * tolerance, the count stays. E.g. the 3 pods above plus one with no metric: scale-up, the
 * missing one counts as 0 -> 1350 * 100 / 2000 = 67 %, ratio 1.34 -> ceil(1.34 * 4) = 6.
 */
export function resourceReplicas(input: ResourceReplicasInput & { targetUtilization: number }): Proposal<{ replicas: number; utilization: number; rawAverage: number }> {
  const opts = input.opts ?? DEFAULT_REPLICA_CALCULATOR_OPTIONS;
  if (input.pods.length === 0) return { ok: false, message: 'no pods returned by selector while calculating replica count' };
  const groups = groupPods(input.pods, input.metrics, input.resource, input.now, opts);
  let metrics = withoutPods(withoutPods(input.metrics, groups.ignored), groups.unready);
  if (metrics.size === 0) return { ok: false, message: 'did not receive metrics for targeted pods (pods might be unready)' };
  const req = podRequests(input.pods, input.resource, input.container);
  if (!req.ok) return req;
  const first = utilizationRatio(metrics, req.requests, input.targetUtilization);
  if (!first.ok) return first;
  const { ratio, utilization, rawAverage } = first;
  const result = (replicas: number) => ({ ok: true as const, replicas, utilization, rawAverage });

  const scaleUpWithUnready = groups.unready.size > 0 && ratio > 1;
  if (!scaleUpWithUnready && groups.missing.size === 0) {
    if (Math.abs(1 - ratio) <= opts.tolerance) return result(input.currentReplicas);
    return result(Math.ceil(ratio * groups.readyPodCount));
  }

  metrics = new Map(metrics);
  if (groups.missing.size > 0) {
    const fallback = Math.max(100, input.targetUtilization);
    for (const name of groups.missing) {
      const usage = ratio < 1 ? ((req.requests.get(name) ?? 0) * fallback) / 100 : 0;
      metrics.set(name, { value: usage, timestamp: 0, windowMs: 0 });
    }
  }
  if (scaleUpWithUnready) for (const name of groups.unready) metrics.set(name, { value: 0, timestamp: 0, windowMs: 0 });

  const second = utilizationRatio(metrics, req.requests, input.targetUtilization);
  if (!second.ok) return second;
  const newRatio = second.ratio;
  if (Math.abs(1 - newRatio) <= opts.tolerance || (ratio < 1 && newRatio > 1) || (ratio > 1 && newRatio < 1)) return result(input.currentReplicas);
  const replicas = Math.ceil(newRatio * metrics.size);
  if ((newRatio < 1 && replicas > input.currentReplicas) || (newRatio > 1 && replicas < input.currentReplicas)) return result(input.currentReplicas);
  return result(replicas);
}

/**
 * The replica count for an AverageValue target (GetRawResourceReplicas): the same rules on the
 * plain average usage. Missing pods count as using the target on a scale-down.
 *
 * Worked example: 2 pods use 300Mi and 500Mi against an average of 200Mi: ratio 400/200 = 2,
 * ceil(2 * 2) = 4 replicas.
 */
export function rawResourceReplicas(input: ResourceReplicasInput & { targetAverage: number }): Proposal<{ replicas: number; average: number }> {
  const opts = input.opts ?? DEFAULT_REPLICA_CALCULATOR_OPTIONS;
  if (input.pods.length === 0) return { ok: false, message: 'no pods returned by selector while calculating replica count' };
  const groups = groupPods(input.pods, input.metrics, input.resource, input.now, opts);
  let metrics = withoutPods(withoutPods(input.metrics, groups.ignored), groups.unready);
  if (metrics.size === 0) return { ok: false, message: 'did not receive metrics for targeted pods (pods might be unready)' };
  const { ratio, average } = usageRatio(metrics, input.targetAverage);
  const result = (replicas: number) => ({ ok: true as const, replicas, average });

  const scaleUpWithUnready = groups.unready.size > 0 && ratio > 1;
  if (!scaleUpWithUnready && groups.missing.size === 0) {
    if (Math.abs(1 - ratio) <= opts.tolerance) return result(input.currentReplicas);
    return result(Math.ceil(ratio * groups.readyPodCount));
  }
  metrics = new Map(metrics);
  for (const name of groups.missing) metrics.set(name, { value: ratio < 1 ? input.targetAverage : 0, timestamp: 0, windowMs: 0 });
  if (scaleUpWithUnready) for (const name of groups.unready) metrics.set(name, { value: 0, timestamp: 0, windowMs: 0 });
  const newRatio = usageRatio(metrics, input.targetAverage).ratio;
  if (Math.abs(1 - newRatio) <= opts.tolerance || (ratio < 1 && newRatio > 1) || (ratio > 1 && newRatio < 1)) return result(input.currentReplicas);
  const replicas = Math.ceil(newRatio * metrics.size);
  if ((newRatio < 1 && replicas > input.currentReplicas) || (newRatio > 1 && replicas < input.currentReplicas)) return result(input.currentReplicas);
  return result(replicas);
}
