import { compareQuantities, formatQuantity, milliValue, parseExactQuantity, quantityOfInt, type ExactQuantity } from '../exactQuantity.js';
import { qualifiedNameErrors } from '../names.js';
import type { KubeObject } from '../types.js';
import { duplicate, FieldPath, forbidden, invalid, invalidEach, required, type FieldErrors } from './fieldErrors.js';
import { validateContainerResourceName } from './podSpec.js';
import { QUANTITY_FORMAT_ERROR } from './resourceQuantity.js';
import { validateResourceName } from './resourceQuota.js';
import { arr, obj, str } from './values.js';

const STANDARD_LIMIT_TYPES = new Set(['Pod', 'Container', 'PersistentVolumeClaim']);
const FIELDS = ['max', 'min', 'default', 'defaultRequest', 'maxLimitRequestRatio'] as const;
type Bound = (typeof FIELDS)[number];

/**
 * Kubernetes' ValidateLimitRange: one item per type, resource names fitting the type, Pod items
 * without defaults, and min <= defaultRequest <= default <= max with a ratio of at least 1 that
 * max/min can reach.
 */
export function validateLimitRange(lr: KubeObject, errs: FieldErrors): void {
  const path = FieldPath.root('spec', 'limits');
  const spec = obj(lr.spec, FieldPath.root('spec'), errs);
  const seen = new Set<string>();
  arr(spec.limits, path, errs).forEach((raw, i) => {
    const p = path.index(i);
    const item = obj(raw, p, errs);
    const type = str(item.type, p.child('type'), errs);
    validateTypeName(type, p.child('type'), errs);
    if (seen.has(type)) errs.push(duplicate(p.child('type'), type));
    seen.add(type);

    const values: Partial<Record<Bound, Map<string, ExactQuantity>>> = {};
    for (const field of FIELDS) {
      const entries = obj(item[field], p.child(field), errs);
      if (type === 'Pod' && (field === 'default' || field === 'defaultRequest')) {
        if (Object.keys(entries).length > 0) errs.push(forbidden(p.child(field), "may not be specified when `type` is 'Pod'"));
        continue;
      }
      const parsed = new Map<string, ExactQuantity>();
      for (const [name, v] of Object.entries(entries)) {
        const fp = p.child(field).key(name);
        if (type === 'Pod' || type === 'Container') validateContainerResourceName(name, fp, errs);
        else validateResourceName(name, fp, errs);
        const q = parseExactQuantity(v);
        // Kubernetes checks no sign here, only the order of the bounds below.
        if (!q) errs.push(invalid(fp, v, QUANTITY_FORMAT_ERROR));
        else parsed.set(name, q);
      }
      values[field] = parsed;
    }
    if (type === 'PersistentVolumeClaim' && !values.min?.has('storage') && !values.max?.has('storage')) {
      errs.push(required(p.child('limits'), 'either minimum or maximum storage value is required, but neither was provided'));
    }
    checkOrder(values, p, errs);
  });
}

function validateTypeName(type: string, path: FieldPath, errs: FieldErrors): void {
  const problems = qualifiedNameErrors(type);
  if (problems.length) errs.push(...invalidEach(path, type, problems));
  else if (!type.includes('/') && !STANDARD_LIMIT_TYPES.has(type)) errs.push(invalid(path, type, 'must be a standard limit type or fully qualified'));
}

function checkOrder(v: Partial<Record<Bound, Map<string, ExactQuantity>>>, p: FieldPath, errs: FieldErrors): void {
  const keys = new Set(FIELDS.flatMap((f) => [...(v[f]?.keys() ?? [])]));
  const s = formatQuantity;
  for (const k of keys) {
    const min = v.min?.get(k);
    const max = v.max?.get(k);
    const def = v.default?.get(k);
    const defReq = v.defaultRequest?.get(k);
    const ratio = v.maxLimitRequestRatio?.get(k);
    if (min && max && compareQuantities(min, max) > 0) errs.push(invalid(p.child('min').key(k), s(min), `min value ${s(min)} is greater than max value ${s(max)}`));
    if (defReq && min && compareQuantities(min, defReq) > 0) errs.push(invalid(p.child('defaultRequest').key(k), s(defReq), `min value ${s(min)} is greater than default request value ${s(defReq)}`));
    if (defReq && max && compareQuantities(defReq, max) > 0) errs.push(invalid(p.child('defaultRequest').key(k), s(defReq), `default request value ${s(defReq)} is greater than max value ${s(max)}`));
    if (defReq && def && compareQuantities(defReq, def) > 0) errs.push(invalid(p.child('defaultRequest').key(k), s(defReq), `default request value ${s(defReq)} is greater than default limit value ${s(def)}`));
    if (def && min && compareQuantities(min, def) > 0) errs.push(invalid(p.child('default').key(k), s(min), `min value ${s(min)} is greater than default value ${s(def)}`));
    if (def && max && compareQuantities(def, max) > 0) errs.push(invalid(p.child('default').key(k), s(max), `default value ${s(def)} is greater than max value ${s(max)}`));
    if (ratio && compareQuantities(ratio, quantityOfInt(1)) < 0) errs.push(invalid(p.child('maxLimitRequestRatio').key(k), s(ratio), `ratio ${s(ratio)} is less than 1`));
    if (ratio && min && max && min.nanos > 0n) {
      // Compared in thousandths, as Kubernetes does for values that fit: 2 ratio, 100m min, 250m max -> 250/100 = 2.5 >= 2.
      const limit = Number(milliValue(max)) / Number(milliValue(min));
      if (Number(milliValue(ratio)) / 1000 > limit) {
        errs.push(invalid(p.child('maxLimitRequestRatio').key(k), s(ratio), `ratio ${s(ratio)} is greater than max/min = ${limit.toFixed(6)}`));
      }
    }
  }
}
