import { ConflictError, NotFoundError, RESOURCES_FINALIZER, type KubeObject } from '@skiff/apimachinery';
import type { ReconcileContext, ReconcileResult } from '@skiff/controller-runtime';
import type { ApplicationFace } from './applicationFace.js';
import type { DesiredObject } from './desiredObjects.js';
import type { AppRef } from './tracking.js';

/** How soon a deleted Application whose objects are still going is looked at again. */
const CASCADE_POLL_MS = 250;

/**
 * A deleted Application: with Argo CD's resources finalizer, the objects it manages are deleted
 * first (each in reverse sync order, a child Application cascading through its own finalizer),
 * and the finalizer is removed once none is left, letting the Application go. Without it the
 * objects stay (the Application went at once and this is never reached).
 */
export async function finalizeApplication(
  ctx: ReconcileContext,
  face: ApplicationFace,
  app: KubeObject,
  appRef: AppRef,
  prune: (ctx: ReconcileContext, app: AppRef, desired: readonly DesiredObject[]) => Promise<number>,
): Promise<ReconcileResult | void> {
  const finalizers = app.metadata.finalizers ?? [];
  if (!finalizers.includes(RESOURCES_FINALIZER)) return;
  const remaining = await prune(ctx, appRef, []);
  if (remaining > 0) {
    ctx.log.info({ remaining }, 'deleting the objects of a deleted Application');
    return { requeueAfterMs: CASCADE_POLL_MS };
  }
  try {
    // The resourceVersion makes this a compare-and-swap: a finalizer someone added meanwhile is kept.
    await ctx.client.patch(face.type, appRef.namespace, appRef.name, { metadata: { resourceVersion: app.metadata.resourceVersion, finalizers: finalizers.filter((f) => f !== RESOURCES_FINALIZER) } }, 'merge');
    ctx.log.info('objects deleted; resources finalizer removed');
  } catch (err) {
    if (err instanceof NotFoundError) return;
    if (err instanceof ConflictError) return { requeueAfterMs: 0 };
    throw err;
  }
}
