import type { KubeObject, ObjectKey, Kind } from '@skiff/apimachinery';
import { deepCopy, deepEqual, groupVersion } from '@skiff/apimachinery';

export function clone<T>(value: T): T {
  return deepCopy(value);
}

export function keyOf(type: Kind, namespace: string | undefined, name: string): ObjectKey {
  return { group: type.group, resource: type.resource, namespace: type.namespaced ? (namespace ?? '') : '', name };
}

export function nowRfc3339(now: Date): string {
  return now.toISOString().replace(/\.\d{3}Z$/, 'Z');
}


/**
 * Equal apart from bookkeeping the server itself maintains (managedFields timestamps): a write
 * that only moves timestamps is no write, one that changes who owns what is, as in Kubernetes.
 */
export function sameContent(a: KubeObject, b: KubeObject): boolean {
  const strip = (o: KubeObject) => ({
    ...o,
    metadata: { ...o.metadata, managedFields: o.metadata.managedFields?.map((m) => ({ ...m, time: undefined })), resourceVersion: undefined },
  });
  return deepEqual(strip(a), strip(b));
}

export function typeMeta(type: Kind): { apiVersion: string; kind: string } {
  return { apiVersion: groupVersion(type), kind: type.kind };
}

export function specOf(obj: KubeObject): Record<string, unknown> {
  return (obj.spec as Record<string, unknown> | undefined) ?? {};
}

/** Orders objects by name (a namespace's objects, as a list returns them). */
export function byName(a: KubeObject, b: KubeObject): number {
  return a.metadata.name! < b.metadata.name! ? -1 : a.metadata.name! > b.metadata.name! ? 1 : 0;
}
