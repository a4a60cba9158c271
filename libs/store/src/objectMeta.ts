import { randomUUID } from 'node:crypto';
import type { KubeObject } from '@skiff/apimachinery';

/** RFC 3339 at second precision, as Kubernetes writes timestamps: `2026-11-25T10:00:00Z`. */
export function rfc3339(at: Date): string {
  return at.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** A metadata timestamp as a timestamptz parameter; null when absent or not a date. */
export function timestampParam(value: unknown): string | null {
  if (typeof value !== 'string') return null;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? null : new Date(ms).toISOString();
}

/**
 * The object a create stores (before its resourceVersion is known): a copy with uid and
 * creationTimestamp filled in when missing and generation 1 for kinds with a spec. The caller's
 * object is not modified.
 */
export function prepareForCreate(object: KubeObject, now: Date, newUid: () => string = randomUUID): KubeObject {
  const metadata = { ...(object.metadata ?? {}) };
  delete metadata.resourceVersion;
  metadata.uid ||= newUid();
  metadata.creationTimestamp ||= rfc3339(now);
  if ('spec' in object) metadata.generation = 1;
  else delete metadata.generation;
  return { ...object, metadata };
}

/** A copy whose metadata is an object, so SQL can set fields inside it. */
export function withMetadata(object: KubeObject): KubeObject {
  return { ...object, metadata: { ...(object.metadata ?? {}) } };
}

/**
 * jsonb keeps keys in its own order (shortest first); put the type and metadata first again, as
 * Kubernetes serialises objects, so raw API responses read naturally.
 */
export function inKubernetesOrder(obj: KubeObject): KubeObject {
  const { apiVersion, kind, metadata, ...rest } = obj;
  return { apiVersion, kind, metadata, ...rest } as KubeObject;
}
