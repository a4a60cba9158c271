import { FITS, unfit, type FilterPlugin, type FilterResult, type NodeInfo, type NodeSelectorRequirement, type NodeSelectorTerm, type PodInfo } from '../framework/types.js';

export const REASON_NODE_AFFINITY = "node(s) didn't match Pod's node affinity/selector";

function matchesRequirement(r: NodeSelectorRequirement, labels: Readonly<Record<string, string>>): boolean {
  const has = Object.prototype.hasOwnProperty.call(labels, r.key);
  switch (r.operator) {
    case 'In':
      return has && r.values.includes(labels[r.key]);
    case 'NotIn':
      return !has || !r.values.includes(labels[r.key]);
    case 'Exists':
      return has;
    case 'DoesNotExist':
      return !has;
    case 'Gt':
    case 'Lt': {
      // A label that is not an integer matches neither.
      if (!has || !/^-?\d+$/.test(labels[r.key])) return false;
      const v = Number(labels[r.key]);
      return r.operator === 'Gt' ? v > r.value : v < r.value;
    }
  }
}

/**
 * Terms are ORed, a term's requirements ANDed; a term with no requirements matches nothing, and so
 * does an empty list of terms (Kubernetes' node selector semantics).
 */
export function matchesNodeSelectorTerms(terms: readonly NodeSelectorTerm[], node: Pick<NodeInfo, 'name' | 'labels'>): boolean {
  const fields = { 'metadata.name': node.name };
  return terms.some(
    (t) =>
      t.matchExpressions.length + t.matchFields.length > 0 &&
      t.matchExpressions.every((r) => matchesRequirement(r, node.labels)) &&
      t.matchFields.every((r) => matchesRequirement(r, fields)),
  );
}

/** NodeAffinity: `spec.nodeSelector` labels and the required node affinity both have to hold. */
export function matchesNodeAffinity(pod: PodInfo, node: NodeInfo): FilterResult {
  for (const [key, value] of Object.entries(pod.nodeSelector)) {
    if (node.labels[key] !== value) return unfit(REASON_NODE_AFFINITY);
  }
  if (pod.requiredNodeAffinity && !matchesNodeSelectorTerms(pod.requiredNodeAffinity, node)) return unfit(REASON_NODE_AFFINITY);
  return FITS;
}

export const NodeAffinity: FilterPlugin = { name: 'NodeAffinity', filter: matchesNodeAffinity };
