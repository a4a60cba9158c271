import { groupVersion, type KubeObject } from '@skiff/apimachinery';
import type { ReconcileContext } from '@skiff/controller-runtime';
import { hookTypes } from '@skiff/gitops';
import type { DesiredObject } from './desiredObjects.js';
import { PODS, REPLICASETS, WATCHED_KINDS } from './resources.js';
import { APPLICATION_INDEX, applicationIndexKey, isGenerated, isManagedBy, objectKey, REVISION, TRACKING_ID, trackingId, type AppRef } from './tracking.js';

/**
 * Live objects, from the cache, that this Application tracks (their tracking id names them
 * exactly) and that git no longer has; hooks are never extraneous.
 */
export function extraneousObjects(ctx: ReconcileContext, app: AppRef, desired: readonly DesiredObject[]): KubeObject[] {
  const out: KubeObject[] = [];
  for (const type of [...WATCHED_KINDS, PODS, REPLICASETS]) {
    // Only the objects that carry this Application's tracking id: one lookup, not a scan of every kind.
    for (const item of ctx.byIndex(type, APPLICATION_INDEX, applicationIndexKey(app))) {
      const obj = { ...item, apiVersion: item.apiVersion ?? groupVersion(type), kind: item.kind ?? type.kind };
      const id = obj.metadata.annotations?.[TRACKING_ID];
      if (!id || !isManagedBy(obj, app) || obj.metadata.deletionTimestamp || hookTypes(obj).length) continue;
      const own = id === trackingId(app, obj) || (id.endsWith('*') && obj.metadata.generateName && id === trackingId(app, { ...obj, metadata: { ...obj.metadata, name: undefined } }));
      if (own && !isKept(obj, desired)) out.push(obj);
    }
  }
  return out;
}

/** Whether git still has this live object (or, for one a generateName manifest made, made it at this revision). */
export function isKept(obj: KubeObject, desired: readonly DesiredObject[]): boolean {
  return desired.some(
    (d) =>
      objectKey(d.object) === objectKey(obj) ||
      (isGenerated(d.object) && d.object.metadata.annotations?.[TRACKING_ID] === obj.metadata.annotations?.[TRACKING_ID] && d.object.metadata.annotations?.[REVISION] === obj.metadata.annotations?.[REVISION]),
  );
}
