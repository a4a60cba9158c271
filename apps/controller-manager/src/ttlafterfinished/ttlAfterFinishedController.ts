import { NotFoundError } from '@skiff/apimachinery';
import type { Controller, ObjectRef, ReconcileContext, ReconcileResult } from '@skiff/controller-runtime';
import { asJob } from '../job/jobPods.js';
import { JOBS } from '../resources.js';
import { jobExpiry } from './jobExpiry.js';

/**
 * TTL-after-finished controller (Kubernetes' pkg/controller/ttlafterfinished): deletes a finished
 * Job once ttlSecondsAfterFinished has passed, in the foreground (its pods go first), and looks
 * again at the expiry time until then.
 */
export function ttlAfterFinishedController(): Controller {
  return {
    name: 'ttlafterfinished',
    for: JOBS,
    filter: (obj) => asJob(obj).spec?.ttlSecondsAfterFinished !== undefined,
    reconcile: reconcileTTL,
  };
}

async function reconcileTTL(ref: ObjectRef, ctx: ReconcileContext): Promise<ReconcileResult | void> {
  // The expiry is checked against the stored Job, not the cache: a TTL just raised must not delete it.
  const obj = await ctx.client.getIfExists(JOBS, ref.namespace, ref.name);
  if (!obj) return;
  const expiry = jobExpiry(asJob(obj));
  if (expiry === undefined) return;
  const wait = expiry - ctx.now().getTime();
  if (wait > 0) return { requeueAfterMs: wait + 10 };
  try {
    await ctx.client.delete(JOBS, ref.namespace, ref.name, { propagationPolicy: 'Foreground', preconditions: { uid: obj.metadata.uid, resourceVersion: obj.metadata.resourceVersion } });
  } catch (err) {
    if (!(err instanceof NotFoundError)) throw err;
  }
}
