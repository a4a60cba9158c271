import type { DaemonSet } from 'kubernetes-types/apps/v1.js';
import { deepEqual } from '../deepEqual.js';
import { percentErrors } from '../names.js';
import { validateIntOrPercent, validateNonNegative, validateSelectorAndTemplate, type TemplateRules } from './apps.js';
import { FieldPath, invalid, notSupported, required, type FieldErrors } from './fieldErrors.js';
import { isObject, obj } from './values.js';

/** Kubernetes' apps/v1 DaemonSet validation (pkg/apis/apps/validation ValidateDaemonSet*). */

const DAEMON_SET_RULES: TemplateRules = {
  emptySelector: 'empty selector is invalid for daemonset',
  activeDeadline: (path, value) => invalid(path, value, 'activeDeadlineSeconds in DaemonSet is not Supported'),
};

export function validateDaemonSet(ds: DaemonSet, errs: FieldErrors): void {
  const specPath = FieldPath.root('spec');
  const spec = obj(ds.spec, specPath, errs);
  validateSelectorAndTemplate(spec, specPath, errs, DAEMON_SET_RULES);
  validateNonNegative(spec.minReadySeconds, specPath.child('minReadySeconds'), errs);
  validateUpdateStrategy(spec.updateStrategy, specPath.child('updateStrategy'), errs);
  validateNonNegative(spec.revisionHistoryLimit, specPath.child('revisionHistoryLimit'), errs);
  validateDaemonSetStatus(ds.status, errs);
}

/** RollingUpdate needs its parameters; exactly one of maxUnavailable and maxSurge is non-zero. */
function validateUpdateStrategy(raw: unknown, path: FieldPath, errs: FieldErrors): void {
  const strategy = obj(raw, path, errs);
  switch (strategy.type) {
    case 'OnDelete':
      return;
    case 'RollingUpdate': {
      if (!isObject(strategy.rollingUpdate)) {
        errs.push(required(path.child('rollingUpdate')));
        return;
      }
      const ruPath = path.child('rollingUpdate');
      const ru = strategy.rollingUpdate;
      const unavailable = validateIntOrPercent(ru.maxUnavailable, ruPath.child('maxUnavailable'), errs);
      const surge = validateIntOrPercent(ru.maxSurge, ruPath.child('maxSurge'), errs);
      for (const [field, value, n] of [['maxUnavailable', ru.maxUnavailable, unavailable], ['maxSurge', ru.maxSurge, surge]] as const) {
        if (typeof value === 'string' && percentErrors(value).length === 0 && n > 100) errs.push(invalid(ruPath.child(field), value, 'must not be greater than 100%'));
      }
      if (unavailable !== 0 && surge !== 0) errs.push(invalid(ruPath.child('maxSurge'), ru.maxSurge, 'may not be set when maxUnavailable is non-zero'));
      else if (unavailable === 0 && surge === 0) errs.push(required(ruPath.child('maxUnavailable'), 'cannot be 0 when maxSurge is 0'));
      return;
    }
    default:
      errs.push(notSupported(path, strategy, ['RollingUpdate', 'OnDelete']));
  }
}

function validateDaemonSetStatus(status: unknown, errs: FieldErrors): void {
  if (status === undefined || status === null) return;
  const path = FieldPath.root('status');
  const s = obj(status, path, errs);
  for (const f of ['currentNumberScheduled', 'numberMisscheduled', 'desiredNumberScheduled', 'numberReady', 'observedGeneration', 'updatedNumberScheduled', 'numberAvailable', 'numberUnavailable', 'collisionCount']) {
    validateNonNegative(s[f], path.child(f), errs);
  }
}

/** The selector is immutable in apps/v1 (changing it would orphan every daemon pod). */
export function validateDaemonSetUpdate(next: DaemonSet, prev: DaemonSet, errs: FieldErrors): void {
  const n = next.spec?.selector;
  if (!deepEqual(n, prev.spec?.selector)) errs.push(invalid(FieldPath.root('spec', 'selector'), n ?? null, 'field is immutable'));
}
