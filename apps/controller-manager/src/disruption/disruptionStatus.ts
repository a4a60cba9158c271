import { budgetCoversPod, podIsHealthy, type KubeObject } from '@skiff/apimachinery';
import type { Condition } from 'kubernetes-types/meta/v1.js';
import type { PodDisruptionBudget, PodDisruptionBudgetStatus } from 'kubernetes-types/policy/v1.js';

/** An eviction the API server recorded is trusted this long before the pod must be gone (Kubernetes' DeletionTimeout). */
export const DISRUPTED_POD_TIMEOUT_MS = 2 * 60_000;

/** What the budget is computed from: its pods, and the replicas their controllers want. */
export interface BudgetInputs {
  /** Pods of the budget's namespace (the budget's selector picks its own). */
  pods: readonly KubeObject[];
  /**
   * Replicas wanted by the controller of each covered pod, by controller uid; a pod whose
   * controller has no scale (or no controller at all) is missing from the map.
   */
  scaleOf(pod: KubeObject): { uid: string; replicas: number } | undefined;
  now: Date;
}

export type BudgetPlan =
  | { ok: true; status: PodDisruptionBudgetStatus; requeueAfterMs?: number }
  | { ok: false; reason: 'NoControllers'; message: string; status: PodDisruptionBudgetStatus };

/**
 * `n` of `total` for an int-or-percent: an integer is itself; a percentage rounds up, so "50%" of
 * 3 is 2 (Kubernetes' GetScaledValueFromIntOrPercent with roundUp).
 */
export function scaledValue(value: number | string, total: number): number {
  if (typeof value === 'number') return value;
  const percent = Number.parseInt(value.replace(/%$/, ''), 10);
  return Math.ceil((percent * total) / 100);
}

/**
 * The budget's status from the pods it covers (Kubernetes' disruption controller, trySync):
 * - expected pods: the covered pods' count for an integer minAvailable, else the sum of their
 *   controllers' replicas (each controller once);
 * - desired healthy: minAvailable (scaled against expected pods), or expected minus
 *   maxUnavailable (scaled, never below 0);
 * - current healthy: covered pods that are Ready, not being deleted and not just evicted
 *   (recorded in disruptedPods less than DISRUPTED_POD_TIMEOUT_MS ago);
 * - disruptions allowed: current minus desired healthy, never below 0.
 * Example: maxUnavailable 1 over a 3-replica Deployment whose 3 pods are Ready: expected 3,
 * desired 2, current 3, allowed 1. After one eviction the evicted pod is no longer counted:
 * current 2, allowed 0, until its replacement is Ready.
 */
export function planBudgetStatus(pdb: PodDisruptionBudget, inputs: BudgetInputs): BudgetPlan {
  const covered = inputs.pods.filter((p) => budgetCoversPod(pdb, p));
  const now = inputs.now.getTime();
  const disrupted = freshDisruptions(pdb.status?.disruptedPods ?? {}, covered, now);
  const spec = pdb.spec ?? {};
  let expected: number;
  let desired: number;
  if (typeof spec.minAvailable === 'number') {
    expected = covered.length;
    desired = spec.minAvailable;
  } else {
    const scales = new Map<string, number>();
    for (const pod of covered) {
      const scale = inputs.scaleOf(pod);
      if (!scale) {
        const status = statusWith(pdb, { expected: 0, desired: 0, current: 0, disrupted }, conditionFor(pdb, false, 'SyncFailed', `found no controllers for pod "${pod.metadata.name}"`, inputs.now));
        return { ok: false, reason: 'NoControllers', message: `found no controllers for pod "${pod.metadata.name}"`, status };
      }
      scales.set(scale.uid, scale.replicas);
    }
    expected = [...scales.values()].reduce((a, b) => a + b, 0);
    desired = spec.maxUnavailable !== undefined ? Math.max(0, expected - scaledValue(spec.maxUnavailable, expected)) : scaledValue(spec.minAvailable ?? 1, expected);
  }
  const current = covered.filter((p) => podIsHealthy(p) && !(p.metadata.name! in disrupted)).length;
  const allowed = Math.max(0, current - desired);
  const status = statusWith(
    pdb,
    { expected, desired, current, disrupted },
    conditionFor(pdb, allowed > 0, allowed > 0 ? 'SufficientPods' : 'InsufficientPods', '', inputs.now),
  );
  const expiries = Object.values(disrupted).map((t) => Date.parse(t) + DISRUPTED_POD_TIMEOUT_MS - now);
  return { ok: true, status, ...(expiries.length ? { requeueAfterMs: Math.max(0, Math.min(...expiries)) } : {}) };
}

/** Recorded evictions still pending: the pod is still covered, not yet being deleted, and the record is recent. */
function freshDisruptions(recorded: Record<string, string>, covered: readonly KubeObject[], now: number): Record<string, string> {
  const fresh: Record<string, string> = {};
  for (const [name, at] of Object.entries(recorded)) {
    const pod = covered.find((p) => p.metadata.name === name);
    if (!pod || pod.metadata.deletionTimestamp) continue;
    if (Date.parse(at) + DISRUPTED_POD_TIMEOUT_MS <= now) continue;
    fresh[name] = at;
  }
  return fresh;
}

function statusWith(
  pdb: PodDisruptionBudget,
  counts: { expected: number; desired: number; current: number; disrupted: Record<string, string> },
  condition: Condition,
): PodDisruptionBudgetStatus {
  return {
    ...(pdb.metadata?.generation !== undefined ? { observedGeneration: pdb.metadata.generation } : {}),
    ...(Object.keys(counts.disrupted).length ? { disruptedPods: counts.disrupted } : {}),
    disruptionsAllowed: Math.max(0, counts.current - counts.desired),
    currentHealthy: counts.current,
    desiredHealthy: counts.desired,
    expectedPods: counts.expected,
    conditions: [condition],
  };
}

/** The DisruptionAllowed condition, keeping its transition time while its status stays. */
function conditionFor(pdb: PodDisruptionBudget, allowed: boolean, reason: string, message: string, now: Date): Condition {
  const status = allowed ? 'True' : 'False';
  const previous = pdb.status?.conditions?.find((c) => c.type === 'DisruptionAllowed');
  const lastTransitionTime = previous?.status === status ? previous.lastTransitionTime : now.toISOString().replace(/\.\d{3}Z$/, 'Z');
  return { type: 'DisruptionAllowed', status, reason, message, ...(pdb.metadata?.generation !== undefined ? { observedGeneration: pdb.metadata.generation } : {}), lastTransitionTime };
}
