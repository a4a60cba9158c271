import type { HPAScalingRules } from 'kubernetes-types/autoscaling/v2.js';

/**
 * What the HPA does with a raw replica proposal before it scales (Kubernetes'
 * horizontal.go normalizeDesiredReplicas / normalizeDesiredReplicasWithBehaviors): stabilize it
 * against recent recommendations, then hold it to the scaling rate and to [min, max]. Pure: the
 * recommendation and scale-event histories come in and the updated ones go out.
 */

export interface TimestampedRecommendation {
  recommendation: number;
  /** ms since the epoch */
  timestamp: number;
}

export interface TimestampedScaleEvent {
  /** Replicas added (scale-up events) or removed (scale-down events): always positive. */
  replicaChange: number;
  timestamp: number;
  /** Older than the longest policy period: kept only to be overwritten. */
  outdated: boolean;
}

/** A reason and message for the AbleToScale or ScalingLimited condition. */
export interface ConditionReason {
  reason: string;
  message: string;
}

export interface NormalizeResult {
  desiredReplicas: number;
  recommendations: TimestampedRecommendation[];
  /** AbleToScale=True with this reason. */
  ableToScale: ConditionReason;
  /** ScalingLimited: True when the rate or the bounds changed the stabilized recommendation. */
  scalingLimited: ConditionReason & { limited: boolean };
}

/** kube-controller-manager's scale-up limit without behavior: at most double, and at least 4. */
export function scaleUpLimit(currentReplicas: number): number {
  return Math.max(2 * currentReplicas, 4);
}

const DESIRED_WITHIN_RANGE: ConditionReason = { reason: 'DesiredWithinRange', message: 'the desired count is within the acceptable range' };
const READY_FOR_NEW_SCALE: ConditionReason = { reason: 'ReadyForNewScale', message: 'recommended size matches current size' };

/**
 * Without `behavior`: the highest recommendation of the last `stabilizationWindowMs` (the
 * --horizontal-pod-autoscaler-downscale-stabilization flag, 5 minutes) wins, so a brief dip never
 * scales down; then at most max(2x, 4) up, and within [min, max].
 *
 * Worked example: current 2, a recommendation of 5 two minutes ago and 3 now, max 10: the
 * window stabilizes 3 to 5 (ScaleDownStabilized); the scale-up limit is max(2 * 2, 4) = 4, below
 * max, so 4 it is (ScaleUpLimit).
 */
export function normalizeWithoutBehavior(input: {
  currentReplicas: number;
  desiredReplicas: number;
  minReplicas: number;
  maxReplicas: number;
  recommendations: TimestampedRecommendation[];
  stabilizationWindowMs: number;
  now: number;
}): NormalizeResult {
  const cutoff = input.now - input.stabilizationWindowMs;
  let stabilized = input.desiredReplicas;
  let oldIndex = -1;
  input.recommendations.forEach((rec, i) => {
    if (rec.timestamp < cutoff) oldIndex = i;
    else if (rec.recommendation > stabilized) stabilized = rec.recommendation;
  });
  const recommendations = record(input.recommendations, oldIndex, { recommendation: input.desiredReplicas, timestamp: input.now });
  const ableToScale =
    stabilized !== input.desiredReplicas
      ? { reason: 'ScaleDownStabilized', message: 'recent recommendations were higher than current one, applying the highest recent recommendation' }
      : READY_FOR_NEW_SCALE;

  let maximum: number;
  let limit: ConditionReason;
  const upLimit = scaleUpLimit(input.currentReplicas);
  if (input.maxReplicas > upLimit) {
    maximum = upLimit;
    limit = { reason: 'ScaleUpLimit', message: 'the desired replica count is increasing faster than the maximum scale rate' };
  } else {
    maximum = input.maxReplicas;
    limit = { reason: 'TooManyReplicas', message: 'the desired replica count is more than the maximum replica count' };
  }
  let desired = stabilized;
  let reason = DESIRED_WITHIN_RANGE;
  if (stabilized < input.minReplicas) {
    desired = input.minReplicas;
    reason = { reason: 'TooFewReplicas', message: 'the desired replica count is less than the minimum replica count' };
  } else if (stabilized > maximum) {
    desired = maximum;
    reason = limit;
  }
  return { desiredReplicas: desired, recommendations, ableToScale, scalingLimited: { ...reason, limited: desired !== stabilized } };
}

