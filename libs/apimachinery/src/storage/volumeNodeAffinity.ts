import type { NodeSelectorRequirement, NodeSelectorTerm, PersistentVolume } from 'kubernetes-types/core/v1.js';
import { LABEL_HOSTNAME } from './annotations.js';

/** What a node is matched by: its name (matchFields) and labels (matchExpressions). */
export interface NodeIdentity {
  name: string;
  labels: Readonly<Record<string, string>>;
}

function requirementMatches(r: NodeSelectorRequirement, values: Readonly<Record<string, string>>): boolean {
  const has = Object.prototype.hasOwnProperty.call(values, r.key);
  const want = r.values ?? [];
  switch (r.operator) {
    case 'In':
      return has && want.includes(values[r.key]);
    case 'NotIn':
      return !has || !want.includes(values[r.key]);
    case 'Exists':
      return has;
    case 'DoesNotExist':
      return !has;
    case 'Gt':
    case 'Lt': {
      if (!has || want.length !== 1 || !/^-?\d+$/.test(values[r.key]) || !/^-?\d+$/.test(want[0])) return false;
      const v = Number(values[r.key]);
      return r.operator === 'Gt' ? v > Number(want[0]) : v < Number(want[0]);
    }
    default:
      return false;
  }
}

/** Terms are ORed, a term's requirements ANDed; an empty term matches nothing (Kubernetes' NodeSelector). */
export function nodeSelectorTermsMatch(terms: readonly NodeSelectorTerm[], node: NodeIdentity): boolean {
  const fields = { 'metadata.name': node.name };
  return terms.some((t) => {
    const exprs = t.matchExpressions ?? [];
    const fieldReqs = t.matchFields ?? [];
    return exprs.length + fieldReqs.length > 0 && exprs.every((r) => requirementMatches(r, node.labels)) && fieldReqs.every((r) => requirementMatches(r, fields));
  });
}

/** Whether a volume may be used on `node`: a volume without required node affinity may be used anywhere. */
export function volumeNodeAffinityMatches(pv: PersistentVolume, node: NodeIdentity): boolean {
  const required = pv.spec?.nodeAffinity?.required;
  if (!required) return true;
  return nodeSelectorTermsMatch(required.nodeSelectorTerms ?? [], node);
}

/** The node affinity of a volume that lives on one node (by its hostname label, as local volumes do). */
export function singleNodeAffinity(nodeName: string): NonNullable<NonNullable<PersistentVolume['spec']>['nodeAffinity']> {
  return { required: { nodeSelectorTerms: [{ matchExpressions: [{ key: LABEL_HOSTNAME, operator: 'In', values: [nodeName] }] }] } };
}

/**
 * The one node a volume's required affinity names, when it names exactly one by hostname (what
 * the local-path provisioner writes): the node agent that owns the volume's directory.
 */
export function volumeNodeName(pv: PersistentVolume): string | undefined {
  const terms = pv.spec?.nodeAffinity?.required?.nodeSelectorTerms ?? [];
  if (terms.length !== 1) return undefined;
  const exprs = terms[0].matchExpressions ?? [];
  const byHostname = exprs.find((r) => r.key === LABEL_HOSTNAME && r.operator === 'In' && r.values?.length === 1);
  if (byHostname) return byHostname.values![0];
  const byName = (terms[0].matchFields ?? []).find((r) => r.key === 'metadata.name' && r.operator === 'In' && r.values?.length === 1);
  return byName?.values![0];
}
