import type { HorizontalPodAutoscaler, HorizontalPodAutoscalerCondition, HorizontalPodAutoscalerStatus, MetricStatus } from 'kubernetes-types/autoscaling/v2.js';
import type { Pod } from 'kubernetes-types/core/v1.js';
import { deepEqual, findByKind, fullBehavior, NotFoundError, shape, type KubeObject } from '@skiff/apimachinery';
import { TerminalError, type Controller, type ObjectRef, type ReconcileContext, type ReconcileResult } from '@skiff/controller-runtime';
import type { ControllerConfig } from '../config.js';
import { HORIZONTAL_POD_AUTOSCALERS, PODS } from '../resources.js';
import { setCondition, type HpaConditionType } from './hpaConditions.js';
import { normalizeWithBehavior, normalizeWithoutBehavior, storeScaleEvent, type TimestampedRecommendation, type TimestampedScaleEvent } from './normalizeReplicas.js';
import { DEFAULT_REPLICA_CALCULATOR_OPTIONS } from './replicaCalculator.js';
import { replicasForMetrics } from './replicasForMetrics.js';
import { resourceMetrics } from './resourceMetrics.js';

/**
 * What the controller remembers between passes about one HPA, as kube-controller-manager does
 * in memory: recent recommendations (stabilization windows) and recent rescales (rate policies).
 * A restarted controller manager starts afresh, as Kubernetes' does.
 */
interface HpaHistory {
  recommendations: TimestampedRecommendation[];
  scaleUpEvents: TimestampedScaleEvent[];
  scaleDownEvents: TimestampedScaleEvent[];
}

interface Scale {
  metadata?: { name?: string; namespace?: string };
  spec?: { replicas?: number };
  status?: { replicas?: number; selector?: string };
}

/**
 * HorizontalPodAutoscaler controller (Kubernetes' pkg/controller/podautoscaler): every sync
 * period it reads the target's `/scale`, the pods its selector picks and their usage from
 * metrics.k8s.io, proposes a replica count per metric, stabilizes and rate-limits it, and writes
 * the target's `/scale` when the count changes. One pass is one evaluation: the requeue after the
 * sync period is what makes it periodic.
 */
export function horizontalPodAutoscalerController(config: ControllerConfig): Controller {
  const histories = new Map<string, HpaHistory>();
  return {
    name: 'horizontalpodautoscaler',
    for: HORIZONTAL_POD_AUTOSCALERS,
    concurrency: 4,
    reconcile: (ref, ctx) => reconcileHorizontalPodAutoscaler(ref, ctx, config, histories),
  };
}

class Conditions {
  list: HorizontalPodAutoscalerCondition[];
  constructor(
    initial: HorizontalPodAutoscalerCondition[] | undefined,
    private readonly now: Date,
  ) {
    this.list = [...(initial ?? [])];
  }
  set(type: HpaConditionType, status: boolean, reason: string, message: string): void {
    this.list = setCondition(this.list, type, status, reason, message, this.now);
  }
}

