import type { KubeObject, ResourceType } from '@skiff/apimachinery';
import type { ApiClient } from '@skiff/kube-client';
import { COLLECTED_TYPES, isDependentOf } from './ownerReferences.js';

export interface Dependent {
  type: ResourceType;
  obj: KubeObject;
}

/**
 * Every object that names `owner` in its ownerReferences, read from the API rather than a cache:
 * the callers decide from it that no dependent is left. A namespaced owner can only have
 * dependents in its own namespace; a cluster-scoped one can have them anywhere.
 */
export async function listDependents(client: ApiClient, ownerType: ResourceType, owner: KubeObject): Promise<Dependent[]> {
  const types = ownerType.namespaced ? COLLECTED_TYPES.filter((t) => t.namespaced) : COLLECTED_TYPES;
  const namespace = ownerType.namespaced ? owner.metadata.namespace : undefined;
  const lists = await Promise.all(types.map(async (type) => ({ type, items: (await client.list(type, { namespace })).items })));
  return lists.flatMap(({ type, items }) => items.filter((obj) => isDependentOf(obj, owner.metadata.uid)).map((obj) => ({ type, obj })));
}