function record(history: TimestampedRecommendation[], oldIndex: number, rec: TimestampedRecommendation): TimestampedRecommendation[] {
  const out = [...history];
  if (oldIndex >= 0) out[oldIndex] = rec;
  else out.push(rec);
  return out;
}

/**
 * With `behavior`: the recommendation is held between the lowest recommendation of the scale-up
 * window and the highest of the scale-down window (starting from the current count), then
 * limited by the policies of the direction it moves in.
 *
 * Worked example: current 4, desired 1, scaleDown window 300 s with recommendations 4 (200 s ago)
 * and 2 (100 s ago): down limit = max(4, 2, 1) = 4, so the count stays 4 (ScaleDownStabilized).
 * 301 s after the 4 was recorded, only 2 and 1 are in the window: 2 replicas.
 */
export function normalizeWithBehavior(input: {
  currentReplicas: number;
  desiredReplicas: number;
  minReplicas: number;
  maxReplicas: number;
  scaleUp: Required<HPAScalingRules>;
  scaleDown: Required<HPAScalingRules>;
  recommendations: TimestampedRecommendation[];
  scaleUpEvents: TimestampedScaleEvent[];
  scaleDownEvents: TimestampedScaleEvent[];
  now: number;
}): NormalizeResult {
  const upCutoff = input.now - input.scaleUp.stabilizationWindowSeconds * 1000;
  const downCutoff = input.now - input.scaleDown.stabilizationWindowSeconds * 1000;
  let upRecommendation = input.desiredReplicas;
  let downRecommendation = input.desiredReplicas;
  let oldIndex = -1;
  input.recommendations.forEach((rec, i) => {
    if (rec.timestamp > upCutoff) upRecommendation = Math.min(rec.recommendation, upRecommendation);
    if (rec.timestamp > downCutoff) downRecommendation = Math.max(rec.recommendation, downRecommendation);
    if (rec.timestamp < upCutoff && rec.timestamp < downCutoff) oldIndex = i;
  });
  let stabilized = input.currentReplicas;
  if (stabilized < upRecommendation) stabilized = upRecommendation;
  if (stabilized > downRecommendation) stabilized = downRecommendation;
  const recommendations = record(input.recommendations, oldIndex, { recommendation: input.desiredReplicas, timestamp: input.now });

  let ableToScale = READY_FOR_NEW_SCALE;
  if (stabilized !== input.desiredReplicas) {
    ableToScale =
      input.desiredReplicas >= input.currentReplicas
        ? { reason: 'ScaleUpStabilized', message: 'recent recommendations were lower than current one, applying the lowest recent recommendation' }
        : { reason: 'ScaleDownStabilized', message: 'recent recommendations were higher than current one, applying the highest recent recommendation' };
  }

  const { desired, reason } = limitByRate({ ...input, desiredReplicas: stabilized });
  return { desiredReplicas: desired, recommendations, ableToScale, scalingLimited: { ...reason, limited: desired !== stabilized } };
}

function limitByRate(input: {
  currentReplicas: number;
  desiredReplicas: number;
  minReplicas: number;
  maxReplicas: number;
  scaleUp: Required<HPAScalingRules>;
  scaleDown: Required<HPAScalingRules>;
  scaleUpEvents: TimestampedScaleEvent[];
  scaleDownEvents: TimestampedScaleEvent[];
  now: number;
}): { desired: number; reason: ConditionReason } {
  const { currentReplicas: current, desiredReplicas: desired } = input;
  if (desired > current) {
    const upLimit = Math.max(current, scaleUpLimitWithRules(current, input.scaleUpEvents, input.scaleDownEvents, input.scaleUp, input.now));
    const limited = input.maxReplicas > upLimit;
    const maximum = limited ? upLimit : input.maxReplicas;
    const reason = limited
      ? { reason: 'ScaleUpLimit', message: 'the desired replica count is increasing faster than the maximum scale rate' }
      : { reason: 'TooManyReplicas', message: 'the desired replica count is more than the maximum replica count' };
    if (desired > maximum) return { desired: maximum, reason };
  } else if (desired < current) {
    const downLimit = Math.min(current, scaleDownLimitWithRules(current, input.scaleUpEvents, input.scaleDownEvents, input.scaleDown, input.now));
    const limited = input.minReplicas < downLimit;
    const minimum = limited ? downLimit : input.minReplicas;
    const reason = limited
      ? { reason: 'ScaleDownLimit', message: 'the desired replica count is decreasing faster than the maximum scale rate' }
      : { reason: 'TooFewReplicas', message: 'the desired replica count is less than the minimum replica count' };
    if (desired < minimum) return { desired: minimum, reason };
  }
  return { desired, reason: DESIRED_WITHIN_RANGE };
}

