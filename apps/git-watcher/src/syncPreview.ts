import { NotFoundError, type KubeObject } from '@skiff/apimachinery';
import type { ApiClient, ApiDiscovery } from '@skiff/kube-client';
import { unifiedObjectDiff } from '@skiff/gitops';
import { specOf } from './applicationSpec.js';
import { desiredObjects, type DesiredError, type DesiredObject, type ManifestRef } from './desiredObjects.js';
import { resolveKinds } from './kindResolution.js';
import { listFromApi, managedObjects } from './managedObjects.js';
import { FIELD_MANAGER, isGenerated, objectKey, REVISION, type AppRef } from './tracking.js';

export interface PlannedChange {
  /** `group/Kind namespace/name` */
  key: string;
  action: 'create' | 'update' | 'delete' | 'unchanged';
  /** The unified diff from the live object to what a sync would make of it ('' when unchanged). */
  diff: string;
}

export type SyncPreview = { ok: true; changes: PlannedChange[] } | { ok: false; errors: DesiredError[] };

/**
 * What syncing `manifests` would change, without changing anything: each object's live state next
 * to the server's dry run of applying it (defaults, admission and merges included, as `kubectl
 * diff` does), plus the objects a prune would delete. Secret values are masked in every diff.
 */
export async function previewSync(client: ApiClient, app: KubeObject, manifests: readonly ManifestRef[], revision: string, discovery?: ApiDiscovery): Promise<SyncPreview> {
  const appRef: AppRef = { namespace: app.metadata.namespace!, name: app.metadata.name! };
  const spec = specOf(app);
  const desired = desiredObjects(appRef, spec.destination.namespace, manifests, revision, await resolveKinds(manifests, discovery));
  if (!desired.ok) return desired;
  const changes: PlannedChange[] = [];
  const errors: DesiredError[] = [];
  for (const d of desired.objects) {
    const key = objectKey(d.object);
    const live = isGenerated(d.object) ? undefined : await getIfExists(client, d);
    // The revision mark changes with every commit; a diff shows what else does.
    if (live?.metadata.annotations?.[REVISION]) d.object.metadata.annotations![REVISION] = live.metadata.annotations[REVISION];
    let predicted: KubeObject;
    try {
      predicted = isGenerated(d.object)
        ? await client.create(d.type, d.object, FIELD_MANAGER, { dryRun: true })
        : await client.patch(d.type, d.object.metadata.namespace, d.object.metadata.name!, d.object, 'apply', { fieldManager: FIELD_MANAGER, force: true, dryRun: true });
    } catch (err) {
      // A namespace or a CRD the same sync creates does not exist yet: show the object as git has it.
      if (err instanceof NotFoundError) predicted = d.object;
      else {
        errors.push({ file: d.file, line: d.line, message: `${key}: ${(err as Error).message}` });
        continue;
      }
    }
    const diff = unifiedObjectDiff(key, live, predicted);
    changes.push({ key, action: !live ? 'create' : diff ? 'update' : 'unchanged', diff });
  }
  if (errors.length) return { ok: false, errors };
  if (spec.syncPolicy?.automated?.prune) {
    const wanted = new Set(desired.objects.map((d) => objectKey(d.object)));
    for (const { object } of await managedObjects(listFromApi(client), appRef, desired.objects)) {
      const key = objectKey(object);
      // Objects generateName manifests made are replaced by the next sync's, never diffed one by one.
      if (wanted.has(key) || object.metadata.deletionTimestamp || object.metadata.generateName) continue;
      changes.push({ key, action: 'delete', diff: unifiedObjectDiff(key, object, undefined) });
    }
  }
  return { ok: true, changes: changes.sort((a, b) => a.key.localeCompare(b.key)) };
}

async function getIfExists(client: ApiClient, d: DesiredObject): Promise<KubeObject | undefined> {
  try {
    return await client.get(d.type, d.object.metadata.namespace, d.object.metadata.name!);
  } catch (err) {
    if (err instanceof NotFoundError) return undefined;
    throw err;
  }
}
