import { NotFoundError, type KubeObject } from '@skiff/apimachinery';
import type { ReconcileContext } from '@skiff/controller-runtime';
import { hookTypes } from '@skiff/gitops';
import type { DesiredError, DesiredObject } from './desiredObjects.js';
import { appOf, isGenerated, objectKey, type AppRef } from './tracking.js';

/** Argo CD's condition type for an object two Applications claim. */
export const SHARED_RESOURCE_WARNING = 'SharedResourceWarning';

/** The Application that manages `live`, when it is another one than `app`. */
export function otherOwner(live: KubeObject | undefined, app: AppRef): AppRef | undefined {
  const owner = live && appOf(live);
  if (!owner) return undefined;
  return owner.namespace === app.namespace && owner.name === app.name && owner.face === app.face ? undefined : owner;
}

export function ownerName(owner: AppRef): string {
  return `${owner.face ? `${owner.face} ` : ''}Application ${owner.namespace}/${owner.name}`;
}

/**
 * The objects of a revision that another Application already manages. Applying them would take
 * them over (server-side apply with force) and the other Application would then prune or heal them
 * back: such a revision is not synced, and the conflict is said, naming both sides.
 */
export async function sharedResources(ctx: ReconcileContext, app: AppRef, objects: readonly DesiredObject[]): Promise<DesiredError[]> {
  const errors: DesiredError[] = [];
  await Promise.all(
    objects
      .filter((d) => !isGenerated(d.object) && !hookTypes(d.object).length)
      .map(async (d) => {
        const live = await ctx.client.get(d.type, d.object.metadata.namespace, d.object.metadata.name!).catch((err) => {
          if (err instanceof NotFoundError) return undefined;
          throw err;
        });
        const owner = otherOwner(live, app);
        if (owner) errors.push({ file: d.file, line: d.line, message: `${objectKey(d.object)} is already managed by ${ownerName(owner)} (${SHARED_RESOURCE_WARNING})` });
      }),
  );
  return errors.sort((a, b) => a.file.localeCompare(b.file) || a.line - b.line);
}
