import type { HorizontalPodAutoscaler, HPAScalingRules, MetricSpec, MetricTarget } from 'kubernetes-types/autoscaling/v2.js';
import { FieldPath, forbidden, invalid, notSupported, required, NEGATIVE, type FieldErrors } from './fieldErrors.js';
import { pathSegmentNameErrors } from '../names.js';
import { parseResourceQuantity } from './resourceQuantity.js';

/**
 * autoscaling/v2 HorizontalPodAutoscaler validation (Kubernetes'
 * pkg/apis/autoscaling/validation), run on the defaulted v2 object: a v1 object is converted
 * first, so its cpu target is reported where v2 keeps it, as kube-apiserver does.
 */

export const MAX_PERIOD_SECONDS = 1800;
export const MAX_STABILIZATION_WINDOW_SECONDS = 3600;
const METRIC_SOURCE_TYPES = ['ContainerResource', 'External', 'Object', 'Pods', 'Resource'];
const SOURCE_FIELDS: Record<string, string> = { Object: 'object', Pods: 'pods', Resource: 'resource', External: 'external', ContainerResource: 'containerResource' };
const SELECT_POLICIES = ['Disabled', 'Max', 'Min'];
const POLICY_TYPES = ['Percent', 'Pods'];
const STANDARD_CONTAINER_RESOURCES = ['cpu', 'memory', 'ephemeral-storage'];

export function validateHorizontalPodAutoscaler(hpa: HorizontalPodAutoscaler, errs: FieldErrors): void {
  const path = FieldPath.root('spec');
  const spec = hpa.spec;
  if (!spec) {
    errs.push(required(path.child('scaleTargetRef', 'kind'), ''), required(path.child('scaleTargetRef', 'name'), ''));
    return;
  }
  if (spec.minReplicas !== undefined && spec.minReplicas < 1) errs.push(invalid(path.child('minReplicas'), spec.minReplicas, 'must be greater than or equal to 1'));
  if (spec.maxReplicas === undefined || spec.maxReplicas < 1) errs.push(invalid(path.child('maxReplicas'), spec.maxReplicas ?? 0, 'must be greater than 0'));
  if (spec.minReplicas !== undefined && (spec.maxReplicas ?? 0) < spec.minReplicas) errs.push(invalid(path.child('maxReplicas'), spec.maxReplicas ?? 0, 'must be greater than or equal to `minReplicas`'));

  // As in Kubernetes, metrics are looked at only with a good reference, and behavior only with good metrics.
  const ref: FieldErrors = [];
  const refPath = path.child('scaleTargetRef');
  for (const f of ['kind', 'name'] as const) {
    const v = spec.scaleTargetRef?.[f] ?? '';
    if (!v) ref.push(required(refPath.child(f), ''));
    else for (const msg of pathSegmentNameErrors(v)) ref.push(invalid(refPath.child(f), v, msg));
  }
  if (ref.length) return void errs.push(...ref);
  const metrics: FieldErrors = [];
  (spec.metrics ?? []).forEach((m, i) => validateMetricSpec(m, path.child('metrics').index(i), metrics));
  if (metrics.length) return void errs.push(...metrics);
  if (spec.behavior) {
    validateScalingRules(spec.behavior.scaleUp, path.child('behavior', 'scaleUp'), errs);
    validateScalingRules(spec.behavior.scaleDown, path.child('behavior', 'scaleDown'), errs);
  }
}

/** Status writes (the controller's): counts may not be negative. */
export function validateHorizontalPodAutoscalerStatus(hpa: HorizontalPodAutoscaler, errs: FieldErrors): void {
  const path = FieldPath.root('status');
  const s = hpa.status;
  if (s?.currentReplicas !== undefined && s.currentReplicas < 0) errs.push(invalid(path.child('currentReplicas'), s.currentReplicas, NEGATIVE));
  if (s?.desiredReplicas !== undefined && s.desiredReplicas < 0) errs.push(invalid(path.child('desiredReplicas'), s.desiredReplicas, NEGATIVE));
}

