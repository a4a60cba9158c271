import { isPlainObject } from '../patch.js';
import type { PatchSchema } from '../patchSchema.js';
import type { RawNode } from './rawJson.js';
import { fieldsOf, type FieldType } from './schema.js';

/**
 * What Kubernetes' strict decoding reports about a body: fields the kind does not declare
 * ("unknown field") and keys written twice ("duplicate field"), with paths as
 * sigs.k8s.io/json writes them (`spec.template.spec.containers[0].imagee`).
 */

const join = (path: string, key: string) => (path ? `${path}.${key}` : key);

function elementType(type: FieldType): FieldType | undefined {
  return Array.isArray(type) ? type[0] : undefined;
}

function mapValueType(type: FieldType): FieldType | undefined {
  return typeof type === 'object' && !Array.isArray(type) ? type['*'] : undefined;
}

/** Unknown and duplicate fields in the order the decoder meets them (JSON create and update bodies). */
export function strictErrorsInOrder(node: RawNode, type: FieldType, path = ''): string[] {
  const out: string[] = [];
  const walk = (n: RawNode, t: FieldType, p: string) => {
    if (n.kind === 'array') {
      const el = elementType(t);
      if (el !== undefined) n.items.forEach((item, i) => walk(item, el, `${p}[${i}]`));
      return;
    }
    if (n.kind !== 'object') return;
    const valueType = mapValueType(t);
    const fields = typeof t === 'string' ? fieldsOf(t) : undefined;
    if (valueType === undefined && fields === undefined) return;
    const seen = new Set<string>();
    const unknown = new Set<string>();
    for (const { key, value } of n.entries) {
      const fp = join(p, key);
      const ft = valueType ?? fields![key];
      if (ft === undefined) {
        // A field both unknown and repeated is reported once, as unknown.
        if (!unknown.has(key)) out.push(`unknown field "${fp}"`);
        unknown.add(key);
        continue;
      }
      if (seen.has(key)) out.push(`duplicate field "${fp}"`);
      seen.add(key);
      walk(value, ft, fp);
    }
  };
  walk(node, type, path);
  return out;
}

/** Keys written twice, in document order, whatever the schema (a patch body). */
export function duplicateFields(node: RawNode, path = ''): string[] {
  const out: string[] = [];
  const walk = (n: RawNode, p: string) => {
    if (n.kind === 'array') n.items.forEach((item, i) => walk(item, `${p}[${i}]`));
    if (n.kind !== 'object') return;
    const seen = new Set<string>();
    for (const { key, value } of n.entries) {
      if (seen.has(key)) out.push(`duplicate field "${join(p, key)}"`);
      seen.add(key);
      walk(value, join(p, key));
    }
  };
  walk(node, path);
  return out;
}

/** Unknown fields of a decoded value, keys in sorted order (how a re-encoded map is met). */
export function unknownFields(value: unknown, type: FieldType, path = ''): string[] {
  const out: string[] = [];
  const walk = (v: unknown, t: FieldType, p: string) => {
    if (Array.isArray(v)) {
      const el = elementType(t);
      if (el !== undefined) v.forEach((item, i) => walk(item, el, `${p}[${i}]`));
      return;
    }
    if (!isPlainObject(v)) return;
    const valueType = mapValueType(t);
    const fields = typeof t === 'string' ? fieldsOf(t) : undefined;
    if (valueType === undefined && fields === undefined) return;
    for (const key of Object.keys(v).sort()) {
      const ft = valueType ?? fields![key];
      if (ft === undefined) out.push(`unknown field "${join(p, key)}"`);
      else walk(v[key], ft, join(p, key));
    }
  };
  walk(value, type, path);
  return out;
}

/** A copy of `value` without the fields its type does not declare: what a typed decode keeps. */
export function pruneUnknownFields<T>(value: T, type: FieldType): T {
  const walk = (v: unknown, t: FieldType): unknown => {
    if (Array.isArray(v)) {
      const el = elementType(t);
      return el === undefined ? v : v.map((item) => walk(item, el));
    }
    if (!isPlainObject(v)) return v;
    const valueType = mapValueType(t);
    const fields = typeof t === 'string' ? fieldsOf(t) : undefined;
    if (valueType === undefined && fields === undefined) return v;
    const out: Record<string, unknown> = {};
    for (const [key, child] of Object.entries(v)) {
      const ft = valueType ?? fields![key];
      if (ft !== undefined) out[key] = walk(child, ft);
    }
    return out;
  };
  return walk(value, type) as T;
}

