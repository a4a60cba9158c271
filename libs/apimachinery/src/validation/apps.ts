import type { KubeObject } from '../types.js';
import { percentErrors } from '../names.js';
import { FieldPath, forbidden, IMMUTABLE, invalid, invalidEach, NEGATIVE, notSupported, required, type FieldErrors } from './fieldErrors.js';
import { labelSelectorMatches, validateLabelSelector, type LabelSelector } from './labelSelector.js';
import { validateAnnotations, validateLabels } from './objectMeta.js';
import { validatePodSpec } from './podSpec.js';
import { deepEqual } from '../deepEqual.js';
import { int, isObject, obj, stringMap, type Json } from './values.js';

/**
 * Kubernetes' apps/v1 validation for Deployments and ReplicaSets
 * (pkg/apis/apps/validation and the registry strategies' immutable selector).
 */

export function validateNonNegative(raw: unknown, path: FieldPath, errs: FieldErrors): number | undefined {
  const v = int(raw, path, errs);
  if (v !== undefined && v < 0) errs.push(invalid(path, v, NEGATIVE));
  return v;
}

/** How a workload kind words its template errors (Kubernetes' messages name the kind). */
export interface TemplateRules {
  /** The message for a selector with no requirements. */
  emptySelector: string;
  /** The error for a template that sets activeDeadlineSeconds. */
  activeDeadline(path: FieldPath, value: unknown): FieldErrors[number];
  /** The pod spec as the kind's pods will have it (a StatefulSet adds its claim templates' volumes). */
  podSpecOf?(templateSpec: unknown): unknown;
}

const REPLICA_SET_RULES: TemplateRules = {
  // Kubernetes says "deployment" for ReplicaSets too; the message is shared.
  emptySelector: 'empty selector is invalid for deployment',
  activeDeadline: (path) => forbidden(path, 'activeDeadlineSeconds in ReplicaSet is not Supported'),
};

/** Selector present, valid, not empty, and matching the template; then the template itself. */
export function validateSelectorAndTemplate(spec: Json, specPath: FieldPath, errs: FieldErrors, rules: TemplateRules = REPLICA_SET_RULES): void {
  const selectorPath = specPath.child('selector');
  let selector: LabelSelector | undefined;
  if (spec.selector === undefined || spec.selector === null) {
    errs.push(required(selectorPath));
  } else {
    const before = errs.length;
    validateLabelSelector(spec.selector, selectorPath, errs);
    const sel = obj(spec.selector, selectorPath, []);
    const count = Object.keys(isObject(sel.matchLabels) ? sel.matchLabels : {}).length + (Array.isArray(sel.matchExpressions) ? sel.matchExpressions.length : 0);
    if (count === 0) errs.push(invalid(selectorPath, spec.selector, rules.emptySelector));
    if (errs.length === before) selector = sel as LabelSelector;
  }

  const templatePath = specPath.child('template');
  const template = obj(spec.template, templatePath, errs);
  const meta = obj(template.metadata, templatePath.child('metadata'), errs);
  const labels = stringMap(meta.labels, templatePath.child('metadata', 'labels'), []);
  if (selector && !labelSelectorMatches(selector, labels)) {
    errs.push(invalid(templatePath.child('metadata', 'labels'), meta.labels ?? null, '`selector` does not match template `labels`'));
  }
  validateLabels(meta.labels, templatePath.child('metadata', 'labels'), errs);
  validateAnnotations(meta.annotations, templatePath.child('metadata', 'annotations'), errs);
  validatePodSpec(rules.podSpecOf ? rules.podSpecOf(template.spec) : template.spec, templatePath.child('spec'), errs, { isPod: false });

  const podSpec = isObject(template.spec) ? template.spec : {};
  // Pods of a workload are replaced, never finished: only restartPolicy Always makes sense.
  const restartPolicy = podSpec.restartPolicy ?? 'Always';
  if (restartPolicy !== 'Always') errs.push(notSupported(templatePath.child('spec', 'restartPolicy'), restartPolicy, ['Always']));
  if (podSpec.activeDeadlineSeconds !== undefined && podSpec.activeDeadlineSeconds !== null) {
    errs.push(rules.activeDeadline(templatePath.child('spec', 'activeDeadlineSeconds'), podSpec.activeDeadlineSeconds));
  }
}

/** An IntOrString that is a non-negative integer or a percentage; returns its number (percent or count). */
export function validateIntOrPercent(raw: unknown, path: FieldPath, errs: FieldErrors): number {
  if (typeof raw === 'number') {
    if (!Number.isInteger(raw)) errs.push(invalid(path, raw, "must be an integer or percentage (e.g '5%')"));
    else if (raw < 0) errs.push(invalid(path, raw, NEGATIVE));
    return raw;
  }
  if (typeof raw === 'string') {
    const problems = percentErrors(raw);
    errs.push(...invalidEach(path, raw, problems));
    return problems.length ? Number.parseInt(raw, 10) || 0 : Number.parseInt(raw.slice(0, -1), 10);
  }
  if (raw !== undefined && raw !== null) errs.push(invalid(path, raw, "must be an integer or percentage (e.g '5%')"));
  return 0;
}

