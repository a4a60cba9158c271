import { nodeSelectorTermsMatch } from '@skiff/apimachinery';
import type { Node, NodeSelectorTerm, PodSpec, Taint, Toleration } from 'kubernetes-types/core/v1.js';

/**
 * Whether a node satisfies a pod's node selection the way kube-scheduler's NodeAffinity filter
 * decides it (component-helpers' GetRequiredNodeAffinity): every `nodeSelector` label, and, when
 * set, one of the required node affinity terms. The DaemonSet controller asks this before it makes
 * a pod for the node, so it never makes a pod the scheduler would refuse.
 */
export function matchesNodeSelection(spec: Pick<PodSpec, 'nodeSelector' | 'affinity'>, node: Node): boolean {
  const labels = node.metadata?.labels ?? {};
  for (const [k, v] of Object.entries(spec.nodeSelector ?? {})) if (labels[k] !== v) return false;
  const required = spec.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution;
  return !required || matchesNodeSelectorTerms(required.nodeSelectorTerms ?? [], node);
}

/** Terms are ORed and a term's requirements ANDed; an empty term, or no terms, matches nothing. */
export function matchesNodeSelectorTerms(terms: readonly NodeSelectorTerm[], node: Node): boolean {
  return nodeSelectorTermsMatch(terms, { name: node.metadata?.name ?? '', labels: node.metadata?.labels ?? {} });
}

/**
 * Whether one toleration tolerates one taint: an empty effect tolerates every effect, an empty key
 * with `Exists` every key; `Equal` (the default) also compares values.
 */
export function toleratesTaint(toleration: Toleration, taint: Taint): boolean {
  if (toleration.effect && toleration.effect !== taint.effect) return false;
  if (toleration.key && toleration.key !== taint.key) return false;
  switch (toleration.operator || 'Equal') {
    case 'Exists':
      return true;
    case 'Equal':
      return (toleration.value ?? '') === (taint.value ?? '');
    default:
      return false;
  }
}

/** The first taint passing `effects` that no toleration covers. */
export function untoleratedTaint(taints: readonly Taint[], tolerations: readonly Toleration[], effects: readonly string[]): Taint | undefined {
  return taints.find((taint) => effects.includes(taint.effect) && !tolerations.some((t) => toleratesTaint(t, taint)));
}