export async function reconcileHorizontalPodAutoscaler(ref: ObjectRef, ctx: ReconcileContext, config: ControllerConfig, histories: Map<string, HpaHistory>): Promise<ReconcileResult | void> {
  const namespace = ref.namespace ?? '';
  const key = `${namespace}/${ref.name}`;
  let obj: KubeObject;
  try {
    obj = await ctx.client.get(HORIZONTAL_POD_AUTOSCALERS, ref.namespace, ref.name);
  } catch (err) {
    if (!(err instanceof NotFoundError)) throw err;
    histories.delete(key);
    return;
  }
  const hpa = shape<HorizontalPodAutoscaler>(obj);
  const spec = hpa.spec!;
  const now = ctx.now();
  const conditions = new Conditions(hpa.status?.conditions, now);
  const requeue = { requeueAfterMs: config.hpaSyncPeriodMs };
  const targetRef = spec.scaleTargetRef;
  const reference = `${targetRef.kind}/${namespace}/${targetRef.name}`;

  // 1. The target's current scale.
  const kind = findByKind(targetRef.apiVersion ?? '', targetRef.kind);
  if (!kind || !kind.subresources.includes('scale')) {
    const [group] = (targetRef.apiVersion ?? '').includes('/') ? (targetRef.apiVersion ?? '').split('/') : [''];
    const message = `no matches for kind "${targetRef.kind}" in group "${group}"`;
    await ctx.events.record(obj, 'Warning', 'FailedGetScale', message);
    conditions.set('AbleToScale', false, 'FailedGetScale', `the HPA controller was unable to get the target's current scale: ${message}`);
    await writeStatus(ctx, hpa, { ...statusBase(hpa), conditions: conditions.list });
    // Nothing will change that but an edit of the HPA, which queues it again.
    throw new TerminalError(`${reference}: ${message}`);
  }
  let scale: Scale;
  try {
    scale = await ctx.client.request<Scale>('GET', ctx.client.path(kind, ref.namespace, targetRef.name, 'scale'));
  } catch (err) {
    await ctx.events.record(obj, 'Warning', 'FailedGetScale', (err as Error).message);
    conditions.set('AbleToScale', false, 'FailedGetScale', `the HPA controller was unable to get the target's current scale: ${(err as Error).message}`);
    await writeStatus(ctx, hpa, { ...statusBase(hpa), conditions: conditions.list });
    return requeue;
  }
  conditions.set('AbleToScale', true, 'SucceededGetScale', "the HPA controller was able to get the target's current scale");

  const history = histories.get(key) ?? { recommendations: [], scaleUpEvents: [], scaleDownEvents: [] };
  histories.set(key, history);
  const currentReplicas = scale.spec?.replicas ?? 0;
  if (history.recommendations.length === 0) history.recommendations.push({ recommendation: currentReplicas, timestamp: now.getTime() });

  // 2. The desired count: out-of-range counts are brought in; otherwise the metrics decide.
  const minReplicas = spec.minReplicas ?? 1;
  let desiredReplicas = 0;
  let rescaleReason = '';
  let rescale = true;
  let metricStatuses: MetricStatus[] = hpa.status?.currentMetrics ?? [];
  if (currentReplicas === 0 && minReplicas !== 0) {
    rescale = false;
    conditions.set('ScalingActive', false, 'ScalingDisabled', 'scaling is disabled since the replica count of the target is zero');
  } else if (currentReplicas > spec.maxReplicas) {
    rescaleReason = 'Current number of replicas above Spec.MaxReplicas';
    desiredReplicas = spec.maxReplicas;
  } else if (currentReplicas < minReplicas) {
    rescaleReason = 'Current number of replicas below Spec.MinReplicas';
    desiredReplicas = minReplicas;
  } else {
    const selector = scale.status?.selector;
    if (!selector) {
      await ctx.events.record(obj, 'Warning', 'SelectorRequired', 'selector is required');
      conditions.set('ScalingActive', false, 'InvalidSelector', "the HPA target's scale is missing a selector");
      await writeStatus(ctx, hpa, { ...statusBase(hpa), currentReplicas, conditions: conditions.list });
      return requeue;
    }
    const pods = (await ctx.client.list(PODS, { namespace, labelSelector: selector })).items.map((p) => shape<Pod>(p));
    const proposal = await replicasForMetrics(spec.metrics ?? [], {
      currentReplicas,
      pods,
      now: now.getTime(),
      opts: { ...DEFAULT_REPLICA_CALCULATOR_OPTIONS, tolerance: config.hpaTolerance },
      fetch: (resource, container) => resourceMetrics(ctx.client, namespace, selector, resource, container),
    });
    metricStatuses = proposal.statuses;
    if (proposal.failure) {
      await ctx.events.record(obj, 'Warning', proposal.failure.reason, proposal.failure.message);
      conditions.set('ScalingActive', false, proposal.failure.reason, `the HPA was unable to compute the replica count: ${proposal.failure.message}`);
    }
    if (proposal.replicas === -1) {
      await ctx.events.record(obj, 'Warning', 'FailedComputeMetricsReplicas', proposal.failure!.summary);
      await writeStatus(ctx, hpa, { ...statusBase(hpa), currentReplicas, currentMetrics: metricStatuses, conditions: conditions.list });
      return requeue;
    }
    if (!proposal.failure) conditions.set('ScalingActive', true, 'ValidMetricFound', `the HPA was able to successfully calculate a replica count from ${proposal.metricName}`);
    desiredReplicas = proposal.replicas;
    if (desiredReplicas > currentReplicas) rescaleReason = `${proposal.metricName} above target`;
    if (desiredReplicas < currentReplicas) rescaleReason = 'All metrics below target';

    // 3. Stabilize and rate-limit.
    const args = { currentReplicas, desiredReplicas, minReplicas, maxReplicas: spec.maxReplicas, recommendations: history.recommendations, now: now.getTime() };
    const normalized = spec.behavior
      ? normalizeWithBehavior({ ...args, ...fullBehavior(spec.behavior), scaleUpEvents: history.scaleUpEvents, scaleDownEvents: history.scaleDownEvents })
      : normalizeWithoutBehavior({ ...args, stabilizationWindowMs: config.hpaDownscaleStabilizationMs });
    history.recommendations = normalized.recommendations;
    conditions.set('AbleToScale', true, normalized.ableToScale.reason, normalized.ableToScale.message);
    conditions.set('ScalingLimited', normalized.scalingLimited.limited, normalized.scalingLimited.reason, normalized.scalingLimited.message);
    desiredReplicas = normalized.desiredReplicas;
    rescale = desiredReplicas !== currentReplicas;
  }

  // 4. Scale the target, then report.
  let lastScaleTime = hpa.status?.lastScaleTime;
  if (rescale) {
    try {
      await ctx.client.patch(kind, ref.namespace, targetRef.name, { spec: { replicas: desiredReplicas } }, 'merge', { subresource: 'scale' });
    } catch (err) {
      await ctx.events.record(obj, 'Warning', 'FailedRescale', `New size: ${desiredReplicas}; reason: ${rescaleReason}; error: ${(err as Error).message}`);
      conditions.set('AbleToScale', false, 'FailedUpdateScale', `the HPA controller was unable to update the target scale: ${(err as Error).message}`);
      await writeStatus(ctx, hpa, { ...statusBase(hpa), currentReplicas, currentMetrics: metricStatuses, conditions: conditions.list });
      throw err;
    }
    conditions.set('AbleToScale', true, 'SucceededRescale', `the HPA controller was able to update the target scale to ${desiredReplicas}`);
    await ctx.events.record(obj, 'Normal', 'SuccessfulRescale', `New size: ${desiredReplicas}; reason: ${rescaleReason}`);
    if (spec.behavior) {
      const events = storeScaleEvent({ up: history.scaleUpEvents, down: history.scaleDownEvents }, fullBehavior(spec.behavior), currentReplicas, desiredReplicas, now.getTime());
      history.scaleUpEvents = events.up;
      history.scaleDownEvents = events.down;
    }
    lastScaleTime = now.toISOString().replace(/\.\d{3}Z$/, 'Z');
  } else {
    desiredReplicas = currentReplicas;
  }
  await writeStatus(ctx, hpa, {
    ...(hpa.metadata?.generation !== undefined ? { observedGeneration: hpa.metadata.generation } : {}),
    ...(lastScaleTime ? { lastScaleTime } : {}),
    currentReplicas,
    desiredReplicas,
    ...(metricStatuses.length ? { currentMetrics: metricStatuses } : {}),
    conditions: conditions.list,
  });
  return requeue;
}

/** The status fields a pass that stops early keeps as they were. */
function statusBase(hpa: HorizontalPodAutoscaler): HorizontalPodAutoscalerStatus {
  const s = hpa.status;
  return {
    ...(s?.observedGeneration !== undefined ? { observedGeneration: s.observedGeneration } : {}),
    ...(s?.lastScaleTime ? { lastScaleTime: s.lastScaleTime } : {}),
    currentReplicas: s?.currentReplicas ?? 0,
    desiredReplicas: s?.desiredReplicas ?? 0,
    ...(s?.currentMetrics ? { currentMetrics: s.currentMetrics } : {}),
  };
}

/** Compute, compare, write: an unchanged status is not written. */
async function writeStatus(ctx: ReconcileContext, hpa: HorizontalPodAutoscaler, status: HorizontalPodAutoscalerStatus): Promise<void> {
  if (deepEqual(hpa.status ?? {}, status)) return;
  try {
    await ctx.client.updateStatus(HORIZONTAL_POD_AUTOSCALERS, { ...(hpa as KubeObject), status } as KubeObject);
  } catch (err) {
    if (!(err instanceof NotFoundError)) throw err;
  }
}
