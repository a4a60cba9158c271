import type { HorizontalPodAutoscalerCondition } from 'kubernetes-types/autoscaling/v2.js';

export type HpaConditionType = 'AbleToScale' | 'ScalingActive' | 'ScalingLimited';

/**
 * Sets one condition in a copy of the list: a condition whose status stays keeps its
 * lastTransitionTime, so a converged HPA's conditions do not change from pass to pass.
 */
export function setCondition(
  conditions: HorizontalPodAutoscalerCondition[],
  type: HpaConditionType,
  status: boolean,
  reason: string,
  message: string,
  now: Date,
): HorizontalPodAutoscalerCondition[] {
  const value = status ? 'True' : 'False';
  const existing = conditions.find((c) => c.type === type);
  const lastTransitionTime = existing && existing.status === value && existing.lastTransitionTime ? existing.lastTransitionTime : now.toISOString().replace(/\.\d{3}Z$/, 'Z');
  const next = { type, status: value, lastTransitionTime, reason, message };
  return existing ? conditions.map((c) => (c === existing ? next : c)) : [...conditions, next];
}
