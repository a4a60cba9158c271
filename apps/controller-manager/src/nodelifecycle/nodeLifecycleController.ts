import { NotFoundError, type KubeObject } from '@skiff/apimachinery';
import type { Controller, ObjectRef, ReconcileContext, ReconcileResult } from '@skiff/controller-runtime';
import type { ControllerConfig } from '../config.js';
import { LEASES, NODES, PODS } from '../resources.js';
import { nodeHealth, readyCondition } from './nodeHealth.js';
import { desiredNodeTaints, hasNotReadyNoExecuteTaint, nodeTaints } from './nodeTaints.js';
import { podsToEvict } from './podsToEvict.js';
import { unknownNodeConditions } from './unknownNodeConditions.js';
import { ZoneNoExecuteTainter } from './zoneNoExecuteTainter.js';
import { nodeZone, type NodeReadiness } from './zoneStates.js';

/** Where node agents keep their heartbeat Leases, one per node, named after it. */
export const NODE_LEASE_NAMESPACE = 'kube-node-lease';

function rfc3339(d: Date): string {
  return d.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

function hasNoExecuteTaint(node: KubeObject | undefined): boolean {
  return !!node && nodeTaints(node).some((t) => t.effect === 'NoExecute');
}

/** Every node's zone and readiness as the informer has them, with `node`'s own as just judged. */
function clusterReadiness(cached: readonly KubeObject[], node: KubeObject, ready: string): NodeReadiness[] {
  const name = node.metadata.name!;
  const others = cached.filter((n) => n.metadata.name !== name).map((n) => ({ name: n.metadata.name!, zone: nodeZone(n), ready: readyCondition(n)?.status === 'True' }));
  return [...others, { name, zone: nodeZone(node), ready: ready === 'True' }];
}

/**
 * Kubernetes' node lifecycle controller, for one node per reconcile (read from the caches):
 *   1. heartbeat older than the grace period -> Ready (and pressure conditions) Unknown, NodeNotReady event;
 *   2. taints follow Ready: Unknown -> unreachable, False -> not-ready (NoSchedule + NoExecute), True -> none;
 *      the NoExecute half waits for the node's zone to let it through at the zone's eviction rate, and
 *      stays off while every node is NotReady (ZoneNoExecuteTainter);
 *   3. pods whose toleration of a NoExecute taint has run out are deleted at once (gracePeriodSeconds 0:
 *      no kubelet is there to finish a graceful delete), each with a TaintManagerEviction event;
 *   4. look again when the heartbeat would go stale, the next eviction is due, or the rate limit may let it through.
 */
export function nodeLifecycleController(config: ControllerConfig): Controller {
  const tainter = new ZoneNoExecuteTainter(config);
  return {
    name: 'nodelifecycle',
    for: NODES,
    watches: [
      { type: LEASES, map: (lease): ObjectRef[] => (lease.metadata.namespace === NODE_LEASE_NAMESPACE ? [{ name: lease.metadata.name! }] : []) },
      {
        // Only pods on a node that evicts are of interest (a pod bound there, a toleration changed).
        type: PODS,
        map: (pod, ctx): ObjectRef[] => {
          const nodeName = (pod.spec as { nodeName?: string } | undefined)?.nodeName;
          if (!nodeName) return [];
          return hasNoExecuteTaint(ctx.cached(NODES, { name: nodeName })) ? [{ name: nodeName }] : [];
        },
      },
    ],
    async reconcile(ref: ObjectRef, ctx: ReconcileContext): Promise<ReconcileResult | void> {
      // From the informers, as Kubernetes' controller reads its listers: a heartbeat costs the API
      // server no reads here (1,000 nodes renew 100 Leases a second). Every write carries the
      // resourceVersion it was computed from, so a stale cache is a conflict and a retry.
      let node = ctx.cached(NODES, ref);
      if (!node) return;
      const lease = ctx.cached(LEASES, { namespace: NODE_LEASE_NAMESPACE, name: ref.name });
      const now = ctx.now();
      const at = rfc3339(now);
      const health = nodeHealth(node, lease, now, config.nodeMonitorGraceMs);

      if (health.stale) {
        const conditions = unknownNodeConditions(node, at);
        if (conditions) {
          node = await ctx.client.patch(NODES, undefined, ref.name, { metadata: { resourceVersion: node.metadata.resourceVersion }, status: { conditions } }, 'merge', { subresource: 'status' });
          await ctx.events.record(node, 'Normal', 'NodeNotReady', `Node ${ref.name} status is now: NodeNotReady`, { 'skiff.dev/event': 'node.notready' });
        }
      }

      const ready = health.stale ? 'Unknown' : readyCondition(node)?.status;
      let noExecute = true;
      let rateLimitedInMs: number | undefined;
      if (ready && ready !== 'True') {
        const decision = tainter.decide(ref.name, clusterReadiness(ctx.cache(NODES), node, ready), hasNotReadyNoExecuteTaint(nodeTaints(node)), now.getTime());
        if (!decision.noExecute) {
          noExecute = false;
          rateLimitedInMs = decision.retryInMs;
        }
      }
      const taints = ready ? desiredNodeTaints(nodeTaints(node), ready, at, noExecute) : undefined;
      if (taints) {
        node = await ctx.client.patch(NODES, undefined, ref.name, { metadata: { resourceVersion: node.metadata.resourceVersion }, spec: { taints: taints.length ? taints : null } }, 'merge');
        ctx.log.info({ ready, taints: taints.map((t) => `${t.key}:${t.effect}`) }, 'node taints updated');
      }

      let nextEvictionInMs: number | undefined;
      if (hasNoExecuteTaint(node)) {
        const { items } = await ctx.client.list(PODS, { fieldSelector: `spec.nodeName=${ref.name}` });
        const since = Date.parse(readyCondition(node)?.lastTransitionTime ?? '') || now.getTime();
        // A pod already being deleted with grace 0 is gone in the same request; one with grace left is finished here.
        const candidates = items.filter((p) => !p.metadata.deletionTimestamp || (p.metadata.deletionGracePeriodSeconds ?? 0) > 0);
        const plan = podsToEvict(candidates, nodeTaints(node), since, now, config.podEvictionTimeoutMs);
        for (const pod of plan.evict) await evict(pod, ctx);
        nextEvictionInMs = plan.nextInMs;
      }

      const requeue = Math.min(health.stale ? Infinity : health.staleInMs, nextEvictionInMs ?? Infinity, rateLimitedInMs ?? Infinity);
      return Number.isFinite(requeue) ? { requeueAfterMs: requeue } : undefined;
    },
  };
}

async function evict(pod: KubeObject, ctx: ReconcileContext): Promise<void> {
  const { namespace, name, uid } = pod.metadata;
  try {
    await ctx.client.delete(PODS, namespace, name!, { gracePeriodSeconds: 0, preconditions: { uid } });
  } catch (err) {
    if (err instanceof NotFoundError) return;
    throw err;
  }
  await ctx.events.record(pod, 'Normal', 'TaintManagerEviction', `Marking for deletion Pod ${namespace}/${name}`);
}
