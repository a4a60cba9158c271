import { selectorFromLabelSelector, type KubeObject } from '@skiff/apimachinery';
import type { Controller, ObjectRef, ReconcileContext, ReconcileResult } from '@skiff/controller-runtime';
import { applyClaim, controllerRef, planClaim } from '../common/ownership.js';
import { DEPLOYMENTS, PODS, REPLICASETS } from '../resources.js';
import { DeploymentSync } from './deploymentSync.js';
import { deploymentSpec, isRollingUpdate } from './fenceposts.js';
import { rolloutRecreate } from './rolloutRecreate.js';
import { rolloutRolling } from './rolloutRolling.js';
import { planScale, isScalingEvent } from './scalePlan.js';

/**
 * Deployment controller: one ReplicaSet per pod template, rolled over by the Deployment's
 * strategy, with revisions for `kubectl rollout history/undo` and the status `kubectl rollout
 * status` reads. Pod changes matter only to Recreate (it waits for old pods to go), so pods map
 * to their ReplicaSet's Deployment.
 */
export function deploymentController(): Controller {
  return {
    name: 'deployment',
    for: DEPLOYMENTS,
    owns: [REPLICASETS],
    watches: [{ type: PODS, map: podToDeployment }],
    concurrency: 4,
    reconcile: reconcileDeployment,
  };
}

function podToDeployment(pod: KubeObject, ctx: { cache(type: typeof REPLICASETS): readonly KubeObject[] }): ObjectRef[] {
  const ref = controllerRef(pod);
  if (ref?.kind !== 'ReplicaSet') return [];
  const rs = ctx.cache(REPLICASETS).find((r) => r.metadata.uid === ref.uid);
  const owner = rs && controllerRef(rs);
  return owner?.kind === 'Deployment' ? [{ namespace: pod.metadata.namespace, name: owner.name }] : [];
}

/** Reads like Kubernetes' syncDeployment: deleted -> paused -> scaling -> strategy. */
export async function reconcileDeployment(ref: ObjectRef, ctx: ReconcileContext): Promise<ReconcileResult | void> {
  const d = await ctx.client.getIfExists(DEPLOYMENTS, ref.namespace, ref.name);
  if (!d) return;
  // The API server refused this generation's ReplicaSet (recorded on status): nothing to try
  // until the spec changes. Its own status write brought it here; this pass is quiet.
  if (refusedAtThisGeneration(d)) return;
  const sync = new DeploymentSync(d, await claimReplicaSets(d, ctx), ctx);
  if (d.metadata.deletionTimestamp) return statusOnly(sync);
  if (deploymentSpec(d).paused) return scaleOnly(sync);
  if (isScalingEvent(d, sync.rss)) return scaleOnly(sync);
  return isRollingUpdate(d) ? rolloutRolling(sync) : rolloutRecreate(sync);
}

function refusedAtThisGeneration(d: KubeObject): boolean {
  const status = (d.status ?? {}) as { observedGeneration?: number; conditions?: { type: string; reason?: string }[] };
  return status.observedGeneration === d.metadata.generation && !!status.conditions?.some((c) => c.type === 'ReplicaFailure' && c.reason === 'FailedCreate');
}

async function claimReplicaSets(d: KubeObject, ctx: ReconcileContext): Promise<KubeObject[]> {
  const selector = selectorFromLabelSelector(deploymentSpec(d).selector as never);
  const { items } = await ctx.client.list(REPLICASETS, { namespace: d.metadata.namespace });
  const plan = planClaim(d, selector, items);
  const adopted = await applyClaim(ctx.client, REPLICASETS, d, plan);
  return [...plan.owned, ...adopted];
}

async function statusOnly(sync: DeploymentSync): Promise<ReconcileResult | void> {
  const { newRS } = await sync.replicaSets(false);
  return sync.writeStatus(newRS, false);
}

/** A replica count change, or a paused Deployment: size the sets, no rollout step. */
async function scaleOnly(sync: DeploymentSync): Promise<ReconcileResult | void> {
  const { newRS, oldRSs } = await sync.replicaSets(false);
  const statusReplicas = (sync.d.status as { replicas?: number } | undefined)?.replicas ?? 0;
  await sync.scale(planScale(sync.d, sync.current(newRS), oldRSs.map((rs) => sync.rss.find((x) => x.metadata.uid === rs.metadata.uid) ?? rs), statusReplicas));
  if (deploymentSpec(sync.d).paused) await sync.cleanup(oldRSs);
  return sync.writeStatus(newRS, false);
}
