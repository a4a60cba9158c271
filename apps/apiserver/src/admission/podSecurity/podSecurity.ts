import { deepEqual, type Kind, type KubeObject, type StatusCause } from '@skiff/apimachinery';
import type { PodSpec } from 'kubernetes-types/core/v1.js';
import type { ObjectMeta } from 'kubernetes-types/meta/v1.js';
import { podSecurityViolations, type CheckResult, type PodSecurityLevel } from './podSecurityChecks.js';
import { formatLevelVersion, POD_SECURITY_LABEL_PREFIX, podSecurityPolicyOf, type LevelVersion, type PodSecurityPolicy } from './podSecurityPolicy.js';

/**
 * Kubernetes' PodSecurity admission (k8s.io/pod-security-admission/admission) as decisions over
 * objects already read: the caller supplies the namespace and, for a namespace update, its pods.
 *
 * - Pods are enforced (create, an update that changes the spec, the ephemeralcontainers
 *   subresource) and warned about at the namespace's warn level.
 * - Workload kinds' pod templates are only warned about: their pods meet enforcement when a
 *   controller creates them, exactly as Kubernetes does it.
 * - A namespace write is refused for malformed labels; tightening its enforce level warns about
 *   the pods already there that the new level would refuse.
 * Audit mode's labels are read and validated; Skiff has no audit annotations to add them to.
 */

export interface PodSecurityDefaults {
  /** The enforce level of a namespace without an enforce label (`--pod-security-default-enforce`). */
  enforce: PodSecurityLevel;
  /** Namespaces never evaluated: kube-system and Skiff's own. */
  exemptNamespaces: ReadonlySet<string>;
}

export type PodSecurityDecision = { kind: 'allowed'; warnings: string[] } | { kind: 'forbidden'; message: string } | { kind: 'invalid'; causes: StatusCause[] };

const ALLOWED: PodSecurityDecision = { kind: 'allowed', warnings: [] };

/** Where each workload kind keeps its pod template. */
const TEMPLATE_PATHS: Record<string, readonly string[]> = {
  'apps/deployments': ['spec', 'template'],
  'apps/replicasets': ['spec', 'template'],
  'apps/statefulsets': ['spec', 'template'],
  'apps/daemonsets': ['spec', 'template'],
  'batch/jobs': ['spec', 'template'],
  'batch/cronjobs': ['spec', 'jobTemplate', 'spec', 'template'],
  '/replicationcontrollers': ['spec', 'template'],
};

/** Whether PodSecurity has anything to say about a write of `type` (so the caller reads the namespace only then). */
export function podSecurityApplies(type: Kind, subresource: string | undefined): boolean {
  if (type.group === '' && type.resource === 'namespaces') return subresource === undefined;
  if (type.group === '' && type.resource === 'pods') return subresource === undefined || subresource === 'ephemeralcontainers';
  return subresource === undefined && `${type.group}/${type.resource}` in TEMPLATE_PATHS;
}

/** A pod or pod-template write in `namespace` (its labels decide the policy). */
export function admitPodSecurity(type: Kind, obj: KubeObject, prior: KubeObject | undefined, namespace: KubeObject | undefined, defaults: PodSecurityDefaults): PodSecurityDecision {
  const name = obj.metadata.namespace!;
  if (defaults.exemptNamespaces.has(name)) return ALLOWED;
  const { policy } = podSecurityPolicyOf(namespace?.metadata.labels, defaults.enforce);
  if (type.group === '' && type.resource === 'pods') {
    if (prior && deepEqual(prior.spec, obj.spec)) return ALLOWED;
    return evaluate(policy, obj.metadata as ObjectMeta, (obj.spec ?? { containers: [] }) as PodSpec, true);
  }
  const template = templateOf(type, obj);
  if (!template) return ALLOWED;
  return evaluate(policy, template.metadata ?? {}, template.spec ?? { containers: [] }, false);
}

