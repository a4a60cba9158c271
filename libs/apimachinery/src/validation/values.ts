import { FieldPath, typeInvalid, type FieldErrors } from './fieldErrors.js';
import { deepEqual } from '../deepEqual.js';

/**
 * Readers for untyped JSON. Objects arrive as parsed JSON, so every field may be missing or of
 * the wrong type; a wrong type becomes a field error instead of a crash further down.
 */
export type Json = Record<string, unknown>;

export function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** The object at `v`, or `{}` (reporting a type error when something else is there). */
export function obj(v: unknown, path: FieldPath, errs: FieldErrors): Json {
  if (v === undefined || v === null) return {};
  if (isObject(v)) return v;
  errs.push(typeInvalid(path, v, 'object'));
  return {};
}

/** The array at `v`, or `[]` (reporting a type error when something else is there). */
export function arr(v: unknown, path: FieldPath, errs: FieldErrors): unknown[] {
  if (v === undefined || v === null) return [];
  if (Array.isArray(v)) return v;
  errs.push(typeInvalid(path, v, 'array'));
  return [];
}

/** The string at `v`, or '' (reporting a type error for non-strings). */
export function str(v: unknown, path: FieldPath, errs: FieldErrors): string {
  if (v === undefined || v === null) return '';
  if (typeof v === 'string') return v;
  errs.push(typeInvalid(path, v, 'string'));
  return '';
}

/** The integer at `v`, or undefined when absent (reporting a type error for non-integers). */
export function int(v: unknown, path: FieldPath, errs: FieldErrors): number | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'number' && Number.isInteger(v)) return v;
  errs.push(typeInvalid(path, v, 'integer'));
  return undefined;
}

/** A `map[string]string` field such as labels, selectors or ConfigMap data. */
export function stringMap(v: unknown, path: FieldPath, errs: FieldErrors): Record<string, string> {
  const m = obj(v, path, errs);
  const out: Record<string, string> = {};
  for (const [k, value] of Object.entries(m)) {
    if (typeof value === 'string') out[k] = value;
    else errs.push(typeInvalid(path.key(k), value, 'string'));
  }
  return out;
}


/**
 * The leaf paths where two JSON values differ, with both sides, for the "pod updates may not
 * change fields other than ..." message: `containers[0].ports[0].containerPort: 80 -> 8080`.
 */
export function describeDifferences(before: unknown, after: unknown, path = '', out: string[] = [], limit = 20): string[] {
  if (out.length >= limit || deepEqual(before, after)) return out;
  if (Array.isArray(before) && Array.isArray(after) && before.length === after.length) {
    before.forEach((b, i) => describeDifferences(b, after[i], `${path}[${i}]`, out, limit));
    return out;
  }
  if (isObject(before) && isObject(after)) {
    const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])].sort();
    for (const k of keys) describeDifferences(before[k], after[k], path ? `${path}.${k}` : k, out, limit);
    return out;
  }
  out.push(`${path || '<root>'}: ${render(before)} -> ${render(after)}`);
  return out;
}

function render(v: unknown): string {
  return v === undefined ? '<unset>' : JSON.stringify(v);
}

/** The boolean at `v`, or undefined when absent (reporting a type error for non-booleans). */
export function bool(v: unknown, path: FieldPath, errs: FieldErrors): boolean | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'boolean') return v;
  errs.push(typeInvalid(path, v, 'boolean'));
  return undefined;
}

/** The strings in the array at `v`, reporting a type error for each element that is not one. */
export function strings(v: unknown, path: FieldPath, errs: FieldErrors): { value: string; path: FieldPath }[] {
  const out: { value: string; path: FieldPath }[] = [];
  arr(v, path, errs).forEach((item, i) => {
    if (typeof item === 'string') out.push({ value: item, path: path.index(i) });
    else errs.push(typeInvalid(path.index(i), item, 'string'));
  });
  return out;
}
