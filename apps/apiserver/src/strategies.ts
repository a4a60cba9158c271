import type { Kind, KubeObject } from '@skiff/apimachinery';
import { clone } from './objects.js';

/**
 * The generic halves of Kubernetes' registry strategies; each kind adds its own through its
 * definition's hooks (`prepareForCreate`, `prepareForUpdate`, `allowCreateOnUpdate`).
 */

/**
 * A copy of `obj` as a create stores it: a kind with a `status` subresource starts with no status,
 * unless its own `prepareForCreate` decides (a Pod starts Pending, a Node keeps what its agent saw).
 */
export function prepareForCreate(type: Kind, obj: KubeObject): KubeObject {
  const out = clone(obj);
  if (type.prepareForCreate) type.prepareForCreate(out);
  else if (type.subresources.includes('status')) delete out.status;
  return out;
}

/**
 * Merges an incoming write with the stored object according to what the endpoint may change:
 * the main resource keeps the stored status, `/status` keeps everything but status.
 */
export function prepareForUpdate(type: Kind, incoming: KubeObject, old: KubeObject, subresource: string | undefined): KubeObject {
  if (subresource === 'status') {
    // Only the status changes: the rest is the stored object's, shared, not copied (nothing after
    // this changes a written object in place; a status write is most of a busy cluster's writes).
    return { ...old, metadata: { ...old.metadata, resourceVersion: incoming.metadata.resourceVersion }, status: clone(incoming.status) };
  }
  if (subresource === 'ephemeralcontainers') {
    // Only the debugging containers change here; the rest of the Pod stays as stored.
    const out = clone(old);
    const spec = { ...((out.spec ?? {}) as Record<string, unknown>) };
    const wanted = (incoming.spec as { ephemeralContainers?: unknown } | undefined)?.ephemeralContainers;
    if (wanted === undefined || wanted === null) delete spec.ephemeralContainers;
    else spec.ephemeralContainers = clone(wanted);
    out.spec = spec;
    out.metadata.resourceVersion = incoming.metadata.resourceVersion;
    return out;
  }
  const out = clone(incoming);
  type.prepareForUpdate?.(out, old);
  out.metadata.uid = old.metadata.uid;
  out.metadata.creationTimestamp = old.metadata.creationTimestamp;
  out.metadata.deletionTimestamp = old.metadata.deletionTimestamp;
  out.metadata.deletionGracePeriodSeconds = old.metadata.deletionGracePeriodSeconds;
  out.metadata.generation = old.metadata.generation;
  if (out.metadata.deletionTimestamp === undefined) delete out.metadata.deletionTimestamp;
  if (out.metadata.deletionGracePeriodSeconds === undefined) delete out.metadata.deletionGracePeriodSeconds;
  if (out.metadata.generation === undefined) delete out.metadata.generation;
  if (type.subresources.includes('status')) {
    if (old.status === undefined) delete out.status;
    else out.status = clone(old.status);
  }
  return out;
}