/**
 * A namespace write: refused for malformed labels; an update that changes the enforce policy
 * warns about the existing pods it would refuse, grouped by what they break:
 * `existing pods in namespace "ns" violate the new PodSecurity enforce level "restricted:latest"`,
 * then `web-1 (and 2 other pods): privileged, runAsNonRoot != true`.
 */
export async function admitNamespacePodSecurity(ns: KubeObject, prior: KubeObject | undefined, listPods: () => Promise<readonly KubeObject[]>, defaults: PodSecurityDefaults): Promise<PodSecurityDecision> {
  // A write that leaves the labels alone (a finalizer, the status) is never refused for them.
  if (prior && deepEqual(podSecurityLabels(prior), podSecurityLabels(ns))) return ALLOWED;
  const next = podSecurityPolicyOf(ns.metadata.labels, defaults.enforce);
  if (next.errors.length) return { kind: 'invalid', causes: next.errors };
  if (!prior || defaults.exemptNamespaces.has(ns.metadata.name!)) return ALLOWED;
  const enforce = next.policy.enforce;
  if (deepEqual(podSecurityPolicyOf(prior.metadata.labels, defaults.enforce).policy.enforce, enforce) || enforce.level === 'privileged') return ALLOWED;
  const groups = new Map<string, string[]>();
  for (const pod of await listPods()) {
    const violations = podSecurityViolations(enforce.level, pod.metadata as ObjectMeta, (pod.spec ?? { containers: [] }) as PodSpec);
    if (!violations.length) continue;
    const reasons = violations.map((v) => v.reason).join(', ');
    groups.set(reasons, [...(groups.get(reasons) ?? []), pod.metadata.name!]);
  }
  if (!groups.size) return ALLOWED;
  const warnings = [`existing pods in namespace ${JSON.stringify(ns.metadata.name)} violate the new PodSecurity enforce level ${JSON.stringify(formatLevelVersion(enforce))}`];
  for (const [reasons, names] of groups) {
    const others = names.length - 1;
    warnings.push(others ? `${names[0]} (and ${others} other ${others === 1 ? 'pod' : 'pods'}): ${reasons}` : `${names[0]}: ${reasons}`);
  }
  return { kind: 'allowed', warnings };
}

/** Enforce (for pods only), then warn when the warn policy differs and is broken. */
function evaluate(policy: PodSecurityPolicy, meta: ObjectMeta, spec: PodSpec, enforce: boolean): PodSecurityDecision {
  if (enforce) {
    const violations = podSecurityViolations(policy.enforce.level, meta, spec);
    if (violations.length) return { kind: 'forbidden', message: `violates PodSecurity ${quoted(policy.enforce)}: ${describe(violations)}` };
    if (deepEqual(policy.warn, policy.enforce)) return ALLOWED;
  }
  const warned = podSecurityViolations(policy.warn.level, meta, spec);
  return { kind: 'allowed', warnings: warned.length ? [`would violate PodSecurity ${quoted(policy.warn)}: ${describe(warned)}`] : [] };
}

function podSecurityLabels(ns: KubeObject): Record<string, string> {
  return Object.fromEntries(Object.entries(ns.metadata.labels ?? {}).filter(([k]) => k.startsWith(POD_SECURITY_LABEL_PREFIX)));
}

function quoted(lv: LevelVersion): string {
  return JSON.stringify(formatLevelVersion(lv));
}

function describe(violations: readonly CheckResult[]): string {
  return violations.map((v) => (v.detail ? `${v.reason} (${v.detail})` : v.reason)).join(', ');
}

function templateOf(type: Kind, obj: KubeObject): { metadata?: ObjectMeta; spec?: PodSpec } | undefined {
  const path = TEMPLATE_PATHS[`${type.group}/${type.resource}`];
  let at: unknown = obj;
  for (const key of path ?? []) at = typeof at === 'object' && at !== null ? (at as Record<string, unknown>)[key] : undefined;
  return path && typeof at === 'object' && at !== null ? (at as { metadata?: ObjectMeta; spec?: PodSpec }) : undefined;
}
