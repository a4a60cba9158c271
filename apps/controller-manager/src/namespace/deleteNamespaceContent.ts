import { NotFoundError, RESOURCE_TYPES, type KubeObject, type ResourceType } from '@skiff/apimachinery';
import { ApiDiscovery, type ApiClient } from '@skiff/kube-client';
import type { ContentReport } from './namespaceDeletionConditions.js';

/** Everything a namespace can hold that can be listed and deleted (Events too). */
export const NAMESPACED_TYPES: readonly ResourceType[] = RESOURCE_TYPES.filter((t) => t.namespaced && t.verbs.includes('list') && t.verbs.includes('delete'));

/**
 * What a namespace can hold: the built-in kinds, and every namespaced resource the server's
 * discovery lists (custom resources), each once, in its group's preferred version. When discovery
 * fails the built-in kinds are still deleted (and the failure reported).
 */
export async function namespacedTypes(client: ApiClient): Promise<{ types: ResourceType[]; failure?: string }> {
  const types = [...NAMESPACED_TYPES];
  try {
    for (const t of await new ApiDiscovery(client).serverPreferredResources()) {
      if (!t.namespaced || !t.verbs.includes('list') || !t.verbs.includes('delete')) continue;
      if (!types.some((k) => k.group === t.group && k.resource === t.resource)) types.push(t);
    }
    return { types };
  } catch (err) {
    return { types, failure: (err as Error).message };
  }
}

/**
 * One pass of Kubernetes' namespaced-resources deleter: deletes every object in the namespace
 * that is not already being deleted, then lists again to report what is left. A kind that fails
 * is reported, not thrown, so the other kinds still get deleted.
 */
export async function deleteNamespaceContent(client: ApiClient, namespace: string): Promise<ContentReport & { left: KubeObject[] }> {
  const failures: ContentReport['failures'] = [];
  const remaining: ContentReport['remaining'] = [];
  const left: KubeObject[] = [];
  const { types, failure } = await namespacedTypes(client);
  for (const type of types) {
    try {
      for (const obj of (await client.list(type, { namespace })).items) {
        if (obj.metadata.deletionTimestamp) continue;
        await client.delete(type, namespace, obj.metadata.name!, { preconditions: { uid: obj.metadata.uid } }).catch((err: unknown) => {
          if (!(err instanceof NotFoundError)) throw err;
        });
      }
      const { items } = await client.list(type, { namespace });
      remaining.push({ type, count: items.length });
      left.push(...items);
    } catch (err) {
      failures.push({ type, message: (err as Error).message });
    }
  }
  const counts = new Map<string, number>();
  for (const obj of left) for (const f of obj.metadata.finalizers ?? []) counts.set(f, (counts.get(f) ?? 0) + 1);
  return { remaining, failures, left, finalizers: [...counts].map(([finalizer, count]) => ({ finalizer, count })), ...(failure ? { discoveryFailure: failure } : {}) };
}
