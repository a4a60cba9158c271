import type { KubeObject } from '../types.js';
import type { CountedType } from './usage.js';

/**
 * Whether a quota's scopes (spec.scopes and spec.scopeSelector) select an object: only pods have
 * scopes; a scoped quota counts nothing else (Kubernetes' generic evaluator matches no scope).
 */

interface ScopeRequirement {
  scopeName: string;
  operator: 'In' | 'NotIn' | 'Exists' | 'DoesNotExist';
  values?: string[];
}

function requirementsOf(quota: KubeObject): ScopeRequirement[] {
  const spec = (quota.spec ?? {}) as { scopes?: string[]; scopeSelector?: { matchExpressions?: ScopeRequirement[] } };
  return [
    ...(spec.scopes ?? []).map((scopeName) => ({ scopeName, operator: 'Exists' as const })),
    ...(spec.scopeSelector?.matchExpressions ?? []),
  ];
}

export function quotaMatchesScopes(quota: KubeObject, t: CountedType, obj: KubeObject): boolean {
  const reqs = requirementsOf(quota);
  if (reqs.length === 0) return true;
  if (t.group !== '' || t.resource !== 'pods') return false;
  return reqs.every((r) => podMatchesScope(r, obj));
}

function podMatchesScope(r: ScopeRequirement, pod: KubeObject): boolean {
  const spec = (pod.spec ?? {}) as { activeDeadlineSeconds?: number; priorityClassName?: string };
  if (r.scopeName === 'PriorityClass') {
    const name = spec.priorityClassName ?? '';
    switch (r.operator) {
      case 'In':
        return (r.values ?? []).includes(name);
      case 'NotIn':
        return !(r.values ?? []).includes(name);
      case 'Exists':
        return name !== '';
      case 'DoesNotExist':
        return name === '';
    }
  }
  let holds: boolean;
  switch (r.scopeName) {
    case 'Terminating':
      holds = typeof spec.activeDeadlineSeconds === 'number' && spec.activeDeadlineSeconds >= 0;
      break;
    case 'NotTerminating':
      holds = !(typeof spec.activeDeadlineSeconds === 'number' && spec.activeDeadlineSeconds >= 0);
      break;
    case 'BestEffort':
      holds = isBestEffort(pod);
      break;
    case 'NotBestEffort':
      holds = !isBestEffort(pod);
      break;
    default:
      holds = false;
  }
  return r.operator === 'DoesNotExist' || r.operator === 'NotIn' ? !holds : holds;
}

/** No container (init ones included) requests or limits cpu or memory. */
export function isBestEffort(pod: KubeObject): boolean {
  const spec = (pod.spec ?? {}) as Record<string, unknown>;
  const containers = [spec.containers, spec.initContainers].flatMap((l) => (Array.isArray(l) ? (l as { resources?: { requests?: Record<string, unknown>; limits?: Record<string, unknown> } }[]) : []));
  return containers.every((c) => ['cpu', 'memory'].every((r) => c.resources?.requests?.[r] === undefined && c.resources?.limits?.[r] === undefined));
}
