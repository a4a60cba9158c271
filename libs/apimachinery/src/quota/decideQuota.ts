import type { KubeObject } from '../types.js';
import { addResourceLists, exceededNames, formatResourceList, maskResourceList, parseResourceList, removeZeros, subtractNonNegative, toJsonResourceList, type ResourceList } from './resourceList.js';
import { quotaMatchesScopes } from './scopes.js';
import { matchingResources, podConstraintsError, usageOf, type CountedType } from './usage.js';

/**
 * One quota's verdict on creating `obj`, or on replacing `prior` by it (Kubernetes' quota
 * evaluator checkRequest), pure: the quota's status.hard is what it enforces (a quota the
 * controller has not yet filled enforces nothing), status.used what is already taken. An update
 * is charged only what it adds: a Service turned NodePort takes its node ports.
 */
export type QuotaDecision =
  | { kind: 'unaffected' }
  | { kind: 'forbidden'; message: string }
  | { kind: 'charge'; used: Record<string, string> };

export function decideQuota(quota: KubeObject, t: CountedType, obj: KubeObject, prior?: KubeObject): QuotaDecision {
  const status = (quota.status ?? {}) as { hard?: unknown; used?: unknown };
  const hard = parseResourceList(status.hard);
  const used = parseResourceList(status.used);
  const name = quota.metadata.name ?? '';
  const restricted = matchingResources(t, Object.keys(hard));
  if (restricted.length === 0 || !quotaMatchesScopes(quota, t, obj)) return { kind: 'unaffected' };
  if (t.group === '' && t.resource === 'pods') {
    const missing = podConstraintsError(restricted, obj);
    if (missing) return { kind: 'forbidden', message: `failed quota: ${name}: ${missing}` };
  }
  if (restricted.some((r) => !(r in used))) return { kind: 'forbidden', message: `status unknown for quota: ${name}, resources: ${[...restricted].sort().join(',')}` };

  const usage = prior ? subtractNonNegative(usageOf(t, obj), usageOf(t, prior)) : usageOf(t, obj);
  const requested = maskResourceList(removeZeros(usage), restricted);
  if (Object.keys(requested).length === 0) return { kind: 'unaffected' };
  const next: ResourceList = addResourceLists(used, requested);
  const exceeded = exceededNames(maskResourceList(next, Object.keys(requested)), hard);
  if (exceeded.length) {
    return {
      kind: 'forbidden',
      message: `exceeded quota: ${name}, requested: ${formatResourceList(maskResourceList(requested, exceeded))}, used: ${formatResourceList(maskResourceList(used, exceeded))}, limited: ${formatResourceList(maskResourceList(hard, exceeded))}`,
    };
  }
  return { kind: 'charge', used: toJsonResourceList(next) };
}
