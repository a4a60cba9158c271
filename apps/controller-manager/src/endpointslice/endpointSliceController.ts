import { ConflictError, matchesLabels, NotFoundError, selectorFromLabelSelector, shape, type KubeObject } from '@skiff/apimachinery';
import type { Controller, ObjectRef, ReconcileContext } from '@skiff/controller-runtime';
import type { EndpointSlice } from 'kubernetes-types/discovery/v1.js';
import { ownerReferenceTo } from '../common/ownership.js';
import { hasSelector, serviceSpec } from '../endpoints/desiredEndpoints.js';
import { ENDPOINTSLICES, PODS, SERVICES } from '../resources.js';
import {
  desiredEndpointSlices,
  endpointGroupsForService,
  ENDPOINTSLICE_CONTROLLER,
  MANAGED_BY_LABEL,
  planSliceChanges,
  SERVICE_NAME_LABEL,
  sliceLabelsForService,
  type SliceChanges,
} from './desiredEndpointSlices.js';

/**
 * EndpointSlice controller (kube-controller-manager's `endpointslice`): for each Service with a
 * selector, its pods as EndpointSlices of at most 100 endpoints, with ready/serving/terminating
 * conditions, owned by the Service and labelled `kubernetes.io/service-name` and
 * `endpointslice.kubernetes.io/managed-by: endpointslice-controller.k8s.io`. It runs beside the
 * Endpoints controller, which stays as it is. Slices it does not manage (another manager's, or
 * the user's) are never touched; a converged Service costs no writes.
 */
export function endpointSliceController(): Controller {
  return {
    name: 'endpointslice',
    for: SERVICES,
    owns: [ENDPOINTSLICES],
    watches: [{ type: PODS, map: servicesSelecting }],
    concurrency: 8,
    reconcile: reconcileEndpointSlices,
  };
}

function servicesSelecting(pod: KubeObject, ctx: { cache(type: typeof SERVICES): readonly KubeObject[] }): ObjectRef[] {
  return ctx
    .cache(SERVICES)
    .filter((svc) => svc.metadata.namespace === pod.metadata.namespace && hasSelector(svc) && matchesLabels(selectorFromLabelSelector({ matchLabels: serviceSpec(svc).selector ?? {} }), pod.metadata.labels))
    .map((svc) => ({ namespace: svc.metadata.namespace, name: svc.metadata.name! }));
}

/** The slices of Service `serviceName` that `managedBy` wrote, from the cache. */
export function managedSlices(ctx: Pick<ReconcileContext, 'cache'>, namespace: string | undefined, serviceName: string, managedBy: string): EndpointSlice[] {
  return ctx
    .cache(ENDPOINTSLICES)
    .filter((s) => s.metadata.namespace === namespace && s.metadata.labels?.[SERVICE_NAME_LABEL] === serviceName && s.metadata.labels?.[MANAGED_BY_LABEL] === managedBy)
    .map((s) => shape<EndpointSlice>(s));
}

export async function reconcileEndpointSlices(ref: ObjectRef, ctx: ReconcileContext): Promise<void> {
  const svc = ctx.cache(SERVICES).find((s) => s.metadata.namespace === ref.namespace && s.metadata.name === ref.name);
  const current = managedSlices(ctx, ref.namespace, ref.name, ENDPOINTSLICE_CONTROLLER);
  // Gone, going, selectorless or ExternalName: no slices of ours (the mirroring controller
  // serves a selectorless Service's hand-written Endpoints).
  const served = svc && !svc.metadata.deletionTimestamp && hasSelector(svc) && (svc.spec as { type?: string } | undefined)?.type !== 'ExternalName';
  const desired = served
    ? desiredEndpointSlices(
        { namespace: ref.namespace!, serviceName: ref.name, labels: sliceLabelsForService(svc), ownerReference: ownerReferenceTo(svc) },
        endpointGroupsForService(svc, ctx.cache(PODS)),
        ENDPOINTSLICE_CONTROLLER,
      )
    : [];
  await applySliceChanges(planSliceChanges(desired, current), ctx);
}

/**
 * Writes a slice plan: creates, updates, then deletes, so a Service never passes through having
 * no slice while its endpoints move between slices. A Conflict or AlreadyExists (a stale cache,
 * another writer) is thrown, and the retry plans again from the newer state.
 */
export async function applySliceChanges(changes: SliceChanges, ctx: ReconcileContext): Promise<void> {
  for (const s of changes.create) await ctx.client.create(ENDPOINTSLICES, asObject(s));
  for (const s of changes.update) await ctx.client.update(ENDPOINTSLICES, asObject(s));
  for (const s of changes.delete) {
    await ctx.client.delete(ENDPOINTSLICES, s.metadata!.namespace, s.metadata!.name!, { preconditions: { uid: s.metadata!.uid } }).catch((err) => {
      if (!(err instanceof NotFoundError) && !(err instanceof ConflictError)) throw err;
    });
  }
  const writes = changes.create.length + changes.update.length + changes.delete.length;
  if (writes) ctx.log.debug({ created: changes.create.length, updated: changes.update.length, deleted: changes.delete.length }, 'endpoint slices written');
}

/** An EndpointSlice as the client sends objects: the metadata the plan sets, the rest as planned. */
function asObject(slice: EndpointSlice): KubeObject {
  const { metadata: m = {}, ...rest } = slice;
  const metadata = {
    name: m.name,
    namespace: m.namespace,
    labels: m.labels,
    ownerReferences: m.ownerReferences,
    ...(m.resourceVersion ? { resourceVersion: m.resourceVersion } : {}),
    ...(m.annotations ? { annotations: m.annotations } : {}),
    ...(m.finalizers ? { finalizers: m.finalizers } : {}),
  };
  return { ...rest, apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice', metadata };
}
