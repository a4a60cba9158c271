import { AlreadyExistsError, ForbiddenError, type KubeObject } from '@skiff/apimachinery';
import type { Controller, ObjectRef, ReconcileContext } from '@skiff/controller-runtime';
import { NAMESPACES, SERVICEACCOUNTS } from '../resources.js';
import { missingServiceAccounts, NAMESPACE_SERVICE_ACCOUNTS } from './missingServiceAccounts.js';

/**
 * Kubernetes' serviceaccounts-controller: every Active namespace has a `default` ServiceAccount,
 * made again when it is deleted. Keyed by namespace; the deletion of a standard account wakes
 * its namespace. Nothing is made in a Terminating namespace.
 */
export function serviceAccountsController(): Controller {
  return {
    name: 'serviceaccount',
    for: NAMESPACES,
    watches: [
      {
        type: SERVICEACCOUNTS,
        map: (sa): ObjectRef[] => (sa.metadata.namespace && NAMESPACE_SERVICE_ACCOUNTS.includes(sa.metadata.name!) ? [{ name: sa.metadata.namespace }] : []),
      },
    ],
    reconcile: reconcileServiceAccounts,
  };
}

async function reconcileServiceAccounts(ref: ObjectRef, ctx: ReconcileContext): Promise<void> {
  const ns = await ctx.client.getIfExists(NAMESPACES, undefined, ref.name);
  if (!ns) return;
  const existing = ctx
    .cache(SERVICEACCOUNTS)
    .filter((sa) => sa.metadata.namespace === ref.name)
    .map((sa) => sa.metadata.name!);
  for (const name of missingServiceAccounts(ns, existing)) {
    const sa: KubeObject = { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name, namespace: ref.name } };
    try {
      await ctx.client.create(SERVICEACCOUNTS, sa);
      ctx.log.info({ serviceAccount: name }, 'service account created');
    } catch (err) {
      // A stale cache (it exists already) or a namespace that began terminating since it was read: nothing to do.
      if (err instanceof AlreadyExistsError) continue;
      if (err instanceof ForbiddenError && err.details?.causes?.some((c) => c.reason === 'NamespaceTerminating')) return;
      throw err;
    }
  }
}
