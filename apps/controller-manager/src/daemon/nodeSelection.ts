import { nodeSelectorTermsMatch } from '@skiff/apimachinery';
import type { Node, NodeSelectorTerm, PodSpec } from 'kubernetes-types/core/v1.js';

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