/**
 * Fields of an apply configuration its kind does not declare, as structured-merge-diff words them
 * (`.spec.template.spec.containers[name="nginx"].imagee: field not declared in schema`). Like it,
 * a map stops at its first unknown field; keyed list elements are named by their merge key.
 */
export function undeclaredApplyFields(value: unknown, type: FieldType, lists: PatchSchema): string[] {
  const out: string[] = [];
  const walk = (v: unknown, t: FieldType, p: string, names: string[]) => {
    if (Array.isArray(v)) {
      const el = elementType(t);
      if (el === undefined) return;
      const mergeKey = lists.list(names.join('.'))?.mergeKey;
      const itemNames = [...names.slice(0, -1), `${names[names.length - 1]}[]`];
      v.forEach((item, i) => {
        const key = mergeKey && isPlainObject(item) && item[mergeKey] !== undefined ? `[${mergeKey}=${JSON.stringify(item[mergeKey])}]` : `[${i}]`;
        walk(item, el, p + key, itemNames);
      });
      return;
    }
    if (!isPlainObject(v)) return;
    const valueType = mapValueType(t);
    const fields = typeof t === 'string' ? fieldsOf(t) : undefined;
    if (valueType === undefined && fields === undefined) return;
    for (const key of Object.keys(v).sort()) {
      const ft = valueType ?? fields![key];
      if (ft === undefined) {
        out.push(`${p}.${key}: field not declared in schema`);
        return;
      }
      walk(v[key], ft, `${p}.${key}`, [...names, key]);
    }
  };
  walk(value, type, '', []);
  return out;
}

/** How Go names a JSON value's type in a decoding error. */
function jsonTypeName(v: unknown): string {
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'boolean') return 'bool';
  return typeof v === 'object' ? 'object' : typeof v;
}

/** A schema type as Go prints it: `V1PodSpec` as `v1.PodSpec`, lists `[]T`, maps `map[string]T`. */
function goTypeName(type: FieldType): string {
  if (Array.isArray(type)) return `[]${goTypeName(type[0]!)}`;
  if (typeof type === 'object') return `map[string]${goTypeName(type['*'])}`;
  if (type === '') return 'string';
  const m = /^V(\d+(?:alpha\d+|beta\d+)?)([A-Z].*)$/.exec(type);
  return m ? `v${m[1]}.${m[2]}` : type;
}

/**
 * The first value whose JSON shape a typed decode cannot take (a string where the kind has a
 * struct, an object where it has a list, ...), as Go's encoding/json words it: `json: cannot
 * unmarshal string into Go struct field ReplicationController.spec of type
 * v1.ReplicationControllerSpec`. Scalars are not told apart (the schema does not say which);
 * null is always taken. Undefined when every value fits.
 */
export function shapeMismatch(value: unknown, type: FieldType, kind: string): string | undefined {
  // Go names the innermost struct holding the field, and the field's whole JSON path without indices.
  const walk = (v: unknown, t: FieldType, p: string, struct: string): string | undefined => {
    if (v === null || v === undefined || t === '') return undefined;
    const fields = typeof t === 'string' ? fieldsOf(t) : undefined;
    if (typeof t === 'string' && fields === undefined) return undefined;
    const fits = Array.isArray(t) ? Array.isArray(v) : isPlainObject(v);
    if (!fits) return `json: cannot unmarshal ${jsonTypeName(v)} into Go ${p ? `struct field ${struct}.${p}` : 'value'} of type ${goTypeName(t)}`;
    if (Array.isArray(t)) {
      for (const item of v as unknown[]) {
        const found = walk(item, t[0]!, p, struct);
        if (found) return found;
      }
      return undefined;
    }
    const inner = typeof t === 'string' && p ? goTypeName(t).replace(/^.*\./, '') : struct;
    for (const [key, child] of Object.entries(v as Record<string, unknown>)) {
      const ft = fields ? fields[key] : (t as { '*': FieldType })['*'];
      const found = ft === undefined ? undefined : walk(child, ft, join(p, key), inner);
      if (found) return found;
    }
    return undefined;
  };
  return walk(value, type, '', kind);
}
