import type { KubeObject } from '@skiff/apimachinery';
import type { DriftedField } from './driftedFields.js';
import { isRecord } from './fieldPath.js';
import { jqPaths, type JsonPath } from './jqPaths.js';

/** One entry of an Application's `spec.ignoreDifferences`, with Argo CD's field names. */
export interface IgnoreDifference {
  group?: string;
  kind: string;
  name?: string;
  namespace?: string;
  jsonPointers?: string[];
  jqPathExpressions?: string[];
  managedFieldsManagers?: string[];
}

/** The fields of one object whose differences do not count, as paths in the manifest and in the live object. */
export interface IgnoredFields {
  desired: JsonPath[];
  live: JsonPath[];
}

/** Whether a rule names this object: group and kind (`*` for any), and name and namespace when given. */
export function ruleMatches(rule: IgnoreDifference, obj: KubeObject): boolean {
  const group = obj.apiVersion.includes('/') ? obj.apiVersion.split('/')[0] : '';
  return (
    (rule.group === undefined || rule.group === '*' || rule.group === group) &&
    (rule.kind === '*' || rule.kind === obj.kind) &&
    (!rule.name || rule.name === obj.metadata.name) &&
    (!rule.namespace || rule.namespace === obj.metadata.namespace)
  );
}

/**
 * The ignored fields of one object: JSON pointers and jq paths are looked up in both the manifest and
 * the live object (their list indexes differ), managed-fields managers in the live object's
 * `metadata.managedFields`. Throws UnsupportedJqError for a jq expression outside the subset.
 */
export function ignoredFields(rules: readonly IgnoreDifference[], desired: KubeObject, live: KubeObject | undefined): IgnoredFields {
  const out: IgnoredFields = { desired: [], live: [] };
  for (const rule of rules) {
    if (!ruleMatches(rule, desired)) continue;
    for (const pointer of rule.jsonPointers ?? []) {
      const path = parseJsonPointer(pointer);
      out.desired.push(path);
      out.live.push(path);
    }
    for (const expr of rule.jqPathExpressions ?? []) {
      out.desired.push(...jqPaths(expr, desired));
      if (live) out.live.push(...jqPaths(expr, live));
    }
    if (live && rule.managedFieldsManagers?.length) {
      const managers = new Set(rule.managedFieldsManagers);
      for (const entry of (live.metadata.managedFields ?? []) as { manager?: string; fieldsV1?: unknown }[]) {
        if (entry.manager && managers.has(entry.manager) && isRecord(entry.fieldsV1)) ownedPaths(entry.fieldsV1, live, [], out.live);
      }
    }
  }
  return out;
}

/** Whether a drifted field lies at or under an ignored path. */
export function isIgnored(field: DriftedField, ignored: IgnoredFields): boolean {
  return ignored.desired.some((p) => isPrefix(p, field.desiredPath)) || ignored.live.some((p) => isPrefix(p, field.livePath));
}

/**
 * The manifest to apply when healing: the ignored fields that drifted take their live values (or go,
 * when the live object has none), so a heal never undoes a difference the Application ignores.
 */
export function keepIgnoredLive(desired: KubeObject, ignoredDrift: readonly DriftedField[]): KubeObject {
  const out = structuredClone(desired);
  // Deepest and last first, so removing a list item does not shift the index of another one.
  const sorted = [...ignoredDrift].sort((a, b) => b.desiredPath.length - a.desiredPath.length || compareIndexes(b.desiredPath, a.desiredPath));
  for (const f of sorted) {
    const parent = f.desiredPath.slice(0, -1).reduce<unknown>((o, k) => (isRecord(o) || Array.isArray(o) ? (o as Record<string, unknown>)[k] : undefined), out);
    const last = f.desiredPath.at(-1);
    if (last === undefined) continue;
    if (Array.isArray(parent) && typeof last === 'number') {
      if (f.live === undefined) parent.splice(last, 1);
      else parent[last] = structuredClone(f.live);
    } else if (isRecord(parent)) {
      if (f.live === undefined) delete parent[last];
      else parent[last] = structuredClone(f.live);
    }
  }
  return out;
}

/** RFC 6901: `/spec/template/spec/containers/0/image`, with `~1` for `/` and `~0` for `~`. */
export function parseJsonPointer(pointer: string): JsonPath {
  if (pointer === '') return [];
  return pointer
    .replace(/^\//, '')
    .split('/')
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
}

/**
 * Paths a managedFields entry owns in `value` (fieldsV1: `f:name` a field, `k:{...}` a list item by
 * its keys, `v:...` a set item by value, `i:N` by index, `.` the item itself).
 */
function ownedPaths(fields: Record<string, unknown>, value: unknown, path: JsonPath, out: JsonPath[]): void {
  for (const [k, sub] of Object.entries(fields)) {
    if (k === '.') {
      out.push(path);
      continue;
    }
    let step: string | number | undefined;
    let child: unknown;
    if (k.startsWith('f:')) {
      step = k.slice(2);
      child = isRecord(value) ? value[step] : undefined;
    } else if (Array.isArray(value) && (k.startsWith('k:') || k.startsWith('v:') || k.startsWith('i:'))) {
      let index = -1;
      try {
        const id: unknown = JSON.parse(k.slice(2));
        if (k.startsWith('i:')) index = Number(id);
        else if (k.startsWith('v:')) index = value.findIndex((v) => JSON.stringify(v) === JSON.stringify(id));
        else if (isRecord(id)) index = value.findIndex((v) => isRecord(v) && Object.entries(id).every(([ik, iv]) => JSON.stringify(v[ik]) === JSON.stringify(iv)));
      } catch {
        index = -1;
      }
      if (index < 0) continue;
      step = index;
      child = value[index];
    }
    if (step === undefined) continue;
    if (isRecord(sub) && Object.keys(sub).length) ownedPaths(sub, child, [...path, step], out);
    else out.push([...path, step]);
  }
}

function isPrefix(prefix: JsonPath, path: JsonPath): boolean {
  return prefix.length <= path.length && prefix.every((s, i) => String(s) === String(path[i]));
}

function compareIndexes(a: JsonPath, b: JsonPath): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    if (a[i] === b[i]) continue;
    return typeof a[i] === 'number' && typeof b[i] === 'number' ? (a[i] as number) - (b[i] as number) : String(a[i]).localeCompare(String(b[i]));
  }
  return 0;
}
