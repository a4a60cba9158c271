import { createMergePatch, NotFoundError, type KubeObject, type ResourceType } from '@skiff/apimachinery';
import type { ReconcileContext } from '@skiff/controller-runtime';

/**
 * Compute, compare, then write: the status goes out as a merge patch only when it differs from
 * what is stored (fields it dropped, at any depth, are sent as null). An object deleted meanwhile is no error.
 */
export async function writeStatus(ctx: ReconcileContext, type: ResourceType, obj: KubeObject, next: object): Promise<boolean> {
  const patch = createMergePatch(obj.status ?? {}, next);
  if (patch === undefined) return false;
  try {
    await ctx.client.patch(type, obj.metadata.namespace, obj.metadata.name!, { status: patch }, 'merge', { subresource: 'status' });
    return true;
  } catch (err) {
    if (err instanceof NotFoundError) return false;
    throw err;
  }
}
