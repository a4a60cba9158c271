import { ANN_SELECTED_NODE, volumeBoundToClaim, type KubeObject } from '@skiff/apimachinery';
import { parseRefKey, refKey, TerminalError, type Controller, type ObjectRef, type ReconcileContext, type ReconcileResult } from '@skiff/controller-runtime';
import { objectKey, resourceType } from '@skiff/kube-client';
import { bindPod } from './binder.js';
import type { EventQueue } from './eventQueue.js';
import { DEFAULT_SCHEDULER_NAME, needsScheduling, parsePod } from './framework/podInfo.js';
import { formatPreFilterError } from './framework/fitError.js';
import { SchedulingAlgorithm } from './framework/schedulingAlgorithm.js';
import type { Profile } from './framework/types.js';
import type { SchedulerMetrics } from './metrics.js';
import { DEFAULT_PROFILE } from './plugins/registry.js';
import { planVolumeBinding, podVolumes, selectedNodePatch, type PodVolumes, type VolumeLookup } from './plugins/volumeBinding.js';
import { unschedulableCondition } from './podScheduledCondition.js';
import type { SchedulerCache } from './schedulerCache.js';

export const PODS = resourceType('pods');
export const NODES = resourceType('nodes');
export const PERSISTENTVOLUMECLAIMS = resourceType('persistentvolumeclaims');
export const PERSISTENTVOLUMES = resourceType('persistentvolumes');
export const STORAGECLASSES = resourceType('storageclasses', 'storage.k8s.io');

/** How the scheduler reads the informers' current objects by key (O(1), unlike a cache listing). */
export interface ObjectLookup extends VolumeLookup {
  pod(key: string): KubeObject | undefined;
  node(name: string): KubeObject | undefined;
}

export interface SchedulerControllerOptions {
  cache: SchedulerCache;
  lookup: ObjectLookup;
  metrics?: SchedulerMetrics;
  profile?: Profile;
  schedulerName?: string;
  /** Pods bound at once; decisions stay sequential (they are synchronous), bindings overlap. */
  concurrency?: number;
  /** Retry delays for pods that fit nowhere: doubling from the first up to the cap. */
  backoffInitialMs?: number;
  backoffMaxMs?: number;
  /** kube-scheduler's percentageOfNodesToScore: 0 (default) adaptive, 100 every node; see numFeasibleNodesToFind. */
  percentageOfNodesToScore?: number;
  /** Where Scheduled events go without holding up the next binding (default: awaited on ctx.events). */
  scheduledEvents?: Pick<EventQueue, 'record'>;
}

/**
 * The scheduler as a controller of Pods, one pod per reconcile:
 *   gone, bound, terminating or not ours -> nothing to do;
 *   just bound by us (assumed)           -> nothing to do until the informer shows it;
 *   bad input                            -> PodScheduled=False with the reason, not retried;
 *   fits nowhere                         -> PodScheduled=False "0/N nodes are available: ...", retried with backoff
 *                                           and whenever a node changes or a pod frees room;
 *   fits                                 -> assume it onto the best node, then bind.
 *
 * The `watches` maps are where informer events reach the scheduler's cache: each syncs the cache
 * to the informer's current object for the key, then names the unschedulable pods worth another
 * try (after a node change, or after a pod stopped holding resources).
 */
