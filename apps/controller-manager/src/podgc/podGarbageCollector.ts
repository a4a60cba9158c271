import { NotFoundError, shape, type KubeObject } from '@skiff/apimachinery';
import type { CacheReader, Controller, ObjectRef, ReconcileContext, ReconcileResult } from '@skiff/controller-runtime';
import type { Pod } from 'kubernetes-types/core/v1.js';
import type { ControllerConfig } from '../config.js';
import { NODES, PODS } from '../resources.js';
import { planOrphanedPods } from './orphanedPods.js';

/**
 * The orphan half of Kubernetes' pod garbage collector: pods bound to a node that no longer exists
 * (a node deleted with `kubectl delete node`, a machine gone for good) have no kubelet to finish
 * them, so they are marked Failed with a DisruptionTarget condition and force-deleted. Their
 * controllers then replace them elsewhere; a DaemonSet's simply go with their node. Keyed by node
 * name: a node's deletion, or a pod bound to a missing node, queues that name.
 */
export function podGarbageCollector(config: Pick<ControllerConfig, 'podGcQuarantineMs'>): Controller {
  return {
    name: 'podgc',
    for: NODES,
    watches: [{ type: PODS, map: podToMissingNode }],
    // Its keys are nodes that no longer exist: only a pass over the pods finds one whose event was
    // missed (Kubernetes' podgc looks at every pod each 20 s). Pods on live nodes map to nothing.
    resyncWatched: true,
    concurrency: 2,
    reconcile: (ref, ctx) => reconcileOrphanedPods(ref, ctx, config.podGcQuarantineMs),
  };
}

function podToMissingNode(pod: KubeObject, ctx: CacheReader): ObjectRef[] {
  const node = shape<Pod>(pod).spec?.nodeName;
  if (!node || ctx.cached(NODES, { name: node })) return [];
  return [{ name: node }];
}

export async function reconcileOrphanedPods(ref: ObjectRef, ctx: ReconcileContext, quarantineMs: number): Promise<ReconcileResult | void> {
  try {
    await ctx.client.get(NODES, undefined, ref.name);
    return;
  } catch (err) {
    if (!(err instanceof NotFoundError)) throw err;
  }
  const { items } = await ctx.client.list(PODS, { fieldSelector: `spec.nodeName=${ref.name}` });
  const now = ctx.now();
  const plan = planOrphanedPods(items.map((p) => shape<Pod>(p)), now, quarantineMs);
  for (const pod of plan.delete) await forceDelete(pod, now, ctx);
  if (plan.nextInMs !== undefined) return { requeueAfterMs: plan.nextInMs + 10 };
}

/** Kubernetes' markFailedAndDeletePodWithCondition: Failed first (no kubelet will say so), then gone. */
async function forceDelete(pod: Pod, now: Date, ctx: ReconcileContext): Promise<void> {
  const ns = pod.metadata?.namespace;
  const name = pod.metadata!.name!;
  try {
    const phase = pod.status?.phase;
    if (phase !== 'Succeeded' && phase !== 'Failed') {
      const at = now.toISOString().replace(/\.\d{3}Z$/, 'Z');
      const conditions = [
        ...(pod.status?.conditions ?? []).filter((c) => c.type !== 'DisruptionTarget'),
        { type: 'DisruptionTarget', status: 'True', reason: 'DeletionByPodGC', message: 'PodGC: node no longer exists', lastTransitionTime: at },
      ];
      await ctx.client.patch(PODS, ns, name, { metadata: { uid: pod.metadata?.uid }, status: { phase: 'Failed', conditions } }, 'merge', { subresource: 'status' });
    }
    await ctx.client.delete(PODS, ns, name, { gracePeriodSeconds: 0, preconditions: { uid: pod.metadata?.uid } });
    ctx.log.info({ pod: `${ns}/${name}`, node: pod.spec?.nodeName }, 'forced deletion of orphaned pod');
  } catch (err) {
    if (!(err instanceof NotFoundError)) throw err;
  }
}