/** Replicas changed by the (not outdated) events of the last `periodSeconds`. */
export function replicasChangePerPeriod(periodSeconds: number, events: TimestampedScaleEvent[], now: number): number {
  const cutoff = now - periodSeconds * 1000;
  let change = 0;
  for (const e of events) if (!e.outdated && e.timestamp > cutoff) change += e.replicaChange;
  return change;
}

/**
 * The highest count scale-up policies allow now. Each policy measures from the count at the
 * start of its period: with 5 replicas after adding 2 in the last 15 s, {Pods: 4, 15 s} allows
 * 3 + 4 = 7 and {Percent: 100, 15 s} allows ceil(3 * 2) = 6; selectPolicy Max picks 7, Min 6.
 */
export function scaleUpLimitWithRules(current: number, upEvents: TimestampedScaleEvent[], downEvents: TimestampedScaleEvent[], rules: Required<HPAScalingRules>, now: number): number {
  if (rules.selectPolicy === 'Disabled') return current;
  const pick = rules.selectPolicy === 'Min' ? Math.min : Math.max;
  let result = rules.selectPolicy === 'Min' ? Infinity : -Infinity;
  for (const p of rules.policies) {
    const start = current - replicasChangePerPeriod(p.periodSeconds, upEvents, now) + replicasChangePerPeriod(p.periodSeconds, downEvents, now);
    // Rounded up: a small percentage of a small count must still allow one more replica.
    const proposed = p.type === 'Pods' ? start + p.value : Math.ceil(start * (1 + p.value / 100));
    result = pick(result, proposed);
  }
  return result;
}

/**
 * The lowest count scale-down policies allow now. With 10 replicas and {Percent: 50, 60 s}: 5;
 * with {Pods: 3, 60 s} as well, selectPolicy Max (the biggest change) picks 5, Min picks 7.
 */
export function scaleDownLimitWithRules(current: number, upEvents: TimestampedScaleEvent[], downEvents: TimestampedScaleEvent[], rules: Required<HPAScalingRules>, now: number): number {
  if (rules.selectPolicy === 'Disabled') return current;
  const pick = rules.selectPolicy === 'Min' ? Math.max : Math.min;
  let result = rules.selectPolicy === 'Min' ? -Infinity : Infinity;
  for (const p of rules.policies) {
    const start = current - replicasChangePerPeriod(p.periodSeconds, upEvents, now) + replicasChangePerPeriod(p.periodSeconds, downEvents, now);
    const proposed = p.type === 'Pods' ? start - p.value : Math.trunc(start * (1 - p.value / 100));
    result = pick(result, proposed);
  }
  return result;
}

/**
 * Records a rescale in the history of its direction: events older than the direction's longest
 * policy period are marked outdated and the first of them is reused, so the list stays short.
 */
export function storeScaleEvent(
  events: { up: TimestampedScaleEvent[]; down: TimestampedScaleEvent[] },
  rules: { scaleUp: Required<HPAScalingRules>; scaleDown: Required<HPAScalingRules> },
  prevReplicas: number,
  newReplicas: number,
  now: number,
): { up: TimestampedScaleEvent[]; down: TimestampedScaleEvent[] } {
  if (newReplicas === prevReplicas) return events;
  const up = newReplicas > prevReplicas;
  const policies = (up ? rules.scaleUp : rules.scaleDown).policies;
  const longest = Math.max(0, ...policies.map((p) => p.periodSeconds)) * 1000;
  const list = (up ? events.up : events.down).map((e) => (e.timestamp < now - longest ? { ...e, outdated: true } : e));
  const event = { replicaChange: Math.abs(newReplicas - prevReplicas), timestamp: now, outdated: false };
  const reuse = list.findIndex((e) => e.outdated);
  if (reuse >= 0) list[reuse] = event;
  else list.push(event);
  return up ? { up: list, down: events.down } : { up: events.up, down: list };
}
