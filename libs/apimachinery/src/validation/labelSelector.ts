import { labelValueErrors, qualifiedNameErrors } from '../names.js';
import { forbidden, invalid, invalidEach, required, type FieldErrors, type FieldPath } from './fieldErrors.js';
import { validateLabels } from './objectMeta.js';
import { arr, obj, str } from './values.js';

export interface LabelSelectorRequirement {
  key: string;
  operator: string;
  values?: string[];
}

export interface LabelSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: LabelSelectorRequirement[];
}

/** Kubernetes' ValidateLabelSelector (strict: selector values must be valid label values). */
export function validateLabelSelector(selector: unknown, path: FieldPath, errs: FieldErrors): void {
  const sel = obj(selector, path, errs);
  validateLabels(sel.matchLabels, path.child('matchLabels'), errs);
  arr(sel.matchExpressions, path.child('matchExpressions'), errs).forEach((raw, i) => {
    const p = path.child('matchExpressions').index(i);
    const expr = obj(raw, p, errs);
    const operator = str(expr.operator, p.child('operator'), errs);
    const values = arr(expr.values, p.child('values'), errs);
    switch (operator) {
      case 'In':
      case 'NotIn':
        if (values.length === 0) errs.push(required(p.child('values'), "must be specified when `operator` is 'In' or 'NotIn'"));
        break;
      case 'Exists':
      case 'DoesNotExist':
        if (values.length > 0) errs.push(forbidden(p.child('values'), "may not be specified when `operator` is 'Exists' or 'DoesNotExist'"));
        break;
      default:
        errs.push(invalid(p.child('operator'), operator, 'not a valid selector operator'));
    }
    const key = str(expr.key, p.child('key'), errs);
    errs.push(...invalidEach(p.child('key'), key, qualifiedNameErrors(key)));
    values.forEach((v, j) => {
      const value = str(v, p.child('values').index(j), errs);
      errs.push(...invalidEach(p.child('values').index(j), value, labelValueErrors(value)));
    });
  });
}

/** Whether a (valid) label selector selects an object with these labels; an empty selector selects everything. */
export function labelSelectorMatches(selector: LabelSelector, labels: Record<string, string>): boolean {
  for (const [k, v] of Object.entries(selector.matchLabels ?? {})) if (labels[k] !== v) return false;
  for (const expr of selector.matchExpressions ?? []) {
    const has = Object.prototype.hasOwnProperty.call(labels, expr.key);
    const values = expr.values ?? [];
    switch (expr.operator) {
      case 'In':
        if (!has || !values.includes(labels[expr.key])) return false;
        break;
      case 'NotIn':
        if (has && values.includes(labels[expr.key])) return false;
        break;
      case 'Exists':
        if (!has) return false;
        break;
      case 'DoesNotExist':
        if (has) return false;
        break;
      default:
        return false;
    }
  }
  return true;
}
