import fastJsonPatch, { type Operation } from 'fast-json-patch';
import { deepCopy } from './deepCopy.js';
import { BadRequestError, InvalidError } from './errors.js';
import { ATOMIC_LISTS, type PatchSchema } from './patchSchema.js';
import type { KubeObject } from './types.js';

export { patchSchemaOf, ATOMIC_LISTS, METADATA_LISTS, type PatchSchema, type ListStrategy } from './patchSchema.js';

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
type JsonObject = { [k: string]: Json };

export function isPlainObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

const clone = deepCopy;

/** RFC 6902. A failed `test` is 422 (Invalid) and a malformed patch 400, as in Kubernetes. */
export function applyJsonPatch<T extends object>(obj: T, ops: unknown[]): T {
  let validationError: ReturnType<typeof fastJsonPatch.validate>;
  try {
    validationError = fastJsonPatch.validate(ops as Operation[], clone(obj));
  } catch (err) {
    // An operation on a path the document lacks (copy from /data/k of an object without data) throws inside the validator.
    throw new BadRequestError(`the JSON patch could not be applied: ${(err as Error).message.split('\n')[0]}`);
  }
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

/**
 * RFC 7386: null deletes, objects merge recursively, everything else (arrays too) replaces. The
 * result is new along the patched paths and shares the rest with `target` (copying the whole
 * target at every level it merged into was most of a status patch's cost): change neither in place.
 */
export function applyMergePatch(target: unknown, patch: unknown): unknown {
  if (!isPlainObject(patch)) return clone(patch);
  const out: Record<string, unknown> = isPlainObject(target) ? { ...target } : {};
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
  if (directive !== undefined && directive !== 'merge') throw new BadRequestError(`unknown patch directive ${JSON.stringify(directive)}`);
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
      if (Array.isArray(out[field])) {
        const drop = new Set(value.map(canonicalJson));
        out[field] = (out[field] as unknown[]).filter((v) => !drop.has(canonicalJson(v)));
      }
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
    const present = new Set(out.map(canonicalJson));
    for (const v of patch) {
      const k = canonicalJson(v);
      if (present.has(k)) continue;
      present.add(k);
      out.push(clone(v));
    }
    return out;
  }
  // Elements found by key through a map, removed ones left as holes until the end: linear in the
  // list, where a search per patch element made 20,000 conditions take seconds.
  const key = meta.mergeKey;
  const out: (unknown | typeof HOLE)[] = clone(original);
  const index = new Map<string, number>();
  out.forEach((o, i) => {
    if (!isPlainObject(o)) return;
    const k = canonicalJson(o[key]);
    if (!index.has(k)) index.set(k, i);
  });
  for (const item of patch) {
    if (!isPlainObject(item)) throw new BadRequestError(`list ${path} merges on "${key}": its elements must be objects`);
    const k = canonicalJson(item[key]);
    const idx = index.get(k);
    if (item.$patch === 'delete') {
      if (idx !== undefined) {
        out[idx] = HOLE;
        index.delete(k);
      }
      continue;
    }
    if (idx !== undefined) {
      const merged = mergeMap(out[idx] as Record<string, unknown>, item, `${path}[]`, schema);
      if (merged === DELETE) {
        out[idx] = HOLE;
        index.delete(k);
      } else out[idx] = merged;
    } else {
      const merged = mergeMap({}, item, `${path}[]`, schema);
      if (merged !== DELETE) {
        index.set(k, out.length);
        out.push(merged);
      }
    }
  }
  return out.filter((o) => o !== HOLE);
}

const HOLE = Symbol('removed');

/** JSON with object keys sorted: equal values (as deepEqual sees them) have equal text. */
function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) => (isPlainObject(v) ? Object.fromEntries(Object.keys(v).sort().map((k) => [k, v[k]])) : v)) ?? 'undefined';
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


/**
 * The JSON merge patch (RFC 7386) that turns `from` into `to`: objects recurse, anything else is
 * replaced, removed keys (at any depth) become null. Undefined when nothing changed, so nothing
 * needs writing.
 */
export function createMergePatch(from: unknown, to: unknown): Json | undefined {
  if (isPlainObject(from) && isPlainObject(to)) {
    const out: Record<string, Json> = {};
    for (const k of Object.keys(from)) if (!(k in to) || to[k] === undefined) out[k] = null;
    for (const [k, v] of Object.entries(to)) {
      if (v === undefined) continue;
      const d = createMergePatch(from[k], v);
      if (d !== undefined) out[k] = d;
    }
    return Object.keys(out).length ? out : undefined;
  }
  return canonicalJson(from) === canonicalJson(to) ? undefined : (deepCopy(to) as Json);
}

export type { KubeObject, Json, JsonObject };
