import { describe, expect, it } from 'vitest';
import type { HorizontalPodAutoscaler as HpaV2 } from 'kubernetes-types/autoscaling/v2.js';
import type { HorizontalPodAutoscaler as HpaV1 } from 'kubernetes-types/autoscaling/v1.js';
import { defaultHorizontalPodAutoscalerV1, defaultHorizontalPodAutoscalerV2 } from './hpaDefaults.js';
import { BEHAVIOR_ANNOTATION, CONDITIONS_ANNOTATION, hpaV1ToV2, hpaV2ToV1, METRICS_ANNOTATION } from './hpaConversion.js';
import { validateHorizontalPodAutoscaler } from '../validation/horizontalPodAutoscaler.js';
import { formatHpaMetrics, hpaCells } from '../tables/horizontalPodAutoscaler.js';
import type { FieldErrors } from '../validation/fieldErrors.js';

function hpa(spec: Partial<NonNullable<HpaV2['spec']>> = {}): HpaV2 {
  return { apiVersion: 'autoscaling/v2', kind: 'HorizontalPodAutoscaler', metadata: { name: 'web', namespace: 'default' }, spec: { scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' }, maxReplicas: 5, ...spec } };
}

const cpu = (averageUtilization: number) => ({ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization } } });

describe('defaults', () => {
  it('fills minReplicas and an 80 % cpu target, and leaves behavior absent', () => {
    const got = defaultHorizontalPodAutoscalerV2(hpa());
    expect(got.spec).toMatchObject({ minReplicas: 1, metrics: [cpu(80)] });
    expect(got.spec?.behavior).toBeUndefined();
  });

  it('fills a given behavior with Kubernetes defaults', () => {
    const got = defaultHorizontalPodAutoscalerV2(hpa({ behavior: { scaleDown: { stabilizationWindowSeconds: 10 } } }));
    expect(got.spec?.behavior).toEqual({
      scaleUp: { stabilizationWindowSeconds: 0, selectPolicy: 'Max', policies: [{ type: 'Pods', value: 4, periodSeconds: 15 }, { type: 'Percent', value: 100, periodSeconds: 15 }] },
      scaleDown: { stabilizationWindowSeconds: 10, selectPolicy: 'Max', policies: [{ type: 'Percent', value: 100, periodSeconds: 15 }] },
    });
  });

  it('v1: minReplicas only', () => {
    expect(defaultHorizontalPodAutoscalerV1({ spec: { scaleTargetRef: { kind: 'Deployment', name: 'web' }, maxReplicas: 3 } }).spec).toEqual({ scaleTargetRef: { kind: 'Deployment', name: 'web' }, maxReplicas: 3, minReplicas: 1 });
  });
});

describe('v1 <-> v2', () => {
  it('turns targetCPUUtilizationPercentage into a cpu metric and back', () => {
    const v1: HpaV1 = { metadata: { name: 'web' }, spec: { scaleTargetRef: { kind: 'Deployment', name: 'web' }, minReplicas: 2, maxReplicas: 4, targetCPUUtilizationPercentage: 50 }, status: { currentReplicas: 2, desiredReplicas: 3, currentCPUUtilizationPercentage: 70 } };
    const v2 = hpaV1ToV2(v1);
    expect(v2.spec?.metrics).toEqual([cpu(50)]);
    expect(v2.status?.currentMetrics).toEqual([{ type: 'Resource', resource: { name: 'cpu', current: { averageUtilization: 70 } } }]);
    const back = hpaV2ToV1(v2);
    expect(back.spec).toEqual(v1.spec);
    expect(back.status).toEqual(v1.status);
    expect(back.metadata?.annotations).toBeUndefined();
  });

  it('keeps what v1 cannot hold in annotations, and gets it back', () => {
    const memory = { type: 'Resource', resource: { name: 'memory', target: { type: 'AverageValue', averageValue: '100Mi' } } };
    const v2 = hpa({ metrics: [cpu(50), memory], behavior: { scaleDown: { stabilizationWindowSeconds: 5 } } });
    v2.status = { currentReplicas: 1, desiredReplicas: 1, conditions: [{ type: 'AbleToScale', status: 'True', reason: 'SucceededGetScale' }] };
    const v1 = hpaV2ToV1(v2);
    expect(v1.spec?.targetCPUUtilizationPercentage).toBe(50);
    expect(Object.keys(v1.metadata?.annotations ?? {}).sort()).toEqual([BEHAVIOR_ANNOTATION, CONDITIONS_ANNOTATION, METRICS_ANNOTATION].sort());
    const again = hpaV1ToV2(v1);
    expect(again.spec).toEqual(v2.spec);
    expect(again.status?.conditions).toEqual(v2.status.conditions);
    expect(again.metadata?.annotations).toBeUndefined();
  });
});

