import { deepEqual, NotFoundError, type KubeObject, type ResourceType } from '@skiff/apimachinery';
import type { ReconcileContext } from '@skiff/controller-runtime';

/**
 * Compute, compare, then write: the status goes out as a merge patch only when it differs from
 * what is stored (fields it dropped are sent as null). An object deleted meanwhile is no error.
 */
export async function writeStatus(ctx: ReconcileContext, type: ResourceType, obj: KubeObject, next: object): Promise<boolean> {
  const previous = (obj.status ?? {}) as Record<string, unknown>;
  if (deepEqual(previous, next)) return false;
  const patch: Record<string, unknown> = { ...next };
  for (const k of Object.keys(previous)) if (!(k in next)) patch[k] = null;
  try {
    await ctx.client.patch(type, obj.metadata.namespace, obj.metadata.name!, { status: patch }, 'merge', { subresource: 'status' });
    return true;
  } catch (err) {
    if (err instanceof NotFoundError) return false;
    throw err;
  }
}
