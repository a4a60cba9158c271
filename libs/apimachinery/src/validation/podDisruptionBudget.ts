import type { PodDisruptionBudget } from 'kubernetes-types/policy/v1.js';
import { invalid, notSupported, type FieldErrors, FieldPath } from './fieldErrors.js';
import { percentErrors } from '../names.js';
import { validateIntOrPercent } from './apps.js';
import { validateLabelSelector } from './labelSelector.js';

const EVICTION_POLICIES = ['AlwaysAllow', 'IfHealthyBudget'];

/** Kubernetes' ValidatePodDisruptionBudget (pkg/apis/policy/validation). */
export function validatePodDisruptionBudget(pdb: PodDisruptionBudget, errs: FieldErrors): void {
  const path = FieldPath.root('spec');
  const spec = pdb.spec ?? {};
  if (spec.minAvailable !== undefined && spec.maxUnavailable !== undefined) {
    errs.push(invalid(path, spec, 'minAvailable and maxUnavailable cannot be both set'));
  }
  for (const field of ['minAvailable', 'maxUnavailable'] as const) {
    const value = spec[field];
    if (value === undefined) continue;
    validateIntOrPercent(value, path.child(field), errs);
    if (typeof value === 'string' && percentErrors(value).length === 0 && Number.parseInt(value, 10) > 100) {
      errs.push(invalid(path.child(field), value, 'must not be greater than 100%'));
    }
  }
  if (spec.selector !== undefined && spec.selector !== null) validateLabelSelector(spec.selector, path.child('selector'), errs);
  if (spec.unhealthyPodEvictionPolicy !== undefined && !EVICTION_POLICIES.includes(spec.unhealthyPodEvictionPolicy)) {
    errs.push(notSupported(path.child('unhealthyPodEvictionPolicy'), spec.unhealthyPodEvictionPolicy, EVICTION_POLICIES));
  }
  const status = pdb.status;
  if (status) {
    const statusPath = FieldPath.root('status');
    for (const field of ['disruptionsAllowed', 'currentHealthy', 'desiredHealthy', 'expectedPods'] as const) {
      const n = status[field];
      if (typeof n === 'number' && n < 0) errs.push(invalid(statusPath.child(field), n, 'must be greater than or equal to 0'));
    }
  }
}
