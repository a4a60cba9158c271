import { BadRequestError } from './errors.js';

export type Requirement =
  | { key: string; op: 'in' | 'notin'; values: string[] }
  | { key: string; op: 'exists' | 'notexists' };

/** A parsed label selector: every requirement must hold. Empty matches everything. */
export interface LabelSelector {
  requirements: Requirement[];
}

export interface LabelSelectorObject {
  matchLabels?: Record<string, string>;
  matchExpressions?: { key: string; operator: string; values?: string[] }[];
}

const KEY = /^([a-z0-9A-Z]([-a-z0-9A-Z.]*[a-z0-9A-Z])?\/)?[a-z0-9A-Z]([-a-z0-9A-Z_.]*[a-z0-9A-Z])?$/;
const VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

function checkKey(key: string, text: string): string {
  if (!KEY.test(key) || key.length > 316) throw new BadRequestError(`unable to parse requirement: invalid label key "${key}" in selector "${text}"`);
  return key;
}

function checkValue(value: string, text: string): string {
  if (!VALUE.test(value) || value.length > 63) throw new BadRequestError(`unable to parse requirement: invalid label value: "${value}" in selector "${text}"`);
  return value;
}

/**
 * Parses the string form: `a=b`, `a==b`, `a!=b`, `a in (x,y)`, `a notin (x)`, `a`, `!a`, joined by
 * commas (commas inside parentheses belong to the set).
 */
export function parseLabelSelector(text: string): LabelSelector {
  const requirements: Requirement[] = [];
  const parts: string[] = [];
  let depth = 0;
  let current = '';
  for (const ch of text) {
    if (ch === '(') depth++;
    if (ch === ')') depth--;
    if (depth < 0) throw new BadRequestError(`unable to parse selector "${text}": unbalanced parentheses`);
    if (ch === ',' && depth === 0) {
      parts.push(current);
      current = '';
    } else current += ch;
  }
  if (depth !== 0) throw new BadRequestError(`unable to parse selector "${text}": unbalanced parentheses`);
  parts.push(current);
  for (const raw of parts) {
    const part = raw.trim();
    if (part === '') {
      if (parts.length === 1) continue;
      throw new BadRequestError(`unable to parse selector "${text}": empty requirement`);
    }
    let m: RegExpExecArray | null;
    if ((m = /^!\s*(\S+)$/.exec(part))) {
      requirements.push({ key: checkKey(m[1], text), op: 'notexists' });
    } else if ((m = /^(\S+?)\s+(in|notin)\s*\(([^()]*)\)$/.exec(part))) {
      const values = m[3].split(',').map((v) => v.trim());
      if (values.length === 1 && values[0] === '') throw new BadRequestError(`unable to parse selector "${text}": a set needs at least one value`);
      requirements.push({ key: checkKey(m[1], text), op: m[2] as 'in' | 'notin', values: values.map((v) => checkValue(v, text)) });
    } else if ((m = /^([^=!\s]+)\s*(==|=|!=)\s*(\S*)$/.exec(part))) {
      const value = checkValue(m[3], text);
      requirements.push({ key: checkKey(m[1], text), op: m[2] === '!=' ? 'notin' : 'in', values: [value] });
    } else if ((m = /^(\S+)$/.exec(part)) && !/[=!()]/.test(part)) {
      requirements.push({ key: checkKey(m[1], text), op: 'exists' });
    } else {
      throw new BadRequestError(`unable to parse requirement: found '${part}', expected: in, notin, =, ==, !=, or an identifier, in selector "${text}"`);
    }
  }
  return { requirements };
}

/** The object form used in specs (`matchLabels` / `matchExpressions`). */
export function selectorFromLabelSelector(sel: LabelSelectorObject | undefined | null): LabelSelector {
  const requirements: Requirement[] = [];
  for (const [key, value] of Object.entries(sel?.matchLabels ?? {}).sort(([a], [b]) => a.localeCompare(b))) {
    requirements.push({ key, op: 'in', values: [value] });
  }
  for (const e of sel?.matchExpressions ?? []) {
    switch (e.operator) {
      case 'In':
        requirements.push({ key: e.key, op: 'in', values: e.values ?? [] });
        break;
      case 'NotIn':
        requirements.push({ key: e.key, op: 'notin', values: e.values ?? [] });
        break;
      case 'Exists':
        requirements.push({ key: e.key, op: 'exists' });
        break;
      case 'DoesNotExist':
        requirements.push({ key: e.key, op: 'notexists' });
        break;
      default:
        throw new BadRequestError(`"${e.operator}" is not a valid label selector operator`);
    }
  }
  return { requirements };
}

export function matchesLabels(sel: LabelSelector, labels: Record<string, string> | undefined): boolean {
  const l = labels ?? {};
  return sel.requirements.every((r) => {
    const has = Object.prototype.hasOwnProperty.call(l, r.key);
    switch (r.op) {
      case 'exists':
        return has;
      case 'notexists':
        return !has;
      case 'in':
        return has && r.values.includes(l[r.key]);
      case 'notin':
        return !has || !r.values.includes(l[r.key]);
    }
  });
}

export function isEmptySelector(sel: LabelSelector): boolean {
  return sel.requirements.length === 0;
}

/** The string form, as Kubernetes prints it (e.g. Scale's status.selector). */
export function selectorToString(sel: LabelSelector): string {
  return sel.requirements
    .map((r) => {
      switch (r.op) {
        case 'exists':
          return r.key;
        case 'notexists':
          return `!${r.key}`;
        case 'in':
          return r.values.length === 1 ? `${r.key}=${r.values[0]}` : `${r.key} in (${[...r.values].sort().join(',')})`;
        case 'notin':
          return r.values.length === 1 ? `${r.key}!=${r.values[0]}` : `${r.key} notin (${[...r.values].sort().join(',')})`;
      }
    })
    .join(',');
}
