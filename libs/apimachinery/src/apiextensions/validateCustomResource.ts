import { isIP } from 'node:net';
import type { StatusCause } from '../errors.js';
import { deepEqual } from '../deepEqual.js';
import { formatValue, tooLong, type FieldErrors } from '../validation/fieldErrors.js';
import { isObject, itemsOf, jsonType, type Schema } from './schema.js';

/**
 * A custom resource checked against its version's structural schema, as kube-apiserver does
 * (kube-openapi's validator, its results turned into field errors by apiextensions-apiserver):
 *
 *   spec.replicas: Invalid value: "string": spec.replicas in body must be of type integer: "string"
 *   spec.cronSpec: Required value
 *   spec.color: Unsupported value: "pink": supported values: "red", "blue"
 *
 * Paths are kube-openapi's: `spec.items[0].name` for list items, `spec.labels.key` for map values.
 * `apiVersion`, `kind` and `metadata` at the root (and in embedded resources) are the API server's
 * to check, so only `required` reaches them here.
 */
export function validateCustomResource(obj: unknown, schema: Schema): FieldErrors {
  const errs: FieldErrors = [];
  validateValue(obj, schema, '', errs, true);
  return errs;
}

const TYPE_INVALID = 'FieldValueTypeInvalid';

function cause(reason: string, field: string, message: string): StatusCause {
  return field ? { reason, field, message } : { reason, message };
}

function invalid(path: string, value: unknown, detail: string): StatusCause {
  return cause('FieldValueInvalid', path, `Invalid value: ${formatValue(value)}: ${detail}`);
}

/** kube-openapi's name of a path in messages: the path, or "." at the root. */
function named(path: string): string {
  return path || '.';
}

function join(path: string, key: string): string {
  return path ? `${path}.${key}` : key;
}

function validateValue(value: unknown, s: Schema, path: string, errs: FieldErrors, root = false): void {
  if (value === null || value === undefined) {
    if (s.nullable || value === undefined) return;
    // null only passes where the schema says nullable (or says nothing about the type).
    if (s.type) errs.push(cause(TYPE_INVALID, path, `Invalid value: "null": ${named(path)} in body must be of type ${s.type}: "null"`));
    return;
  }
  if (!checkType(value, s, path, errs)) return;
  if (s['x-kubernetes-embedded-resource'] && isObject(value)) {
    if (value.kind === undefined || value.kind === '') errs.push(cause('FieldValueRequired', join(path, 'kind'), 'Required value: kind is required'));
    if (value.apiVersion === undefined || value.apiVersion === '') errs.push(cause('FieldValueRequired', join(path, 'apiVersion'), 'Required value: apiVersion is required'));
  }
  if (s.enum && !s.enum.some((e) => deepEqual(e, value))) {
    const supported = s.enum.map((e) => (typeof e === 'string' ? JSON.stringify(e) : JSON.stringify(JSON.stringify(e))));
    errs.push(cause('FieldValueNotSupported', path, `Unsupported value: ${formatValue(value)}: supported values: ${supported.join(', ')}`));
  }
  if (typeof value === 'string') validateString(value, s, path, errs);
  else if (typeof value === 'number') validateNumber(value, s, path, errs);
  else if (Array.isArray(value)) validateArray(value, s, path, errs);
  else if (isObject(value)) validateObject(value, s, path, errs, root);
  validateCombinators(value, s, path, errs);
}

/** Returns false when the value is of the wrong type (nothing else about it is checked then). */
function checkType(value: unknown, s: Schema, path: string, errs: FieldErrors): boolean {
  const actual = jsonType(value);
  if (s['x-kubernetes-int-or-string']) {
    if (actual === 'integer' || actual === 'string') return true;
    errs.push(cause(TYPE_INVALID, path, `Invalid value: ${JSON.stringify(actual)}: ${named(path)} in body must be of type integer,string: ${JSON.stringify(actual)}`));
    return false;
  }
  if (!s.type) return true;
  const ok = s.type === actual || (s.type === 'number' && actual === 'integer');
  if (ok) return true;
  errs.push(cause(TYPE_INVALID, path, `Invalid value: ${JSON.stringify(actual)}: ${named(path)} in body must be of type ${s.type}: ${JSON.stringify(actual)}`));
  return false;
}

