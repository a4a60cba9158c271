import { groupVersion, type KubeObject, type ResourceType } from '@skiff/apimachinery';
import type { ApiClient } from '@skiff/kube-client';
import type { DesiredObject } from './desiredObjects.js';
import { MANAGED_KINDS } from './resources.js';
import { APP_LABEL, isManagedBy, type AppRef } from './tracking.js';

/**
 * Every live object this Application manages, of every kind it may hold (the served managed kinds
 * plus the kinds of `desired`, which may be custom resources), each with its apiVersion and kind
 * set and the resource type to act on it with.
 */
export async function managedObjects(client: ApiClient, app: AppRef, desired: readonly DesiredObject[]): Promise<{ object: KubeObject; type: ResourceType }[]> {
  const kinds = new Map<string, ResourceType>(MANAGED_KINDS.map((t) => [`${t.group}/${t.resource}`, t]));
  for (const d of desired) kinds.set(`${d.type.group}/${d.type.resource}`, d.type);
  const lists = await Promise.all([...kinds.values()].map(async (type) => ({ type, items: (await client.list(type, { labelSelector: `${APP_LABEL}=${app.name}` })).items })));
  const out: { object: KubeObject; type: ResourceType }[] = [];
  for (const { type, items } of lists) {
    for (const obj of items) {
      const object = { ...obj, apiVersion: obj.apiVersion ?? groupVersion(type), kind: obj.kind ?? type.kind };
      if (isManagedBy(object, app)) out.push({ object, type });
    }
  }
  return out;
}
