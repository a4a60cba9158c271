import fastJsonPatch, { type Operation } from 'fast-json-patch';
import { BadRequestError, InvalidError } from './errors.js';
import { ATOMIC_LISTS, type PatchSchema } from './patchSchema.js';
import type { KubeObject } from './types.js';
import { deepEqual } from './deepEqual.js';

export { patchSchemaOf, ATOMIC_LISTS, METADATA_LISTS, type PatchSchema, type ListStrategy } from './patchSchema.js';

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
type JsonObject = { [k: string]: Json };

export function isPlainObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

const clone = <T>(v: T): T => structuredClone(v);

/** RFC 6902. A failed `test` is 422 (Invalid) and a malformed patch 400, as in Kubernetes. */
export function applyJsonPatch<T extends object>(obj: T, ops: unknown[]): T {
  const validationError = fastJsonPatch.validate(ops as Operation[], clone(obj));
  if (validationError) {
    if (validationError.name === 'TEST_OPERATION_FAILED') {
      throw new InvalidError({ kind: 'object' }, [{ message: `the test operation failed: ${validationError.message.split('\n')[0]}`, reason: 'FieldValueInvalid' }]);
    }
    throw new BadRequestError(`the JSON patch could not be applied: ${validationError.message.split('\n')[0]}`);
  }
  try {
    return fastJsonPatch.applyPatch(clone(obj), ops as Operation[], true, false).newDocument;
  } catch (err) {
    throw new BadRequestError(`the JSON patch could not be applied: ${(err as Error).message.split('\n')[0]}`);
  }
}

/** RFC 7386: null deletes, objects merge recursively, everything else (arrays too) replaces. */
export function applyMergePatch(target: unknown, patch: unknown): unknown {
  if (!isPlainObject(patch)) return clone(patch);
  const out: Record<string, unknown> = isPlainObject(target) ? clone(target) : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else out[k] = applyMergePatch(out[k], v);
  }
  return out;
}

const DELETE = Symbol('delete');

/**
 * Kubernetes' strategic merge patch, as kubectl sends it: lists with a merge key merge element by
 * element, primitive lists with strategy merge are unions, other lists are replaced; directives
 * `$patch` (replace/delete/merge), `$setElementOrder/<list>`, `$deleteFromPrimitiveList/<list>` and
 * `$retainKeys`; null deletes a key.
 */
export function applyStrategicMergePatch<T extends object>(obj: T, patch: Record<string, unknown>, schema: PatchSchema = ATOMIC_LISTS): T {
  const out = mergeMap(obj as Record<string, unknown>, patch, '', schema);
  if (out === DELETE) return {} as T;
  return out as T;
}

function join(path: string, key: string): string {
  return path ? `${path}.${key}` : key;
}

function stripDirectives(v: unknown): unknown {
  if (Array.isArray(v)) return v.filter((e) => !(isPlainObject(e) && e.$patch === 'delete')).map(stripDirectives);
  if (!isPlainObject(v)) return v;
  const out: Record<string, unknown> = {};
  for (const [k, val] of Object.entries(v)) {
    if (k.startsWith('$')) continue;
    if (val === null) continue;
    out[k] = stripDirectives(val);
  }
  return out;
}

