import { ConflictError, deepEqual, matchesLabels, NotFoundError, selectorFromLabelSelector, type KubeObject } from '@skiff/apimachinery';
import type { Controller, ObjectRef, ReconcileContext } from '@skiff/controller-runtime';
import { ENDPOINTS, PODS, SERVICES } from '../resources.js';
import { desiredLabels, desiredSubsets, hasSelector, MANAGED_BY, MANAGED_BY_VALUE, serviceSpec } from './desiredEndpoints.js';

/**
 * Endpoints controller: for each Service with a selector, the addresses of its pods (ready and
 * not ready) with their resolved target ports. Pods come from the shared cache (every pod event
 * brings the Services that select the pod, by its old and new labels); the write is skipped when
 * nothing changed. Endpoints of Services without a selector are the user's and are left alone.
 */
export function endpointsController(): Controller {
  return {
    name: 'endpoints',
    for: SERVICES,
    watches: [
      { type: PODS, map: servicesSelecting },
      { type: ENDPOINTS, map: (ep) => [{ namespace: ep.metadata.namespace, name: ep.metadata.name! }] },
    ],
    concurrency: 8,
    reconcile: reconcileEndpoints,
  };
}

function servicesSelecting(pod: KubeObject, ctx: { cache(type: typeof SERVICES): readonly KubeObject[] }): ObjectRef[] {
  return ctx
    .cache(SERVICES)
    .filter((svc) => svc.metadata.namespace === pod.metadata.namespace && hasSelector(svc) && matchesLabels(selectorFromLabelSelector({ matchLabels: serviceSpec(svc).selector ?? {} }), pod.metadata.labels))
    .map((svc) => ({ namespace: svc.metadata.namespace, name: svc.metadata.name! }));
}

export async function reconcileEndpoints(ref: ObjectRef, ctx: ReconcileContext): Promise<void> {
  const svc = ctx.cache(SERVICES).find((s) => s.metadata.namespace === ref.namespace && s.metadata.name === ref.name);
  const current = await getEndpoints(ref, ctx);
  if (!svc || svc.metadata.deletionTimestamp) {
    if (current && current.metadata.labels?.[MANAGED_BY] === MANAGED_BY_VALUE) {
      await ctx.client.delete(ENDPOINTS, ref.namespace, ref.name, { preconditions: { uid: current.metadata.uid } }).catch((err) => {
        if (!(err instanceof NotFoundError) && !(err instanceof ConflictError)) throw err;
      });
    }
    return;
  }
  if (!hasSelector(svc)) return;

  const subsets = desiredSubsets(svc, ctx.cache(PODS));
  const labels = desiredLabels(svc);
  if (current && deepEqual(current.subsets ?? [], subsets) && sameLabels(current.metadata.labels, labels)) return;

  const body: KubeObject = {
    apiVersion: 'v1',
    kind: 'Endpoints',
    metadata: { name: ref.name, namespace: ref.namespace, labels, ...(current ? { resourceVersion: current.metadata.resourceVersion, annotations: current.metadata.annotations } : {}) },
    subsets,
  };
  // A Conflict or AlreadyExists (someone wrote in between) is retried from the new state.
  if (current) await ctx.client.update(ENDPOINTS, body);
  else await ctx.client.create(ENDPOINTS, body);
  const ready = subsets.reduce((n, s) => n + (s.addresses?.length ?? 0), 0);
  const notReady = subsets.reduce((n, s) => n + (s.notReadyAddresses?.length ?? 0), 0);
  ctx.log.debug({ ready, notReady }, 'endpoints updated');
}

async function getEndpoints(ref: ObjectRef, ctx: ReconcileContext): Promise<KubeObject | undefined> {
  try {
    return await ctx.client.get(ENDPOINTS, ref.namespace, ref.name);
  } catch (err) {
    if (err instanceof NotFoundError) return undefined;
    throw err;
  }
}

function sameLabels(a: Record<string, string> | undefined, b: Record<string, string>): boolean {
  const x = a ?? {};
  return Object.keys(x).length === Object.keys(b).length && Object.entries(b).every(([k, v]) => x[k] === v);
}
