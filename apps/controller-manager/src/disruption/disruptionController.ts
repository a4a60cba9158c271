import { budgetCoversPod, deepEqual, findByKind, NotFoundError, type KubeObject } from '@skiff/apimachinery';
import type { Controller, ObjectRef, ReconcileContext, ReconcileResult } from '@skiff/controller-runtime';
import type { PodDisruptionBudget } from 'kubernetes-types/policy/v1.js';
import { controllerRef } from '../common/ownership.js';
import { PODDISRUPTIONBUDGETS, PODS } from '../resources.js';
import { planBudgetStatus } from './disruptionStatus.js';

/**
 * Disruption controller: keeps each PodDisruptionBudget's status (how many of its pods are
 * healthy, how many it needs, how many disruptions it allows now) for the API server's eviction
 * subresource to spend. Pods wake the budgets of their namespace that cover them.
 */
export function disruptionController(): Controller {
  return {
    name: 'disruption',
    for: PODDISRUPTIONBUDGETS,
    watches: [
      {
        type: PODS,
        map: (pod, ctx): ObjectRef[] =>
          ctx
            .cache(PODDISRUPTIONBUDGETS)
            .filter((b) => budgetCoversPod(b as PodDisruptionBudget, pod))
            .map((b) => ({ namespace: b.metadata.namespace, name: b.metadata.name! })),
      },
    ],
    concurrency: 2,
    reconcile: reconcileBudget,
  };
}

export async function reconcileBudget(ref: ObjectRef, ctx: ReconcileContext): Promise<ReconcileResult | void> {
  const stored = await ctx.client.getIfExists(PODDISRUPTIONBUDGETS, ref.namespace, ref.name);
  if (!stored) return;
  const pdb = stored as unknown as PodDisruptionBudget;
  // Read from the API: a stale cache would count a just-deleted pod as healthy and allow one disruption too many.
  const pods = (await ctx.client.list(PODS, { namespace: ref.namespace })).items;
  const scales = new Map<string, { uid: string; replicas: number }>();
  for (const pod of pods) {
    if (!budgetCoversPod(pdb, pod)) continue;
    const scale = await controllerScale(pod, ctx);
    if (scale) scales.set(pod.metadata.name!, scale);
  }
  const plan = planBudgetStatus(pdb, { pods, scaleOf: (pod) => scales.get(pod.metadata.name!), now: ctx.now() });
  if (!plan.ok) await ctx.events.record(stored, 'Warning', plan.reason, plan.message);
  if (!deepEqual(withoutTimes(pdb.status), withoutTimes(plan.status))) {
    await ctx.client.updateStatus(PODDISRUPTIONBUDGETS, { ...stored, status: plan.status });
    ctx.log.debug({ allowed: plan.status.disruptionsAllowed, healthy: plan.status.currentHealthy }, 'budget updated');
  }
  return plan.ok && plan.requeueAfterMs !== undefined ? { requeueAfterMs: plan.requeueAfterMs } : undefined;
}

/** Status compared without transition times, so a converged budget writes nothing. */
function withoutTimes(status: PodDisruptionBudget['status']): unknown {
  if (!status) return undefined;
  return { ...status, conditions: status.conditions?.map(({ lastTransitionTime: _t, ...c }) => c) };
}

/**
 * The replicas the pod's controller wants, as Kubernetes' finders read them: a ReplicaSet owned
 * by a Deployment counts as the Deployment; any other controller of a kind with a `/scale`
 * subresource counts by its `spec.replicas`.
 */
async function controllerScale(pod: KubeObject, ctx: ReconcileContext): Promise<{ uid: string; replicas: number } | undefined> {
  let ref = controllerRef(pod);
  let owner: KubeObject | undefined;
  while (ref) {
    const type = findByKind(ref.apiVersion, ref.kind);
    if (!type || !type.subresources.includes('scale')) return undefined;
    try {
      owner = await ctx.client.get(type, pod.metadata.namespace, ref.name);
    } catch (err) {
      if (err instanceof NotFoundError) return undefined;
      throw err;
    }
    if (owner.metadata.uid !== ref.uid) return undefined;
    const next = controllerRef(owner);
    // A ReplicaSet's Deployment decides its size: climb once to it.
    if (owner.kind === 'ReplicaSet' && next?.kind === 'Deployment') ref = next;
    else break;
  }
  if (!owner) return undefined;
  const replicas = (owner.spec as { replicas?: number } | undefined)?.replicas ?? 1;
  return { uid: owner.metadata.uid!, replicas };
}
