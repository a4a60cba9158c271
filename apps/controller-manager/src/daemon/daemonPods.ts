import { untoleratedTaint } from '@skiff/apimachinery';
import type { DaemonSet } from 'kubernetes-types/apps/v1.js';
import type { Affinity, Node, Pod, PodSpec, PodTemplateSpec, Toleration } from 'kubernetes-types/core/v1.js';
import { matchesNodeSelection } from './nodeSelection.js';

/** The label naming the ControllerRevision a daemon pod was made from. */
export const CONTROLLER_REVISION_HASH = 'controller-revision-hash';
/** The label naming the template generation a daemon pod was made from (before revisions existed). */
export const POD_TEMPLATE_GENERATION = 'pod-template-generation';
/** Where apps/v1 keeps a DaemonSet's template generation: the API server counts template changes here. */
export const TEMPLATE_GENERATION_ANNOTATION = 'deprecated.daemonset.template.generation';

const NOT_READY = 'node.kubernetes.io/not-ready';
const UNREACHABLE = 'node.kubernetes.io/unreachable';

/**
 * The tolerations Kubernetes adds to every daemon pod (AddOrUpdateDaemonPodTolerations): a node
 * agent that stops answering, or a node under pressure or cordoned, keeps its daemons; a
 * host-network daemon (a CNI agent, say) may start on a node whose network is not up yet.
 */
export function daemonPodTolerations(spec: Pick<PodSpec, 'tolerations' | 'hostNetwork'>): Toleration[] {
  const wanted: Toleration[] = [
    { key: NOT_READY, operator: 'Exists', effect: 'NoExecute' },
    { key: UNREACHABLE, operator: 'Exists', effect: 'NoExecute' },
    { key: 'node.kubernetes.io/disk-pressure', operator: 'Exists', effect: 'NoSchedule' },
    { key: 'node.kubernetes.io/memory-pressure', operator: 'Exists', effect: 'NoSchedule' },
    { key: 'node.kubernetes.io/pid-pressure', operator: 'Exists', effect: 'NoSchedule' },
    { key: 'node.kubernetes.io/unschedulable', operator: 'Exists', effect: 'NoSchedule' },
  ];
  if (spec.hostNetwork) wanted.push({ key: 'node.kubernetes.io/network-unavailable', operator: 'Exists', effect: 'NoSchedule' });
  const out = [...(spec.tolerations ?? [])];
  for (const t of wanted) {
    // The user's own toleration of the same taint (with tolerationSeconds, say) gives way to it.
    const i = out.findIndex((x) => x.key === t.key && x.effect === t.effect && (x.operator || 'Equal') === t.operator && (x.value ?? '') === '');
    if (i >= 0) out[i] = t;
    else out.push(t);
  }
  return out;
}

/**
 * A daemon pod's required node affinity: `metadata.name In [node]` as its only term, so the default
 * scheduler binds it to that node and nowhere else. The template's own terms go: the controller
 * already checked the node against them. Other affinity (preferred, pod affinity) is kept.
 * Example: terms [{zone In [a]}] for node-1 -> [{matchFields: [metadata.name In [node-1]]}].
 */
export function nodeNameAffinity(affinity: Affinity | undefined, nodeName: string): Affinity {
  const required = { nodeSelectorTerms: [{ matchFields: [{ key: 'metadata.name', operator: 'In', values: [nodeName] }] }] };
  return { ...(affinity ?? {}), nodeAffinity: { ...(affinity?.nodeAffinity ?? {}), requiredDuringSchedulingIgnoredDuringExecution: required } };
}

/**
 * The node a daemon pod belongs to: where it is bound, or, before it is bound, the single node its
 * `metadata.name In [...]` affinity names (Kubernetes' GetTargetNodeName). Undefined for a pod
 * that names none: the controller cannot place it, so it ignores it.
 */
export function targetNodeName(pod: Pod): string | undefined {
  if (pod.spec?.nodeName) return pod.spec.nodeName;
  const terms = pod.spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms ?? [];
  for (const term of terms) {
    for (const r of term.matchFields ?? []) {
      if (r.key === 'metadata.name' && r.operator === 'In' && r.values?.length === 1) return r.values[0];
    }
  }
  return undefined;
}

/** The DaemonSet's template generation, from the annotation the API server keeps; undefined if unreadable. */
export function templateGeneration(ds: DaemonSet): string | undefined {
  const v = ds.metadata?.annotations?.[TEMPLATE_GENERATION_ANNOTATION];
  return v !== undefined && /^\d+$/.test(v) ? v : undefined;
}

/** Made from the current template: its revision hash matches, or (older pods) its template generation. */
export function isPodUpdated(pod: Pod, hash: string, generation: string | undefined): boolean {
  const labels = pod.metadata?.labels ?? {};
  return (hash !== '' && labels[CONTROLLER_REVISION_HASH] === hash) || (generation !== undefined && labels[POD_TEMPLATE_GENERATION] === generation);
}

/**
 * The pod template a daemon pod is made from: the DaemonSet's, with the automatic tolerations and
 * the generation and revision labels (util.CreatePodTemplate).
 */
export function daemonPodTemplate(ds: DaemonSet, hash: string): PodTemplateSpec {
  const template = structuredClone(ds.spec?.template ?? {});
  const generation = templateGeneration(ds);
  const labels = { ...(template.metadata?.labels ?? {}) };
  if (generation !== undefined) labels[POD_TEMPLATE_GENERATION] = generation;
  if (hash) labels[CONTROLLER_REVISION_HASH] = hash;
  const spec = template.spec ?? { containers: [] };
  return { metadata: { ...(template.metadata ?? {}), labels }, spec: { ...spec, tolerations: daemonPodTolerations(spec) } };
}

export interface NodeDecision {
  /** A daemon pod should be made for this node if it has none. */
  shouldRun: boolean;
  /** A daemon pod already there may stay (it tolerates the node's NoExecute taints). */
  shouldContinueRunning: boolean;
}

/**
 * Kubernetes' NodeShouldRunDaemonPod: the node must match the template's nodeName, nodeSelector
 * and required node affinity, and its NoSchedule/NoExecute taints must be tolerated (with the
 * automatic tolerations). A node whose only untolerated taints are NoSchedule keeps the pods it
 * already has but gets no new one.
 */
export function nodeShouldRunDaemonPod(node: Node, ds: DaemonSet): NodeDecision {
  const spec = ds.spec?.template?.spec ?? { containers: [] };
  const name = node.metadata?.name ?? '';
  if (spec.nodeName && spec.nodeName !== name) return { shouldRun: false, shouldContinueRunning: false };
  if (!matchesNodeSelection(spec, node)) return { shouldRun: false, shouldContinueRunning: false };
  const tolerations = daemonPodTolerations(spec);
  const taints = node.spec?.taints ?? [];
  if (untoleratedTaint(taints, tolerations, ['NoSchedule', 'NoExecute'])) {
    return { shouldRun: false, shouldContinueRunning: !untoleratedTaint(taints, tolerations, ['NoExecute']) };
  }
  return { shouldRun: true, shouldContinueRunning: true };
}
