import { groupVersion, type KubeObject, type ResourceType } from '@skiff/apimachinery';
import type { CacheReader } from '@skiff/controller-runtime';
import type { ApiClient } from '@skiff/kube-client';
import type { DesiredObject } from './desiredObjects.js';
import { MANAGED_KINDS } from './resources.js';
import { APP_LABEL, APPLICATION_INDEX, applicationIndexKey, isManagedBy, type AppRef } from './tracking.js';

/** The live objects of one kind that may be the Application's (`managedObjects` keeps those it tracks). */
export type ManagedLister = (type: ResourceType, app: AppRef) => Promise<readonly KubeObject[]>;

/** From the API server: every object of the kind with the Application's label, cluster-wide. */
export function listFromApi(client: ApiClient): ManagedLister {
  return async (type, app) => (await client.list(type, { labelSelector: `${APP_LABEL}=${app.name}` })).items;
}

/**
 * From the informers' index of tracked objects for the kinds in `cached` (one lookup instead of a
 * list request that scans every object of the kind), from the API server for the others (custom
 * resources, the other face's Applications).
 */
export function listFromCache(ctx: CacheReader, cached: ReadonlySet<ResourceType>, client: ApiClient): ManagedLister {
  const api = listFromApi(client);
  return async (type, app) => {
    if (![...cached].some((t) => t.group === type.group && t.resource === type.resource)) return api(type, app);
    // What the label selector would select among the tracked: a controller's copies of an object
    // (a Deployment's ReplicaSets carry its annotations, tracking id included, not its labels) are not the Application's.
    return ctx.byIndex(type, APPLICATION_INDEX, applicationIndexKey(app)).filter((o) => o.metadata.labels?.[APP_LABEL] === app.name);
  };
}

/**
 * Every live object this Application manages, of every kind it may hold (the served managed kinds
 * plus the kinds of `desired`, which may be custom resources), each with its apiVersion and kind
 * set and the resource type to act on it with.
 */
export async function managedObjects(list: ManagedLister, app: AppRef, desired: readonly DesiredObject[]): Promise<{ object: KubeObject; type: ResourceType }[]> {
  const kinds = new Map<string, ResourceType>(MANAGED_KINDS.map((t) => [`${t.group}/${t.resource}`, t]));
  for (const d of desired) kinds.set(`${d.type.group}/${d.type.resource}`, d.type);
  const lists = await Promise.all([...kinds.values()].map(async (type) => ({ type, items: await list(type, app) })));
  const out: { object: KubeObject; type: ResourceType }[] = [];
  for (const { type, items } of lists) {
    for (const obj of items) {
      const object = { ...obj, apiVersion: obj.apiVersion ?? groupVersion(type), kind: obj.kind ?? type.kind };
      if (isManagedBy(object, app)) out.push({ object, type });
    }
  }
  return out;
}