function validateString(value: string, s: Schema, path: string, errs: FieldErrors): void {
  const length = [...value].length;
  if (s.maxLength !== undefined && length > s.maxLength) errs.push({ ...tooLong(undefined, s.maxLength), ...(path ? { field: path } : {}) });
  if (s.minLength !== undefined && length < s.minLength) errs.push(invalid(path, value, `${named(path)} in body should be at least ${s.minLength} chars long`));
  if (s.pattern !== undefined && !patternOf(s.pattern).test(value)) errs.push(invalid(path, value, `${named(path)} in body should match '${s.pattern}'`));
  if (s.format && !formatValid(s.format, value)) {
    errs.push(cause(TYPE_INVALID, path, `Invalid value: ${formatValue(value)}: ${named(path)} in body must be of type ${s.format}: ${JSON.stringify(value)}`));
  }
}

function validateNumber(value: number, s: Schema, path: string, errs: FieldErrors): void {
  if (s.maximum !== undefined && (s.exclusiveMaximum ? value >= s.maximum : value > s.maximum)) {
    errs.push(invalid(path, value, `${named(path)} in body should be less than ${s.exclusiveMaximum ? '' : 'or equal to '}${s.maximum}`));
  }
  if (s.minimum !== undefined && (s.exclusiveMinimum ? value <= s.minimum : value < s.minimum)) {
    errs.push(invalid(path, value, `${named(path)} in body should be greater than ${s.exclusiveMinimum ? '' : 'or equal to '}${s.minimum}`));
  }
  if (s.multipleOf !== undefined && s.multipleOf > 0 && !Number.isInteger(value / s.multipleOf)) {
    errs.push(invalid(path, value, `${named(path)} in body should be a multiple of ${s.multipleOf}`));
  }
}

function validateArray(value: unknown[], s: Schema, path: string, errs: FieldErrors): void {
  if (s.maxItems !== undefined && value.length > s.maxItems) {
    errs.push(cause('FieldValueTooMany', path, `Too many: ${value.length}: must have at most ${s.maxItems} items`));
  }
  if (s.minItems !== undefined && value.length < s.minItems) errs.push(invalid(path, value.length, `${named(path)} in body should have at least ${s.minItems} items`));
  if (s.uniqueItems && value.some((v, i) => value.findIndex((w) => deepEqual(v, w)) !== i)) {
    errs.push(invalid(path, value, `${named(path)} in body shouldn't contain duplicates`));
  }
  const items = itemsOf(s);
  if (items) value.forEach((item, i) => validateValue(item, items, `${path}[${i}]`, errs));
  validateListType(value, s, path, errs);
}

/** x-kubernetes-list-type set and map: no two items alike (by the whole item, or by its map keys). */
function validateListType(value: unknown[], s: Schema, path: string, errs: FieldErrors): void {
  const listType = s['x-kubernetes-list-type'];
  if (listType === 'set') {
    value.forEach((v, i) => {
      if (value.findIndex((w) => deepEqual(v, w)) !== i) errs.push(cause('FieldValueDuplicate', `${path}[${i}]`, `Duplicate value: ${formatValue(v)}`));
    });
  } else if (listType === 'map') {
    const keys = s['x-kubernetes-list-map-keys'] ?? [];
    const seen = new Set<string>();
    value.forEach((v, i) => {
      if (!isObject(v)) return;
      const id = JSON.stringify(keys.map((k) => v[k] ?? null));
      if (seen.has(id)) {
        const shown = Object.fromEntries(keys.map((k) => [k, v[k]]));
        errs.push(cause('FieldValueDuplicate', `${path}[${i}]`, `Duplicate value: ${JSON.stringify(shown)}`));
      }
      seen.add(id);
    });
  }
}

const META = new Set(['apiVersion', 'kind', 'metadata']);

