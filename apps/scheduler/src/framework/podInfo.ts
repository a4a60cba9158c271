import type { KubeObject } from '@skiff/apimachinery';
import { podRequests, type PodSpecLike } from './podRequests.js';
import type { NodeSelectorRequirement, NodeSelectorTerm, PodInfo, Toleration } from './types.js';

export type ParsedPod = { ok: true; pod: PodInfo } | { ok: false; message: string };

interface RawRequirement {
  key?: unknown;
  operator?: unknown;
  values?: unknown;
}

interface RawTerm {
  matchExpressions?: RawRequirement[];
  matchFields?: RawRequirement[];
}

interface PodSpec extends PodSpecLike {
  nodeName?: string;
  schedulerName?: string;
  nodeSelector?: Record<string, string>;
  tolerations?: Toleration[];
  affinity?: { nodeAffinity?: { requiredDuringSchedulingIgnoredDuringExecution?: { nodeSelectorTerms?: RawTerm[] } } };
}

export const DEFAULT_SCHEDULER_NAME = 'default-scheduler';

export function podSpec(pod: KubeObject): PodSpec {
  return (pod.spec ?? {}) as PodSpec;
}

export function podPhase(pod: KubeObject): string | undefined {
  return (pod.status as { phase?: string } | undefined)?.phase;
}

/** Succeeded and Failed pods hold no resources on their node. */
export function isTerminated(pod: KubeObject): boolean {
  const phase = podPhase(pod);
  return phase === 'Succeeded' || phase === 'Failed';
}

/** Whether this scheduler should place the pod: unbound, alive, and addressed to us. */
export function needsScheduling(pod: KubeObject, schedulerName = DEFAULT_SCHEDULER_NAME): boolean {
  const spec = podSpec(pod);
  if (spec.nodeName) return false;
  if (pod.metadata.deletionTimestamp) return false;
  if (isTerminated(pod)) return false;
  return (spec.schedulerName || DEFAULT_SCHEDULER_NAME) === schedulerName;
}

export function controllerOwnerUid(pod: KubeObject): string | undefined {
  return pod.metadata.ownerReferences?.find((r) => r.controller)?.uid;
}

/**
 * Reads what scheduling needs from a pod. Node affinity is not validated by the API server, so a
 * term with an unknown operator or a non-integer `Gt` is reported here as bad input (it would
 * never match, whatever the cluster does).
 */
export function parsePod(pod: KubeObject): ParsedPod {
  const spec = podSpec(pod);
  let resources;
  try {
    resources = podRequests(spec);
  } catch (err) {
    return { ok: false, message: `invalid resource requests: ${(err as Error).message}` };
  }
  let requiredNodeAffinity: NodeSelectorTerm[] | undefined;
  const required = spec.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution;
  if (required) {
    const terms = required.nodeSelectorTerms;
    if (!Array.isArray(terms)) return { ok: false, message: 'invalid node affinity: nodeSelectorTerms must be a list' };
    requiredNodeAffinity = [];
    for (const [i, term] of terms.entries()) {
      const path = `spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[${i}]`;
      const matchExpressions = parseRequirements(term?.matchExpressions, `${path}.matchExpressions`, false);
      if (typeof matchExpressions === 'string') return { ok: false, message: `invalid node affinity: ${matchExpressions}` };
      const matchFields = parseRequirements(term?.matchFields, `${path}.matchFields`, true);
      if (typeof matchFields === 'string') return { ok: false, message: `invalid node affinity: ${matchFields}` };
      requiredNodeAffinity.push({ matchExpressions, matchFields });
    }
  }
  return {
    ok: true,
    pod: {
      namespace: pod.metadata.namespace ?? 'default',
      name: pod.metadata.name ?? '',
      uid: pod.metadata.uid ?? '',
      requests: resources.requests,
      nonZeroRequests: resources.nonZeroRequests,
      nodeSelector: spec.nodeSelector ?? {},
      requiredNodeAffinity,
      tolerations: spec.tolerations ?? [],
      ownerUid: controllerOwnerUid(pod),
    },
  };
}

/** Parsed requirements, or the reason they are invalid. */
function parseRequirements(raw: RawRequirement[] | undefined, path: string, fields: boolean): NodeSelectorRequirement[] | string {
  if (raw === undefined || raw === null) return [];
  if (!Array.isArray(raw)) return `${path}: must be a list`;
  const out: NodeSelectorRequirement[] = [];
  for (const [i, r] of raw.entries()) {
    const at = `${path}[${i}]`;
    if (typeof r?.key !== 'string' || r.key === '') return `${at}.key: Required value`;
    if (fields && r.key !== 'metadata.name') return `${at}.key: Unsupported value: "${r.key}": supported values: "metadata.name"`;
    const values = r.values ?? [];
    if (!Array.isArray(values) || values.some((v) => typeof v !== 'string')) return `${at}.values: must be a list of strings`;
    switch (r.operator) {
      case 'In':
      case 'NotIn':
        if (values.length === 0) return `${at}.values: Required value: must be specified when \`operator\` is 'In' or 'NotIn'`;
        out.push({ key: r.key, operator: r.operator, values: values as string[] });
        break;
      case 'Exists':
      case 'DoesNotExist':
        if (fields) return `${at}.operator: Unsupported value: "${r.operator}": supported values: "In", "NotIn"`;
        if (values.length > 0) return `${at}.values: Forbidden: may not be specified when \`operator\` is 'Exists' or 'DoesNotExist'`;
        out.push({ key: r.key, operator: r.operator });
        break;
      case 'Gt':
      case 'Lt': {
        if (fields) return `${at}.operator: Unsupported value: "${r.operator}": supported values: "In", "NotIn"`;
        const v = values.length === 1 ? Number(values[0]) : NaN;
        if (!Number.isInteger(v)) return `${at}.values: Invalid value: must be specified single integer value when \`operator\` is 'Lt' or 'Gt'`;
        out.push({ key: r.key, operator: r.operator, value: v });
        break;
      }
      default:
        return `${at}.operator: Unsupported value: ${JSON.stringify(r.operator)}: supported values: "DoesNotExist", "Exists", "Gt", "In", "Lt", "NotIn"`;
    }
  }
  return out;
}
