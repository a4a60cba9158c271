import type { HorizontalPodAutoscalerBehavior, HPAScalingRules } from 'kubernetes-types/autoscaling/v2.js';

/**
 * Kubernetes' HPA behavior defaults (autoscaling/v2 GenerateHPAScaleUpRules /
 * GenerateHPAScaleDownRules): scale up at once by 4 pods or 100 % per 15 s, whichever is more;
 * scale down by up to 100 % per 15 s, but only to the highest recommendation of the last 300 s.
 * A field left out of a given rule takes its default; given policies replace the default ones.
 */
export const DEFAULT_SCALE_DOWN_STABILIZATION_SECONDS = 300;

export function scaleUpRules(rules: HPAScalingRules | undefined): Required<HPAScalingRules> {
  return {
    stabilizationWindowSeconds: rules?.stabilizationWindowSeconds ?? 0,
    selectPolicy: rules?.selectPolicy ?? 'Max',
    policies: rules?.policies?.length
      ? rules.policies
      : [
          { type: 'Pods', value: 4, periodSeconds: 15 },
          { type: 'Percent', value: 100, periodSeconds: 15 },
        ],
  };
}

export function scaleDownRules(rules: HPAScalingRules | undefined): Required<HPAScalingRules> {
  return {
    stabilizationWindowSeconds: rules?.stabilizationWindowSeconds ?? DEFAULT_SCALE_DOWN_STABILIZATION_SECONDS,
    selectPolicy: rules?.selectPolicy ?? 'Max',
    policies: rules?.policies?.length ? rules.policies : [{ type: 'Percent', value: 100, periodSeconds: 15 }],
  };
}

/** Both directions with every field filled in. */
export function fullBehavior(behavior: HorizontalPodAutoscalerBehavior): { scaleUp: Required<HPAScalingRules>; scaleDown: Required<HPAScalingRules> } {
  return { scaleUp: scaleUpRules(behavior.scaleUp), scaleDown: scaleDownRules(behavior.scaleDown) };
}
