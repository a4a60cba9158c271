import { RESOURCE_TYPES, type KubeObject, type ResourceType } from '@skiff/apimachinery';
import { TerminalError, type Controller, type ObjectRef, type ReconcileContext } from '@skiff/controller-runtime';
import { RESOURCEQUOTAS } from '../resources.js';
import { countedTypes, desiredQuotaStatus, sameQuotaStatus } from './desiredQuotaStatus.js';

/** Kubernetes' quota controller resyncs every 5 minutes; usage drifts only through missed work. */
export const QUOTA_RESYNC_MS = 5 * 60_000;

/** Kinds whose objects a quota can count: every namespaced kind that can be listed. */
const COUNTABLE: readonly ResourceType[] = RESOURCE_TYPES.filter((t) => t.namespaced && t.verbs.includes('list'));

/**
 * ResourceQuota controller: keeps `status.hard` equal to `spec.hard` and `status.used` equal to
 * what the namespace's objects use. Any change to an object of a countable kind wakes the quotas
 * of its namespace, so a deletion gives its share back; the API server's admission charges
 * creates meanwhile. Objects are listed from the API, not the cache: a stale cache would write a
 * usage lower than the truth and let a create past the quota. (A create charged but not yet
 * stored when the list runs is still missed for a moment, as in Kubernetes; its ADDED event
 * brings the quota back.)
 */
export function resourceQuotaController(): Controller {
  return {
    name: 'resourcequota',
    for: RESOURCEQUOTAS,
    watches: COUNTABLE.filter((t) => t !== RESOURCEQUOTAS).map((type) => ({
      type,
      map: (obj, ctx): ObjectRef[] =>
        ctx
          .cache(RESOURCEQUOTAS)
          .filter((q) => q.metadata.namespace === obj.metadata.namespace)
          .map((q) => ({ namespace: q.metadata.namespace, name: q.metadata.name! })),
    })),
    concurrency: 4,
    resyncMs: QUOTA_RESYNC_MS,
    reconcile: reconcileResourceQuota,
  };
}

export async function reconcileResourceQuota(ref: ObjectRef, ctx: ReconcileContext): Promise<void> {
  const quota = await ctx.client.getIfExists(RESOURCEQUOTAS, ref.namespace, ref.name);
  if (!quota) return;
  const objects = new Map<string, KubeObject[]>();
  const unserved: string[] = [];
  for (const t of countedTypes(quota)) {
    const type = COUNTABLE.find((c) => c.group === t.group && c.resource === t.resource);
    if (!type) {
      unserved.push(t.group ? `${t.resource}.${t.group}` : t.resource);
      continue;
    }
    objects.set(`${t.group}/${t.resource}`, (await ctx.client.list(type, { namespace: ref.namespace })).items);
  }
  const status = desiredQuotaStatus(quota, objects);
  if (!sameQuotaStatus(quota.status, status)) {
    // The read resourceVersion guards the write: a charge the API server made since is a Conflict, retried from fresh.
    await ctx.client.updateStatus(RESOURCEQUOTAS, { ...quota, status });
    ctx.log.debug({ used: status.used }, 'quota usage updated');
  }
  // Counted as 0 above; no retry can ever find these kinds (Skiff has no custom resources).
  if (unserved.length) throw new TerminalError(`the server does not serve ${unserved.join(', ')}; their usage is counted as 0`);
}
