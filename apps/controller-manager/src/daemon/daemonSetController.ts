import { NotFoundError, selectorFromLabelSelector, selectorToString, shape, type KubeObject } from '@skiff/apimachinery';
import { refOf, type Controller, type ObjectRef, type ReconcileContext, type ReconcileResult } from '@skiff/controller-runtime';
import type { DaemonSet } from 'kubernetes-types/apps/v1.js';
import type { Node, Pod } from 'kubernetes-types/core/v1.js';
import { applyClaim, isControlledBy, planClaim } from '../common/ownership.js';
import { CONTROLLER_REVISION_HASH, nodeShouldRunDaemonPod, targetNodeName } from './daemonPods.js';
import { cleanupHistory, constructHistory } from './daemonHistory.js';
import { computeDaemonSetStatus, sameDaemonSetStatus } from './daemonSetStatus.js';
import { planDaemonPods, podsByNode } from './managePlan.js';
import { planRollingUpdate } from './rollingUpdatePlan.js';
import { syncNodes } from './syncNodes.js';
import { isRollingUpdate } from './updateStrategy.js';
import { CONTROLLERREVISIONS, DAEMONSETS, NODES, PODS } from '../resources.js';

/**
 * DaemonSet controller: one pod per node the template selects (nodeSelector, required node
 * affinity, tolerated taints), pinned there by node affinity for the scheduler to bind; a
 * ControllerRevision per template for `kubectl rollout history/undo`; RollingUpdate or OnDelete
 * when the template changes; and the status `kubectl rollout status` reads.
 */
export function daemonSetController(): Controller {
  return {
    name: 'daemonset',
    for: DAEMONSETS,
    owns: [PODS, CONTROLLERREVISIONS],
    watches: [{ type: NODES, map: nodeToDaemonSets }],
    concurrency: 4,
    reconcile: reconcileDaemonSet,
  };
}

/**
 * A node change matters to a DaemonSet when the node is gone, when what it should run disagrees
 * with the pods it has, or when the DaemonSet's count of wanted nodes is off. Heartbeats that
 * change none of that wake nobody.
 */
function nodeToDaemonSets(obj: KubeObject, ctx: { cache(type: typeof NODES): readonly KubeObject[] }): ObjectRef[] {
  const nodes = ctx.cache(NODES).map((n) => shape<Node>(n));
  const gone = !nodes.some((n) => n.metadata?.uid === obj.metadata.uid);
  const node = shape<Node>(obj);
  const pods = ctx.cache(PODS);
  return ctx
    .cache(DAEMONSETS)
    .filter((o) => {
      if (gone) return true;
      const ds = shape<DaemonSet>(o);
      const { shouldRun, shouldContinueRunning } = nodeShouldRunDaemonPod(node, ds);
      const hasPod = pods.some((p) => isControlledBy(p, o) && !p.metadata.deletionTimestamp && targetNodeName(shape<Pod>(p)) === obj.metadata.name);
      if (shouldRun !== hasPod || (hasPod && !shouldContinueRunning)) return true;
      return nodes.filter((n) => nodeShouldRunDaemonPod(n, ds).shouldRun).length !== (ds.status?.desiredNumberScheduled ?? 0);
    })
    .map(refOf);
}

/**
 * Reads like Kubernetes' syncDaemonSet: deleted -> history -> one step (pods the nodes need, else
 * a rolling update step) -> history cleanup -> status.
 */
export async function reconcileDaemonSet(ref: ObjectRef, ctx: ReconcileContext): Promise<ReconcileResult | void> {
  const owner = await ctx.client.getIfExists(DAEMONSETS, ref.namespace, ref.name);
  if (!owner) return;
  const ds = shape<DaemonSet>(owner);
  // Its revisions may be going already (the garbage collector does not order them after the
  // pods): no status can be trusted, so there is nothing to do.
  if (owner.metadata.deletionTimestamp) return;

  const pods = await claimDaemonPods(ds, owner, ctx);
  const history = await constructHistory(ds, owner, pods, ctx);
  const hash = history.current.metadata?.labels?.[CONTROLLER_REVISION_HASH] ?? '';
  const nodes = (await ctx.client.list(NODES)).items.map((n) => shape<Node>(n));
  const byNode = podsByNode(pods);
  const now = ctx.now();

  const plan = planDaemonPods(ds, nodes, byNode, hash, now);
  for (const p of plan.failed) {
    void ctx.events.record(owner, 'Warning', 'FailedDaemonPod', `Found failed daemon pod ${p.metadata?.namespace}/${p.metadata?.name} on node ${p.spec?.nodeName ?? targetNodeName(p)}, will try to kill it`);
  }
  if (plan.create.length || plan.delete.length) {
    await syncNodes(ds, owner, plan.delete, plan.create, hash, ctx);
  } else if (isRollingUpdate(ds)) {
    const step = planRollingUpdate(ds, nodes, byNode, hash, now);
    if (step.create.length || step.delete.length) await syncNodes(ds, owner, step.delete, step.create, hash, ctx);
  }
  await cleanupHistory(ds, history.old, pods, ctx);

  const { status, nextAvailableAt } = computeDaemonSetStatus(ds, nodes, byNode, hash, now, true);
  if (!sameDaemonSetStatus(ds.status, status)) {
    try {
      await ctx.client.updateStatus(DAEMONSETS, { ...owner, status });
    } catch (err) {
      if (!(err instanceof NotFoundError)) throw err;
    }
  }
  if (nextAvailableAt !== undefined) return { requeueAfterMs: Math.max(0, nextAvailableAt - now.getTime()) + 10 };
}

/**
 * The DaemonSet's pods, adopting orphans its selector matches and releasing its pods whose labels
 * no longer match. Read from the API, not the cache: a pass right after a create must see it.
 */
async function claimDaemonPods(ds: DaemonSet, owner: KubeObject, ctx: ReconcileContext): Promise<Pod[]> {
  const selector = selectorFromLabelSelector(ds.spec?.selector);
  const matching = (await ctx.client.list(PODS, { namespace: owner.metadata.namespace, labelSelector: selectorToString(selector) })).items;
  const listed = new Set(matching.map((m) => m.metadata.uid));
  const drifted = ctx.cache(PODS).filter((p) => p.metadata.namespace === owner.metadata.namespace && !listed.has(p.metadata.uid));
  const claim = planClaim(owner, selector, [...matching, ...drifted]);
  const adopted = await applyClaim(ctx.client, PODS, owner, claim);
  return [...claim.owned, ...adopted].map((p) => shape<Pod>(p));
}