describe('validation', () => {
  const errors = (o: HpaV2) => {
    const errs: FieldErrors = [];
    validateHorizontalPodAutoscaler(defaultHorizontalPodAutoscalerV2(o), errs);
    return errs.map((e) => `${e.field}: ${e.message}`);
  };
  it.each([
    ['a valid HPA', hpa(), []],
    ['minReplicas 0', hpa({ minReplicas: 0 }), ['spec.minReplicas: Invalid value: 0: must be greater than or equal to 1']],
    ['max below min', hpa({ minReplicas: 3, maxReplicas: 2 }), ['spec.maxReplicas: Invalid value: 2: must be greater than or equal to `minReplicas`']],
    ['maxReplicas 0', hpa({ maxReplicas: 0 }), ['spec.maxReplicas: Invalid value: 0: must be greater than 0', 'spec.maxReplicas: Invalid value: 0: must be greater than or equal to `minReplicas`']],
    ['no kind', hpa({ scaleTargetRef: { kind: '', name: 'web' } }), ['spec.scaleTargetRef.kind: Required value']],
    ['a slash in the name', hpa({ scaleTargetRef: { kind: 'Deployment', name: 'a/b' } }), ["spec.scaleTargetRef.name: Invalid value: \"a/b\": may not contain '/'"]],
    ['utilization 0', hpa({ metrics: [cpu(0)] }), ['spec.metrics[0].resource.target.averageUtilization: Invalid value: 0: must be greater than 0']],
    ['no target', hpa({ metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization' } } }] }), ['spec.metrics[0].resource.target.averageUtilization: Required value: must set either a target raw value or a target utilization']],
    ['a source that is not the type', hpa({ metrics: [{ type: 'Pods', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 5 } } }] }), ['spec.metrics[0].pods: Required value: must populate information for the given metric source', 'spec.metrics[0].resource: Forbidden: must populate the given metric source only']],
    ['an unknown type', hpa({ metrics: [{ type: 'Magic' }] }), ['spec.metrics[0].type: Unsupported value: "Magic": supported values: "ContainerResource", "External", "Object", "Pods", "Resource"']],
    ['a negative window', hpa({ behavior: { scaleDown: { stabilizationWindowSeconds: -1 } } }), ['spec.behavior.scaleDown.stabilizationWindowSeconds: Invalid value: -1: must be greater than or equal to zero']],
    ['a bad policy', hpa({ behavior: { scaleUp: { selectPolicy: 'Most', policies: [{ type: 'Nodes', value: 0, periodSeconds: 2000 }] } } }), [
      'spec.behavior.scaleUp.selectPolicy: Unsupported value: "Most": supported values: "Disabled", "Max", "Min"',
      'spec.behavior.scaleUp.policies[0].type: Unsupported value: "Nodes": supported values: "Percent", "Pods"',
      'spec.behavior.scaleUp.policies[0].value: Invalid value: 0: must be greater than zero',
      'spec.behavior.scaleUp.policies[0].periodSeconds: Invalid value: 2000: must be less than or equal to 1800',
    ]],
  ] as const)('%s', (_n, o, want) => {
    expect(errors(o as HpaV2)).toEqual(want);
  });
});

describe('table cells', () => {
  it('shows <unknown> before the controller measured, then current/target', () => {
    const o = defaultHorizontalPodAutoscalerV2(hpa({ metrics: [cpu(50)] }));
    expect(hpaCells(o)).toEqual(['Deployment/web', 'cpu: <unknown>/50%', '1', 5, 0]);
    o.status = { currentReplicas: 2, desiredReplicas: 2, currentMetrics: [{ type: 'Resource', resource: { name: 'cpu', current: { averageUtilization: 12, averageValue: '60m' } } }] };
    expect(hpaCells(o)).toEqual(['Deployment/web', 'cpu: 12%/50%', '1', 5, 2]);
  });

  it.each([
    [[], [], '<none>'],
    [[{ type: 'Resource', resource: { name: 'memory', target: { type: 'AverageValue', averageValue: '100Mi' } } }], [{ type: 'Resource', resource: { name: 'memory', current: { averageValue: '50Mi' } } }], 'memory: 50Mi/100Mi'],
    [[cpu(50), cpu(60), cpu(70), cpu(80)], [], 'cpu: <unknown>/50%, cpu: <unknown>/60%, cpu: <unknown>/70% + 1 more...'],
  ] as const)('%j -> %s', (specs, statuses, want) => {
    expect(formatHpaMetrics([...specs] as never, [...statuses] as never)).toBe(want);
  });
});