function validateObject(value: Record<string, unknown>, s: Schema, path: string, errs: FieldErrors, root: boolean): void {
  const embedded = root || !!s['x-kubernetes-embedded-resource'];
  for (const name of s.required ?? []) {
    if (value[name] === undefined) errs.push(cause('FieldValueRequired', join(path, name), 'Required value'));
  }
  const count = Object.keys(value).length;
  if (s.maxProperties !== undefined && count > s.maxProperties) {
    errs.push(cause('FieldValueTooMany', path, `Too many: ${count}: must have at most ${s.maxProperties} items`));
  }
  if (s.minProperties !== undefined && count < s.minProperties) errs.push(invalid(path, count, `${named(path)} in body should have at least ${s.minProperties} properties`));
  for (const [key, v] of Object.entries(value)) {
    if (embedded && META.has(key)) continue;
    const declared = s.properties?.[key];
    if (declared) validateValue(v, declared, join(path, key), errs);
    else if (isObject(s.additionalProperties)) validateValue(v, s.additionalProperties as Schema, join(path, key), errs);
  }
}

function validateCombinators(value: unknown, s: Schema, path: string, errs: FieldErrors): void {
  const passes = (sub: Schema) => {
    const e: FieldErrors = [];
    validateValue(value, sub, path, e);
    return e;
  };
  for (const sub of s.allOf ?? []) errs.push(...passes(sub));
  if (s.anyOf && !s.anyOf.some((sub) => passes(sub).length === 0)) {
    errs.push(invalid(path, '', `${named(path)} in body must validate at least one schema (anyOf)`), ...s.anyOf.flatMap(passes));
  }
  if (s.oneOf && s.oneOf.filter((sub) => passes(sub).length === 0).length !== 1) {
    errs.push(invalid(path, '', `${named(path)} in body must validate one and only one schema (oneOf)`));
  }
  if (s.not && passes(s.not).length === 0) errs.push(invalid(path, '', `${named(path)} in body must not validate the schema (not)`));
}

const PATTERNS = new Map<string, RegExp>();

function patternOf(pattern: string): RegExp {
  let re = PATTERNS.get(pattern);
  if (!re) {
    re = new RegExp(pattern);
    PATTERNS.set(pattern, re);
  }
  return re;
}

const FORMATS: Record<string, (v: string) => boolean> = {
  // Kubernetes' list of validated formats (apiextensions' formats.go); others are ignored.
  'date-time': (v) => /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/.test(v) && !Number.isNaN(Date.parse(v)),
  datetime: (v) => FORMATS['date-time'](v),
  date: (v) => /^\d{4}-\d{2}-\d{2}$/.test(v) && !Number.isNaN(Date.parse(v)),
  email: (v) => /^[^\s@<>]+@[^\s@<>]+$/.test(v),
  hostname: (v) => v.length <= 255 && v.split('.').every((l) => /^[a-zA-Z0-9]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?$/.test(l)),
  ipv4: (v) => isIP(v) === 4,
  ipv6: (v) => isIP(v) === 6,
  cidr: (v) => {
    const [ip, bits, extra] = v.split('/');
    const family = isIP(ip ?? '');
    return extra === undefined && family !== 0 && /^\d+$/.test(bits ?? '') && Number(bits) <= (family === 4 ? 32 : 128);
  },
  mac: (v) => /^([0-9a-fA-F]{2}[:-]){5}[0-9a-fA-F]{2}$/.test(v),
  uuid: (v) => /^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$/i.test(v),
  uri: (v) => /^[a-zA-Z][a-zA-Z0-9+.-]*:/.test(v) || v.startsWith('/'),
  byte: (v) => /^[A-Za-z0-9+/]*={0,2}$/.test(v) && v.length % 4 === 0,
  duration: (v) => /^([+-]?(\d+(\.\d*)?|\.\d+)(ns|us|µs|ms|s|m|h))+$/.test(v) || v === '0',
};

function formatValid(format: string, value: string): boolean {
  const check = FORMATS[format];
  return check ? check(value) : true;
}
