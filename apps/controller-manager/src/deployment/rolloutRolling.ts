import type { ReconcileResult } from '@skiff/controller-runtime';
import type { DeploymentSync } from './deploymentSync.js';
import { planRollingStep } from './rollingPlan.js';

/**
 * RollingUpdate: create the new ReplicaSet if needed, then take one step (grow the new set as
 * far as maxSurge allows, or shrink old sets as far as maxUnavailable allows), and report.
 * The ReplicaSets' status changes bring the Deployment back for the next step.
 */
export async function rolloutRolling(sync: DeploymentSync): Promise<ReconcileResult | void> {
  const { newRS, oldRSs } = await sync.replicaSets(true);
  const plan = planRollingStep(sync.d, newRS!, oldRSs);
  await sync.scale(plan.actions);
  if (plan.phase === 'wait' && sync.isComplete(newRS)) await sync.cleanup(oldRSs);
  return sync.writeStatus(newRS, true);
}
