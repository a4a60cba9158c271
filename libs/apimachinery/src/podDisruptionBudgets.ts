import type { PodDisruptionBudget } from 'kubernetes-types/policy/v1.js';
import { matchesLabels, selectorFromLabelSelector, type LabelSelectorObject } from './labelSelector.js';
import type { KubeObject } from './types.js';

/**
 * Whether a budget covers a pod: same namespace, and its selector matches the pod's labels. In
 * policy/v1 an empty selector covers every pod of the namespace and a missing one covers none.
 */
export function budgetCoversPod(pdb: PodDisruptionBudget, pod: KubeObject): boolean {
  if ((pdb.metadata?.namespace ?? '') !== (pod.metadata.namespace ?? '')) return false;
  const selector = pdb.spec?.selector;
  if (selector === undefined || selector === null) return false;
  return matchesLabels(selectorFromLabelSelector(selector as LabelSelectorObject), pod.metadata.labels);
}

/** A pod counts as healthy for a budget when its Ready condition is True and it is not being deleted. */
export function podIsHealthy(pod: KubeObject): boolean {
  if (pod.metadata.deletionTimestamp) return false;
  const conditions = (pod.status as { conditions?: { type?: string; status?: string }[] } | undefined)?.conditions ?? [];
  return conditions.some((c) => c.type === 'Ready' && c.status === 'True');
}