export function schedulerController(opts: SchedulerControllerOptions): Controller {
  const { cache, lookup, metrics } = opts;
  const profile = opts.profile ?? DEFAULT_PROFILE;
  const schedulerName = opts.schedulerName ?? DEFAULT_SCHEDULER_NAME;
  const initialMs = opts.backoffInitialMs ?? 1000;
  const maxMs = opts.backoffMaxMs ?? 30_000;
  const attempts = new Map<string, number>();
  const algorithm = new SchedulingAlgorithm(profile, opts.percentageOfNodesToScore);

  const unschedulableRefs = (): ObjectRef[] => cache.unschedulableKeys().map(parseRefKey);

  function backoff(key: string): number {
    const n = (attempts.get(key) ?? 0) + 1;
    attempts.set(key, n);
    return Math.min(initialMs * 2 ** (n - 1), maxMs);
  }

  /** Writes PodScheduled=False (only when it changed) and says so with a FailedScheduling event; true if written. */
  async function recordUnschedulable(ctx: ReconcileContext, pod: KubeObject, message: string): Promise<boolean> {
    const condition = unschedulableCondition(pod, message, ctx.now());
    if (!condition) return false;
    await ctx.client.patch(
      PODS,
      pod.metadata.namespace,
      pod.metadata.name!,
      // The resourceVersion makes this a precondition: never overwrite a pod we have not seen.
      { metadata: { resourceVersion: pod.metadata.resourceVersion }, status: { conditions: [condition] } },
      'strategic',
      { subresource: 'status', fieldManager: schedulerName },
    );
    await ctx.events.record(pod, 'Warning', 'FailedScheduling', message);
    return true;
  }

  async function reconcile(ref: ObjectRef, ctx: ReconcileContext): Promise<ReconcileResult | void> {
    const key = refKey(ref);
    const pod = cache.pod(key);
    if (!pod || !needsScheduling(pod, schedulerName) || cache.isAssumed(key)) {
      attempts.delete(key);
      return;
    }

    const parsed = parsePod(pod);
    if (!parsed.ok) {
      cache.clearUnschedulable(key);
      // Recorded once; a later reconcile of the same bad pod finds it recorded and stays quiet.
      if (await recordUnschedulable(ctx, pod, parsed.message)) throw new TerminalError(`pod ${key}: ${parsed.message}`);
      return;
    }

    const volumes = podVolumes(pod, lookup);
    if (!volumes.ok) {
      metrics?.attempts.inc({ result: 'unschedulable' });
      cache.markUnschedulable(key);
      await recordUnschedulable(ctx, pod, formatPreFilterError(cache.nodeInfos().length, volumes.message));
      return { requeueAfterMs: backoff(key) };
    }
    parsed.pod.volumes = volumes.volumes;

    const started = performance.now();
    const result = algorithm.schedule(parsed.pod, cache.nodeInfos());
    metrics?.algorithmDuration.observe((performance.now() - started) / 1000);
    if (!result.scheduled) {
      metrics?.attempts.inc({ result: 'unschedulable' });
      cache.markUnschedulable(key);
      await recordUnschedulable(ctx, pod, result.message);
      ctx.log.debug({ pod: key, message: result.message }, 'unschedulable');
      return { requeueAfterMs: backoff(key) };
    }

    // Counted on the node before the first await, so the next decision already sees it.
    cache.assume(key, result.nodeName);
    cache.clearUnschedulable(key);
    const bindStarted = performance.now();
    let outcome;
    try {
      await bindPodVolumes(ctx, volumes.volumes, result.nodeName);
      outcome = await bindPod(ctx.client, pod, result.nodeName);
    } catch (err) {
      cache.forget(key);
      metrics?.attempts.inc({ result: 'error' });
      throw err;
    }
    metrics?.bindingDuration.observe((performance.now() - bindStarted) / 1000);
    attempts.delete(key);
    if (outcome !== 'bound') {
      // Bound elsewhere or gone: the informer will say where it really is.
      cache.forget(key);
      return;
    }
    metrics?.attempts.inc({ result: 'scheduled' });
    const message = `Successfully assigned ${pod.metadata.namespace}/${pod.metadata.name} to ${result.nodeName}`;
    if (opts.scheduledEvents) opts.scheduledEvents.record(pod, 'Normal', 'Scheduled', message);
    else await ctx.events.record(pod, 'Normal', 'Scheduled', message);
  }

  /**
   * VolumeBinding's PreBind: the pod's WaitForFirstConsumer claims get what the chosen node
   * offers: a free volume there is bound to its claim (the PV controller completes the claim's
   * side), otherwise the claim names the node for its provisioner. The node agent holds the pod's
   * containers until every claim is bound.
   */
  async function bindPodVolumes(ctx: ReconcileContext, volumes: PodVolumes, nodeName: string): Promise<void> {
    const node = cache.nodeInfo(nodeName);
    if (!node || volumes.delayed.length === 0) return;
    const decided = planVolumeBinding(volumes, node);
    if (!decided.fits) throw new Error(`volumes no longer fit node ${nodeName}`);
    for (const { claim, volume } of decided.plan.staticBindings) {
      await ctx.client.update(PERSISTENTVOLUMES, volumeBoundToClaim(volume, claim) as KubeObject);
    }
    for (const claim of decided.plan.provision) {
      if (claim.metadata?.annotations?.[ANN_SELECTED_NODE] === nodeName) continue;
      await ctx.client.patch(PERSISTENTVOLUMECLAIMS, claim.metadata?.namespace, claim.metadata!.name!, selectedNodePatch(nodeName));
    }
  }

  const retryUnschedulable = (): ObjectRef[] => unschedulableRefs();

  return {
    name: 'scheduler',
    for: PODS,
    // Bound, finished and terminating pods (and other schedulers' pods) never need this one:
    // binding a pod does not queue it again.
    filter: (pod) => needsScheduling(pod, schedulerName),
    concurrency: opts.concurrency ?? 64,
    // One scheduler is active per cluster (its assumed pods live in its memory): pending pods go
    // to BullMQ in batches, as many as one turn of the event loop queued, not a job each.
    batch: {},
    watches: [
      {
        type: PODS,
        map(obj) {
          const key = objectKey(obj);
          return cache.syncPod(key, lookup.pod(key)).freed ? unschedulableRefs() : [];
        },
      },
      // A claim, volume or class appearing or changing may let a pod waiting on one be placed.
      { type: PERSISTENTVOLUMECLAIMS, map: retryUnschedulable },
      { type: PERSISTENTVOLUMES, map: retryUnschedulable },
      { type: STORAGECLASSES, map: retryUnschedulable },
      {
        type: NODES,
        map(obj) {
          const name = obj.metadata.name!;
          return cache.syncNode(name, lookup.node(name)).changed ? unschedulableRefs() : [];
        },
      },
    ],
    reconcile,
  };
}
