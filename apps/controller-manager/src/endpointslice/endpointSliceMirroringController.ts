import type { KubeObject } from '@skiff/apimachinery';
import type { Controller, ObjectRef, ReconcileContext } from '@skiff/controller-runtime';
import { ownerReferenceTo } from '../common/ownership.js';
import { hasSelector } from '../endpoints/desiredEndpoints.js';
import { ENDPOINTS, ENDPOINTSLICES, SERVICES } from '../resources.js';
import { desiredEndpointSlices, endpointGroupsForEndpoints, MANAGED_BY_LABEL, MIRRORING_CONTROLLER, planSliceChanges, SERVICE_NAME_LABEL, SKIP_MIRROR_LABEL } from './desiredEndpointSlices.js';
import { applySliceChanges, managedSlices } from './endpointSliceController.js';

/**
 * EndpointSlice mirroring controller (kube-controller-manager's `endpointslicemirroring`): the
 * Endpoints of a Service without a selector (written by hand, or the API server's `kubernetes`
 * Service) copied into EndpointSlices managed by `endpointslicemirroring-controller.k8s.io`, so
 * the proxy, which reads slices only, serves them as before. Endpoints labelled
 * `endpointslice.kubernetes.io/skip-mirror: "true"`, and those of Services with a selector (the
 * endpointslice controller's), are not mirrored.
 */
export function endpointSliceMirroringController(): Controller {
  return {
    name: 'endpointslicemirroring',
    for: ENDPOINTS,
    owns: [ENDPOINTSLICES],
    watches: [{ type: SERVICES, map: (svc) => [{ namespace: svc.metadata.namespace, name: svc.metadata.name! }] }],
    concurrency: 4,
    reconcile: reconcileMirroredSlices,
  };
}

export async function reconcileMirroredSlices(ref: ObjectRef, ctx: ReconcileContext): Promise<void> {
  const find = (type: typeof ENDPOINTS) => ctx.cache(type).find((o) => o.metadata.namespace === ref.namespace && o.metadata.name === ref.name);
  const ep = find(ENDPOINTS);
  const svc = find(SERVICES);
  const mirrored = ep && svc && !ep.metadata.deletionTimestamp && !hasSelector(svc) && ep.metadata.labels?.[SKIP_MIRROR_LABEL] !== 'true';
  const desired = mirrored ? desiredEndpointSlices({ namespace: ref.namespace!, serviceName: ref.name, labels: mirroredLabels(ep), ownerReference: ownerReferenceTo(ep) }, endpointGroupsForEndpoints(ep), MIRRORING_CONTROLLER, { placeholder: false }) : [];
  await applySliceChanges(planSliceChanges(desired, managedSlices(ctx, ref.namespace, ref.name, MIRRORING_CONTROLLER)), ctx);
}

function mirroredLabels(ep: KubeObject): Record<string, string> {
  const labels: Record<string, string> = {};
  for (const [k, v] of Object.entries(ep.metadata.labels ?? {})) if (k !== SERVICE_NAME_LABEL && k !== MANAGED_BY_LABEL && k !== SKIP_MIRROR_LABEL) labels[k] = v;
  return labels;
}
