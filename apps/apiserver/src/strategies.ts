import type { KubeObject, ResourceType } from '@skiff/apimachinery';
import { clone } from './objects.js';

/**
 * Per-kind rules the generic REST handlers apply, like Kubernetes' registry strategies: what a
 * create resets, what an update of the main resource or of `/status` may change.
 */

function qosClass(pod: KubeObject): string {
  const containers = (((pod.spec as Record<string, unknown> | undefined)?.containers as Record<string, unknown>[] | undefined) ?? []);
  let anySet = false;
  let guaranteed = containers.length > 0;
  for (const c of containers) {
    const res = (c.resources as { requests?: Record<string, unknown>; limits?: Record<string, unknown> } | undefined) ?? {};
    const requests = res.requests ?? {};
    const limits = res.limits ?? {};
    if (Object.keys(requests).length > 0 || Object.keys(limits).length > 0) anySet = true;
    for (const r of ['cpu', 'memory']) {
      if (limits[r] === undefined) guaranteed = false;
      else if (requests[r] !== undefined && String(requests[r]) !== String(limits[r])) guaranteed = false;
    }
  }
  if (!anySet) return 'BestEffort';
  return guaranteed ? 'Guaranteed' : 'Burstable';
}

/** Applies the kind's create-time resets to a copy of `obj`. */
export function prepareForCreate(type: ResourceType, obj: KubeObject): KubeObject {
  const out = clone(obj);
  switch (type.resource) {
    case 'pods':
      out.status = { phase: 'Pending', qosClass: qosClass(out) };
      break;
    case 'namespaces':
      out.status = { phase: 'Active' };
      break;
    case 'nodes':
      break;
    default:
      if (type.subresources.includes('status')) delete out.status;
  }
  return out;
}

/**
 * Merges an incoming write with the stored object according to what the endpoint may change:
 * the main resource keeps the stored status, `/status` keeps everything but status.
 */
export function prepareForUpdate(type: ResourceType, incoming: KubeObject, old: KubeObject, subresource: string | undefined): KubeObject {
  if (subresource === 'status') {
    const out = clone(old);
    out.status = clone(incoming.status);
    out.metadata.resourceVersion = incoming.metadata.resourceVersion;
    return out;
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
  if (type.group === '' && type.resource === 'pods') {
    // The main resource cannot add debugging containers (kube-apiserver keeps the stored ones).
    const spec = { ...((out.spec ?? {}) as Record<string, unknown>) };
    const kept = (old.spec as { ephemeralContainers?: unknown } | undefined)?.ephemeralContainers;
    if (kept === undefined) delete spec.ephemeralContainers;
    else spec.ephemeralContainers = clone(kept);
    out.spec = spec;
  }
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

/** Kinds whose PUT may create a missing object, as in Kubernetes. */
export function allowCreateOnUpdate(type: ResourceType): boolean {
  return ['endpoints', 'leases', 'events'].includes(type.resource);
}
