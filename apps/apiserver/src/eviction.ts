import {
  BadRequestError,
  budgetCoversPod,
  findResource,
  ForbiddenError,
  ConflictError,
  InternalError,
  NotFoundError,
  podIsHealthy,
  successStatus,
  TooManyRequestsError,
  type KubeObject,
} from '@skiff/apimachinery';
import type { Store } from '@skiff/store';
import type { PodDisruptionBudget, PodDisruptionBudgetStatus } from 'kubernetes-types/policy/v1.js';
import { keyOf } from './objects.js';
import type { DeleteOptions } from './rest.js';

/** kube-apiserver refuses more evictions once this many wait for the disruption controller to confirm them. */
const MAX_DISRUPTED_PODS = 2000;
const BUDGET_MESSAGE = "Cannot evict pod as it would violate the pod's disruption budget.";

export type EvictionDecision =
  | { kind: 'delete' }
  | { kind: 'refuse'; error: Error }
  | { kind: 'decrement'; budget: PodDisruptionBudget; status: PodDisruptionBudgetStatus };

/**
 * What evicting `pod` does, given the budgets of its namespace (Kubernetes'
 * registry/core/pod/storage/eviction.go): a pod that is not running, or already going, and a pod
 * no budget covers are simply deleted; a pod covered by more than one budget cannot be evicted; a
 * budget that allows no disruption refuses with 429 (the client retries); otherwise the budget's
 * `disruptionsAllowed` goes down by one and the pod is recorded among its disrupted pods, so the
 * next eviction sees the budget spent before the disruption controller catches up.
 */
export function decideEviction(pod: KubeObject, budgets: readonly PodDisruptionBudget[], now: Date): EvictionDecision {
  const phase = (pod.status as { phase?: string } | undefined)?.phase;
  if (phase === 'Succeeded' || phase === 'Failed' || phase === 'Pending' || pod.metadata.deletionTimestamp) return { kind: 'delete' };
  const covering = budgets.filter((b) => budgetCoversPod(b, pod));
  if (covering.length === 0) return { kind: 'delete' };
  if (covering.length > 1) return { kind: 'refuse', error: new InternalError('This pod has more than one PodDisruptionBudget, which the eviction subresource does not support.') };
  const budget = covering[0];
  const status = budget.status ?? { currentHealthy: 0, desiredHealthy: 0, disruptionsAllowed: 0, expectedPods: 0 };
  if (!podIsHealthy(pod)) {
    // An unready pod adds nothing to the budget: with AlwaysAllow, or while the budget is met, it just goes.
    const policy = budget.spec?.unhealthyPodEvictionPolicy ?? 'IfHealthyBudget';
    if (policy === 'AlwaysAllow' || (status.desiredHealthy > 0 && status.currentHealthy >= status.desiredHealthy)) return { kind: 'delete' };
  }
  const name = budget.metadata?.name ?? '';
  if ((status.observedGeneration ?? 0) < (budget.metadata?.generation ?? 0)) {
    return { kind: 'refuse', error: new TooManyRequestsError(BUDGET_MESSAGE, 10, [{ reason: 'DisruptionBudget', message: `The disruption budget ${name} is still being processed by the server.` }]) };
  }
  if (status.disruptionsAllowed < 0) return { kind: 'refuse', error: new ForbiddenError(`poddisruptionbudgets.policy "${name}" is forbidden: pdb disruptions allowed is negative`, { kind: 'poddisruptionbudgets', group: 'policy', name }) };
  if (Object.keys(status.disruptedPods ?? {}).length > MAX_DISRUPTED_PODS) {
    return { kind: 'refuse', error: new ForbiddenError(`poddisruptionbudgets.policy "${name}" is forbidden: DisruptedPods map too big - too many evictions not confirmed by PDB controller`, { kind: 'poddisruptionbudgets', group: 'policy', name }) };
  }
  if (status.disruptionsAllowed === 0) {
    return {
      kind: 'refuse',
      error: new TooManyRequestsError(BUDGET_MESSAGE, 0, [{ reason: 'DisruptionBudget', message: `The disruption budget ${name} needs ${status.desiredHealthy} healthy pods and has ${status.currentHealthy} currently` }]),
    };
  }
  const next: PodDisruptionBudgetStatus = { ...status, disruptionsAllowed: status.disruptionsAllowed - 1, disruptedPods: { ...(status.disruptedPods ?? {}), [pod.metadata.name!]: now.toISOString().replace(/\.\d{3}Z$/, 'Z') } };
  if (next.disruptionsAllowed === 0) {
    next.conditions = [
      ...(status.conditions ?? []).filter((c) => c.type !== 'DisruptionAllowed'),
      { type: 'DisruptionAllowed', status: 'False', reason: 'InsufficientPods', message: '', observedGeneration: status.observedGeneration, lastTransitionTime: next.disruptedPods![pod.metadata.name!] },
    ];
  }
  return { kind: 'decrement', budget, status: next };
}

export interface EvictionDeps {
  store: Store;
  clock: () => Date;
  deletePod(namespace: string, name: string, opts: DeleteOptions): Promise<unknown>;
}

const MAX_CONFLICT_RETRIES = 5;

/**
 * POST pods/{name}/eviction: decides with the stored budgets, spends the budget (guarded by its
 * resourceVersion, retried on a conflict), then deletes the pod with the eviction's options.
 */
export async function evictPod(deps: EvictionDeps, namespace: string, name: string, eviction: KubeObject, dryRun: boolean): Promise<KubeObject> {
  if (eviction.metadata?.name && eviction.metadata.name !== name) throw new BadRequestError('name in URL does not match name in Eviction object');
  const pods = findResource('', 'v1', 'pods')!;
  const budgetsType = findResource('policy', 'v1', 'poddisruptionbudgets')!;
  const deleteOptions = ((eviction as { deleteOptions?: { gracePeriodSeconds?: number; preconditions?: DeleteOptions['preconditions'] } }).deleteOptions ?? {});
  for (let attempt = 0; ; attempt++) {
    const pod = await deps.store.get(keyOf(pods, namespace, name));
    if (!pod) throw new NotFoundError({ kind: 'pods', name });
    const budgets = (await deps.store.list({ group: 'policy', resource: 'poddisruptionbudgets', namespace })).items as unknown as PodDisruptionBudget[];
    const decision = decideEviction(pod, budgets, deps.clock());
    if (decision.kind === 'refuse') throw decision.error;
    if (decision.kind === 'decrement' && !dryRun) {
      const stored = decision.budget as unknown as KubeObject;
      try {
        await deps.store.update(keyOf(budgetsType, namespace, stored.metadata.name!), { ...stored, status: decision.status }, { resourceVersion: stored.metadata.resourceVersion });
      } catch (err) {
        if (attempt < MAX_CONFLICT_RETRIES && err instanceof ConflictError) continue;
        throw err;
      }
    }
    await deps.deletePod(namespace, name, {
      dryRun,
      gracePeriodSeconds: deleteOptions.gracePeriodSeconds,
      preconditions: { uid: pod.metadata.uid, ...(deleteOptions.preconditions ?? {}) },
    });
    return successStatus(undefined, 201) as unknown as KubeObject;
  }
}
