import { selectorFromLabelSelector, selectorToString, type KubeObject } from '@skiff/apimachinery';
import type { ReconcileResult } from '@skiff/controller-runtime';
import { controllerRef } from '../common/ownership.js';
import { PODS } from '../resources.js';
import type { DeploymentSync } from './deploymentSync.js';
import { deploymentSpec, desiredReplicas } from './fenceposts.js';
import { specReplicas } from './replicaSets.js';
import { oldPodsRemain } from './rollingPlan.js';

/**
 * Recreate: scale every old ReplicaSet to zero, wait until their pods are gone, then create (or
 * scale up) the new one to full size. No old and new pods ever run together.
 */
export async function rolloutRecreate(sync: DeploymentSync): Promise<ReconcileResult | void> {
  let { newRS, oldRSs } = await sync.replicaSets(false);
  const activeOld = oldRSs.filter((rs) => specReplicas(rs) > 0);
  if (activeOld.length > 0) {
    await sync.scale(activeOld.map((rs) => ({ rs, replicas: 0 })));
    return sync.writeStatus(newRS, true);
  }
  if (oldPodsRemain(oldRSs, await podsOf(sync, oldRSs))) return sync.writeStatus(newRS, true);
  if (!newRS) ({ newRS, oldRSs } = await sync.replicaSets(true));
  const current = sync.current(newRS)!;
  await sync.scale([{ rs: current, replicas: desiredReplicas(sync.d) }]);
  if (sync.isComplete(newRS)) await sync.cleanup(oldRSs);
  return sync.writeStatus(newRS, true);
}

async function podsOf(sync: DeploymentSync, rss: readonly KubeObject[]): Promise<KubeObject[]> {
  if (rss.length === 0) return [];
  const uids = new Set(rss.map((rs) => rs.metadata.uid));
  const selector = selectorToString(selectorFromLabelSelector(deploymentSpec(sync.d).selector as never));
  const { items } = await sync.ctx.client.list(PODS, { namespace: sync.d.metadata.namespace, labelSelector: selector });
  return items.filter((p) => uids.has(controllerRef(p)?.uid));
}