function validateMetricSpec(m: MetricSpec, path: FieldPath, errs: FieldErrors): void {
  if (!m.type) errs.push(required(path.child('type'), 'must specify a metric source type'));
  else if (!METRIC_SOURCE_TYPES.includes(m.type)) errs.push(notSupported(path.child('type'), m.type, METRIC_SOURCE_TYPES));
  const sources: Record<string, unknown> = { ...m };
  const present = Object.values(SOURCE_FIELDS).filter((f) => sources[f] !== undefined && sources[f] !== null);
  const expected = SOURCE_FIELDS[m.type];
  if (expected && !present.includes(expected)) errs.push(required(path.child(expected), 'must populate information for the given metric source'));
  if (present.length > 1 || (present.length === 1 && present[0] !== expected)) {
    for (const f of present) if (f !== expected) errs.push(forbidden(path.child(f), 'must populate the given metric source only'));
  }
  if (m.type === 'Resource' && m.resource) validateResourceSource(m.resource.name, undefined, m.resource.target, path.child('resource'), errs);
  if (m.type === 'ContainerResource' && m.containerResource) validateResourceSource(m.containerResource.name, m.containerResource.container ?? '', m.containerResource.target, path.child('containerResource'), errs);
  if (m.type === 'Pods' && m.pods) {
    if (!m.pods.metric?.name) errs.push(required(path.child('pods', 'metric', 'name'), 'must specify a metric name'));
    validateMetricTarget(m.pods.target, path.child('pods', 'target'), errs);
    if (!m.pods.target?.averageValue) errs.push(required(path.child('pods', 'target', 'averageValue'), 'must specify a positive target averageValue'));
  }
  if (m.type === 'Object' && m.object) {
    if (!m.object.metric?.name) errs.push(required(path.child('object', 'metric', 'name'), 'must specify a metric name'));
    validateMetricTarget(m.object.target, path.child('object', 'target'), errs);
    if (!m.object.target?.value && !m.object.target?.averageValue) errs.push(required(path.child('object', 'target', 'value'), 'must set either a target value or averageValue'));
  }
  if (m.type === 'External' && m.external) {
    if (!m.external.metric?.name) errs.push(required(path.child('external', 'metric', 'name'), 'must specify a metric name'));
    validateMetricTarget(m.external.target, path.child('external', 'target'), errs);
    if (!m.external.target?.value && !m.external.target?.averageValue) errs.push(required(path.child('external', 'target', 'value'), 'must set either a target value for metric or a per-pod target'));
  }
}

function validateResourceSource(name: string | undefined, container: string | undefined, target: MetricTarget | undefined, path: FieldPath, errs: FieldErrors): void {
  if (!name) errs.push(required(path.child('name'), 'must specify a resource name'));
  else if (!STANDARD_CONTAINER_RESOURCES.includes(name) && !name.includes('/')) errs.push(invalid(path.child('name'), name, 'must be a standard resource for containers'));
  if (container !== undefined && !container) errs.push(required(path.child('container'), 'must specify a container'));
  validateMetricTarget(target, path.child('target'), errs);
  if (target?.averageUtilization === undefined && target?.averageValue === undefined) {
    errs.push(required(path.child('target', 'averageUtilization'), 'must set either a target raw value or a target utilization'));
  }
  if (target?.averageUtilization !== undefined && target.averageValue !== undefined) {
    errs.push(forbidden(path.child('target', 'averageValue'), 'may not set both a target raw value and a target utilization'));
  }
}

function positive(q: string | number | undefined): boolean {
  if (q === undefined) return true;
  const parsed = parseResourceQuantity(q);
  return parsed.ok && parsed.value > 0;
}

function validateMetricTarget(t: MetricTarget | undefined, path: FieldPath, errs: FieldErrors): void {
  const type = t?.type ?? '';
  if (!type) errs.push(required(path.child('type'), 'must specify a metric target type'));
  if (!['Utilization', 'Value', 'AverageValue'].includes(type)) errs.push(invalid(path.child('type'), type, 'must be either Utilization, Value, or AverageValue'));
  if (!positive(t?.value)) errs.push(invalid(path.child('value'), t?.value, 'must be positive'));
  if (!positive(t?.averageValue)) errs.push(invalid(path.child('averageValue'), t?.averageValue, 'must be positive'));
  if (t?.averageUtilization !== undefined && t.averageUtilization < 1) errs.push(invalid(path.child('averageUtilization'), t.averageUtilization, 'must be greater than 0'));
}

function validateScalingRules(rules: HPAScalingRules | undefined, path: FieldPath, errs: FieldErrors): void {
  if (!rules) return;
  const window = rules.stabilizationWindowSeconds;
  if (window !== undefined && window < 0) errs.push(invalid(path.child('stabilizationWindowSeconds'), window, 'must be greater than or equal to zero'));
  if (window !== undefined && window > MAX_STABILIZATION_WINDOW_SECONDS) errs.push(invalid(path.child('stabilizationWindowSeconds'), window, `must be less than or equal to ${MAX_STABILIZATION_WINDOW_SECONDS}`));
  if (rules.selectPolicy !== undefined && !SELECT_POLICIES.includes(rules.selectPolicy)) errs.push(notSupported(path.child('selectPolicy'), rules.selectPolicy, SELECT_POLICIES));
  if (!rules.policies?.length) errs.push(required(path.child('policies'), 'must specify at least one Policy'));
  (rules.policies ?? []).forEach((p, i) => {
    const at = path.child('policies').index(i);
    if (!POLICY_TYPES.includes(p.type)) errs.push(notSupported(at.child('type'), p.type, POLICY_TYPES));
    if (!(p.value > 0)) errs.push(invalid(at.child('value'), p.value, 'must be greater than zero'));
    if (!(p.periodSeconds > 0)) errs.push(invalid(at.child('periodSeconds'), p.periodSeconds, 'must be greater than zero'));
    if (p.periodSeconds > MAX_PERIOD_SECONDS) errs.push(invalid(at.child('periodSeconds'), p.periodSeconds, `must be less than or equal to ${MAX_PERIOD_SECONDS}`));
  });
}
