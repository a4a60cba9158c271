import type { StatusCause } from '../errors.js';
import { formatQuantity, parseExactQuantity } from '../exactQuantity.js';
import { qualifiedNameErrors } from '../names.js';
import { isIntegerResourceName, isScopeValidForResource, isStandardQuotaResourceName, isStandardResourceName, QUOTA_SCOPES } from '../quotaResources.js';
import type { KubeObject } from '../types.js';
import { FieldPath, IMMUTABLE, invalid, invalidEach, NEGATIVE, type FieldErrors } from './fieldErrors.js';
import { QUANTITY_FORMAT_ERROR } from './resourceQuantity.js';
import { arr, obj, str } from './values.js';

/** Kubernetes' ValidateResourceQuota: standard or qualified resource names, non-negative (whole, for counts) quantities, compatible scopes. */
export function validateResourceQuota(rq: KubeObject, errs: FieldErrors): void {
  const spec = obj(rq.spec, FieldPath.root('spec'), errs);
  validateResourceList(spec.hard, FieldPath.root('spec', 'hard'), errs);
  validateScopes(spec, errs);
  const status = obj(rq.status, FieldPath.root('status'), errs);
  validateResourceList(status.hard, FieldPath.root('status', 'hard'), errs);
  validateResourceList(status.used, FieldPath.root('status', 'used'), errs);
}

function validateResourceList(raw: unknown, path: FieldPath, errs: FieldErrors): void {
  for (const [name, value] of Object.entries(obj(raw, path, errs))) {
    const p = path.key(name);
    validateQuotaResourceName(name, p, errs);
    validateQuantityValue(name, value, p, errs);
  }
}

/** A standard resource name, or a qualified one (`example.com/widgets`). */
export function validateResourceName(name: string, path: FieldPath, errs: FieldErrors): void {
  const problems = qualifiedNameErrors(name);
  errs.push(...invalidEach(path, name, problems));
  if (problems.length === 0 && !name.includes('/') && !isStandardResourceName(name)) errs.push(invalid(path, name, 'must be a standard resource type or fully qualified'));
}

export function validateQuotaResourceName(name: string, path: FieldPath, errs: FieldErrors): void {
  validateResourceName(name, path, errs);
  if (!name.includes('/') && !isStandardQuotaResourceName(name)) errs.push(invalid(path, name, 'must be a standard resource for quota'));
}

/** A quantity that parses, is not negative and, for counted names, is whole. */
export function validateQuantityValue(name: string, raw: unknown, path: FieldPath, errs: FieldErrors): void {
  const q = parseExactQuantity(raw);
  if (!q) {
    errs.push(invalid(path, raw, QUANTITY_FORMAT_ERROR));
    return;
  }
  if (q.nanos < 0n) errs.push(invalid(path, formatQuantity(q), NEGATIVE));
  if (isIntegerResourceName(name) && q.nanos % 1_000_000_000n !== 0n) errs.push(invalid(path, String(raw), 'must be an integer'));
}

const SCOPES_PATH = FieldPath.root('spec', 'scopes');

function scopesOf(spec: Record<string, unknown>, errs: FieldErrors): string[] {
  return arr(spec.scopes, SCOPES_PATH, errs).map((s, i) => str(s, SCOPES_PATH.index(i), errs));
}

/** Go prints the slice with %#v, e.g. `Invalid value: []core.ResourceQuotaScope{"BestEffort"}: conflicting scopes`. */
function scopesError(scopes: string[], detail: string): StatusCause {
  const shown = `[]core.ResourceQuotaScope{${scopes.map((s) => JSON.stringify(s)).join(', ')}}`;
  return { reason: 'FieldValueInvalid', field: SCOPES_PATH.toString(), message: `Invalid value: ${shown}: ${detail}` };
}

/** A quota's scopes are fixed once created (as a set: order does not matter). */
export function validateResourceQuotaUpdate(next: KubeObject, prev: KubeObject, errs: FieldErrors): void {
  const now = scopesOf(obj(next.spec, FieldPath.root('spec'), []), []);
  const before = new Set(scopesOf(obj(prev.spec, FieldPath.root('spec'), []), []));
  if (new Set(now).size !== before.size || now.some((s) => !before.has(s))) errs.push(scopesError(now, IMMUTABLE));
}

function validateScopes(spec: Record<string, unknown>, errs: FieldErrors): void {
  const scopes = scopesOf(spec, errs);
  if (scopes.length === 0) return;
  const hard = Object.keys(obj(spec.hard, FieldPath.root('spec', 'hard'), [])).sort();
  const scopeError = (detail: string): StatusCause => scopesError(scopes, detail);
  for (const scope of scopes) {
    if (!QUOTA_SCOPES.includes(scope as (typeof QUOTA_SCOPES)[number])) errs.push(scopeError('unsupported scope'));
    for (const name of hard) {
      if (isStandardQuotaResourceName(name) && !isScopeValidForResource(scope, name)) errs.push(scopeError('unsupported scope applied to resource'));
    }
  }
  for (const [a, b] of [['BestEffort', 'NotBestEffort'], ['Terminating', 'NotTerminating']]) {
    if (scopes.includes(a) && scopes.includes(b)) errs.push(scopeError('conflicting scopes'));
  }
}