function validateStrategy(raw: unknown, path: FieldPath, errs: FieldErrors): void {
  const strategy = obj(raw, path, errs);
  const type = strategy.type ?? 'RollingUpdate';
  switch (type) {
    case 'Recreate':
      if (strategy.rollingUpdate !== undefined && strategy.rollingUpdate !== null) {
        errs.push(forbidden(path.child('rollingUpdate'), "may not be specified when strategy `type` is 'Recreate'"));
      }
      break;
    case 'RollingUpdate': {
      if (strategy.rollingUpdate === undefined || strategy.rollingUpdate === null) break; // defaulted to 25%/25%
      const ruPath = path.child('rollingUpdate');
      const ru = obj(strategy.rollingUpdate, ruPath, errs);
      const maxUnavailable = validateIntOrPercent(ru.maxUnavailable ?? '25%', ruPath.child('maxUnavailable'), errs);
      const maxSurge = validateIntOrPercent(ru.maxSurge ?? '25%', ruPath.child('maxSurge'), errs);
      if (maxUnavailable === 0 && maxSurge === 0) {
        errs.push(invalid(ruPath.child('maxUnavailable'), ru.maxUnavailable ?? 0, 'may not be 0 when `maxSurge` is 0'));
      }
      if (typeof ru.maxUnavailable === 'string' && percentErrors(ru.maxUnavailable).length === 0 && maxUnavailable > 100) {
        errs.push(invalid(ruPath.child('maxUnavailable'), ru.maxUnavailable, 'must not be greater than 100%'));
      }
      break;
    }
    default:
      errs.push(notSupported(path, strategy, ['Recreate', 'RollingUpdate']));
  }
}

export function validateReplicaStatus(status: unknown, fields: readonly string[], errs: FieldErrors): void {
  if (status === undefined || status === null) return;
  const path = FieldPath.root('status');
  const s = obj(status, path, errs);
  for (const f of ['observedGeneration', 'replicas', ...fields]) validateNonNegative(s[f], path.child(f), errs);
  const n = (f: string) => (typeof s[f] === 'number' ? (s[f] as number) : 0);
  for (const f of fields) {
    if (f !== 'unavailableReplicas' && f !== 'collisionCount' && n(f) > n('replicas')) errs.push(invalid(path.child(f), n(f), 'cannot be greater than status.replicas'));
  }
  if (n('availableReplicas') > n('readyReplicas')) errs.push(invalid(path.child('availableReplicas'), n('availableReplicas'), 'cannot be greater than readyReplicas'));
}

export function validateDeployment(d: KubeObject, errs: FieldErrors): void {
  const specPath = FieldPath.root('spec');
  const spec = obj(d.spec, specPath, errs);
  validateNonNegative(spec.replicas, specPath.child('replicas'), errs);
  validateSelectorAndTemplate(spec, specPath, errs);
  validateStrategy(spec.strategy, specPath.child('strategy'), errs);
  const minReady = validateNonNegative(spec.minReadySeconds, specPath.child('minReadySeconds'), errs) ?? 0;
  validateNonNegative(spec.revisionHistoryLimit, specPath.child('revisionHistoryLimit'), errs);
  const deadline = validateNonNegative(spec.progressDeadlineSeconds, specPath.child('progressDeadlineSeconds'), errs);
  if (deadline !== undefined && deadline <= minReady) {
    errs.push(invalid(specPath.child('progressDeadlineSeconds'), deadline, 'must be greater than minReadySeconds'));
  }
  validateReplicaStatus(d.status, ['updatedReplicas', 'readyReplicas', 'availableReplicas', 'unavailableReplicas', 'collisionCount'], errs);
}

export function validateReplicaSet(rs: KubeObject, errs: FieldErrors): void {
  const specPath = FieldPath.root('spec');
  const spec = obj(rs.spec, specPath, errs);
  validateNonNegative(spec.replicas, specPath.child('replicas'), errs);
  validateNonNegative(spec.minReadySeconds, specPath.child('minReadySeconds'), errs);
  validateSelectorAndTemplate(spec, specPath, errs);
  validateReplicaStatus(rs.status, ['fullyLabeledReplicas', 'readyReplicas', 'availableReplicas'], errs);
}

/** apps/v1 made the selector immutable: changing it would orphan every existing Pod. */
export function validateSelectorUpdate(next: KubeObject, prev: KubeObject, errs: FieldErrors): void {
  const n = isObject(next.spec) ? next.spec.selector : undefined;
  const o = isObject(prev.spec) ? prev.spec.selector : undefined;
  if (!deepEqual(n, o)) errs.push(invalid(FieldPath.root('spec', 'selector'), n ?? null, IMMUTABLE));
}

