import type { KubeObject, ObjectKey, ResourceType } from '@skiff/apimachinery';
import { groupVersion } from '@skiff/apimachinery';

export function clone<T>(value: T): T {
  return structuredClone(value);
}

export function keyOf(type: ResourceType, namespace: string | undefined, name: string): ObjectKey {
  return { group: type.group, resource: type.resource, namespace: type.namespaced ? (namespace ?? '') : '', name };
}

export function nowRfc3339(now: Date): string {
  return now.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** Deep equality on JSON values, ignoring key order. */
export function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (a === null || b === null || typeof a !== 'object' || typeof b !== 'object') return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a)) {
    const bb = b as unknown[];
    return a.length === bb.length && a.every((v, i) => jsonEqual(v, bb[i]));
  }
  const ao = a as Record<string, unknown>;
  const bo = b as Record<string, unknown>;
  const ak = Object.keys(ao).filter((k) => ao[k] !== undefined);
  const bk = Object.keys(bo).filter((k) => bo[k] !== undefined);
  return ak.length === bk.length && ak.every((k) => jsonEqual(ao[k], bo[k]));
}

/** Equal apart from bookkeeping the server itself maintains (managedFields timestamps). */
export function sameContent(a: KubeObject, b: KubeObject): boolean {
  const strip = (o: KubeObject) => ({ ...o, metadata: { ...o.metadata, managedFields: undefined, resourceVersion: undefined } });
  return jsonEqual(strip(a), strip(b));
}

export function typeMeta(type: ResourceType): { apiVersion: string; kind: string } {
  return { apiVersion: groupVersion(type), kind: type.kind };
}

export function specOf(obj: KubeObject): Record<string, unknown> {
  return (obj.spec as Record<string, unknown> | undefined) ?? {};
}
