import type { Node, NodeSelectorRequirement, NodeSelectorTerm, PodSpec, Taint, Toleration } from 'kubernetes-types/core/v1.js';

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
  const labels = node.metadata?.labels ?? {};
  const fields = { 'metadata.name': node.metadata?.name ?? '' };
  return terms.some((t) => {
    const exprs = t.matchExpressions ?? [];
    const fieldReqs = t.matchFields ?? [];
    return exprs.length + fieldReqs.length > 0 && exprs.every((r) => matchesRequirement(r, labels)) && fieldReqs.every((r) => matchesRequirement(r, fields));
  });
}

function matchesRequirement(r: NodeSelectorRequirement, labels: Readonly<Record<string, string>>): boolean {
  const has = Object.prototype.hasOwnProperty.call(labels, r.key);
  const values = r.values ?? [];
  switch (r.operator) {
    case 'In':
      return has && values.includes(labels[r.key]);
    case 'NotIn':
      return !has || !values.includes(labels[r.key]);
    case 'Exists':
      return has;
    case 'DoesNotExist':
      return !has;
    case 'Gt':
    case 'Lt': {
      if (!has || values.length !== 1 || !/^-?\d+$/.test(labels[r.key]) || !/^-?\d+$/.test(values[0])) return false;
      const v = Number(labels[r.key]);
      return r.operator === 'Gt' ? v > Number(values[0]) : v < Number(values[0]);
    }
    default:
      return false;
  }
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
