import { AlreadyExistsError, ForbiddenError, ROOT_CA_CONFIG_MAP } from '@skiff/apimachinery';
import type { Controller, ObjectRef, ReconcileContext } from '@skiff/controller-runtime';
import { CONFIGMAPS, NAMESPACES } from '../resources.js';
import { planRootCaConfigMap } from './rootCaConfigMap.js';

/**
 * Kubernetes' root-ca-cert-publisher: every Active namespace has the ConfigMap `kube-root-ca.crt`
 * with the cluster CA, which the projected volume ServiceAccount admission adds to pods reads as
 * `ca.crt`. Keyed by namespace; a change to or deletion of that ConfigMap wakes its namespace.
 */
export function rootCaCertPublisher(caPem: string): Controller {
  return {
    name: 'root-ca-cert-publisher',
    for: NAMESPACES,
    watches: [{ type: CONFIGMAPS, map: (cm): ObjectRef[] => (cm.metadata.namespace && cm.metadata.name === ROOT_CA_CONFIG_MAP ? [{ name: cm.metadata.namespace }] : []) }],
    reconcile: (ref, ctx) => reconcileRootCa(ref, ctx, caPem),
  };
}

async function reconcileRootCa(ref: ObjectRef, ctx: ReconcileContext, caPem: string): Promise<void> {
  const ns = await ctx.client.getIfExists(NAMESPACES, undefined, ref.name);
  if (!ns) return;
  const existing = await ctx.client.getIfExists(CONFIGMAPS, ref.name, ROOT_CA_CONFIG_MAP);
  const action = planRootCaConfigMap(ns, existing, caPem);
  try {
    if (action.kind === 'create') await ctx.client.create(CONFIGMAPS, action.configMap);
    if (action.kind === 'update') await ctx.client.update(CONFIGMAPS, action.configMap);
  } catch (err) {
    // Made meanwhile (the next event converges it), or the namespace began terminating.
    if (err instanceof AlreadyExistsError) return;
    if (err instanceof ForbiddenError && err.details?.causes?.some((c) => c.reason === 'NamespaceTerminating')) return;
    throw err;
  }
}