function mergeMap(original: Record<string, unknown>, patch: Record<string, unknown>, path: string, schema: PatchSchema): Record<string, unknown> | typeof DELETE {
  const directive = patch.$patch;
  if (directive === 'delete') return DELETE;
  if (directive === 'replace') return stripDirectives(patch) as Record<string, unknown>;
  if (directive !== undefined && directive !== 'merge') throw new BadRequestError(`unknown patch directive "${String(directive)}"`);
  const out: Record<string, unknown> = isPlainObject(original) ? clone(original) : {};
  const orders: [string, unknown[]][] = [];
  for (const [key, value] of Object.entries(patch)) {
    if (key === '$patch') continue;
    if (key === '$retainKeys') continue;
    if (key.startsWith('$setElementOrder/')) {
      if (!Array.isArray(value)) throw new BadRequestError(`${key} must be a list`);
      orders.push([key.slice('$setElementOrder/'.length), value]);
      continue;
    }
    if (key.startsWith('$deleteFromPrimitiveList/')) {
      const field = key.slice('$deleteFromPrimitiveList/'.length);
      if (!Array.isArray(value)) throw new BadRequestError(`${key} must be a list`);
      if (Array.isArray(out[field])) out[field] = (out[field] as unknown[]).filter((v) => !value.some((d) => deepEqual(d, v)));
      continue;
    }
    if (key.startsWith('$')) throw new BadRequestError(`unknown patch directive "${key}"`);
    const fieldPath = join(path, key);
    if (value === null) {
      delete out[key];
    } else if (isPlainObject(value)) {
      const merged = mergeMap(isPlainObject(out[key]) ? (out[key] as Record<string, unknown>) : {}, value, fieldPath, schema);
      if (merged === DELETE) delete out[key];
      else out[key] = merged;
    } else if (Array.isArray(value)) {
      out[key] = mergeList(Array.isArray(out[key]) ? (out[key] as unknown[]) : [], value, fieldPath, schema);
    } else {
      out[key] = value;
    }
  }
  for (const [field, order] of orders) {
    if (Array.isArray(out[field])) out[field] = reorder(out[field] as unknown[], order, schema.list(join(path, field))?.mergeKey);
  }
  const retain = patch.$retainKeys;
  if (Array.isArray(retain)) {
    for (const k of Object.keys(out)) if (!retain.includes(k)) delete out[k];
  }
  return out;
}

function mergeList(original: unknown[], patch: unknown[], path: string, schema: PatchSchema): unknown[] {
  const meta = schema.list(path);
  if (patch.some((e) => isPlainObject(e) && e.$patch === 'replace')) {
    return patch.filter((e) => !(isPlainObject(e) && e.$patch === 'replace')).map(stripDirectives);
  }
  if (!meta || meta.strategy === 'replace') return patch.map(stripDirectives);
  if (!meta.mergeKey) {
    const out = clone(original);
    for (const v of patch) if (!out.some((o) => deepEqual(o, v))) out.push(clone(v));
    return out;
  }
  const key = meta.mergeKey;
  const out = clone(original);
  for (const item of patch) {
    if (!isPlainObject(item)) throw new BadRequestError(`list ${path} merges on "${key}": its elements must be objects`);
    const idx = out.findIndex((o) => isPlainObject(o) && deepEqual(o[key], item[key]));
    if (item.$patch === 'delete') {
      if (idx >= 0) out.splice(idx, 1);
      continue;
    }
    if (idx >= 0) {
      const merged = mergeMap(out[idx] as Record<string, unknown>, item, `${path}[]`, schema);
      if (merged === DELETE) out.splice(idx, 1);
      else out[idx] = merged;
    } else {
      const merged = mergeMap({}, item, `${path}[]`, schema);
      if (merged !== DELETE) out.push(merged);
    }
  }
  return out;
}

/** `$setElementOrder`: listed elements first in the given order, the rest after in their order. */
function reorder(list: unknown[], order: unknown[], mergeKey: string | undefined): unknown[] {
  const keyOf = (v: unknown) => (mergeKey && isPlainObject(v) ? JSON.stringify(v[mergeKey]) : JSON.stringify(v));
  const rank = new Map(order.map((o, i) => [keyOf(o), i] as const));
  const indexed = list.map((v, i) => ({ v, i, r: rank.get(keyOf(v)) }));
  indexed.sort((a, b) => {
    if (a.r !== undefined && b.r !== undefined) return a.r - b.r;
    if (a.r !== undefined) return -1;
    if (b.r !== undefined) return 1;
    return a.i - b.i;
  });
  return indexed.map((x) => x.v);
}


export type { KubeObject, Json, JsonObject };
