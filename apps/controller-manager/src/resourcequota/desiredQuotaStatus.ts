import {
  addResourceLists,
  canonicalQuantity,
  countedTypeOf,
  maskResourceList,
  parseResourceList,
  quotaMatchesScopes,
  toJsonResourceList,
  usageOf,
  zeroQuantity,
  type CountedType,
  type KubeObject,
  type ResourceList,
} from '@skiff/apimachinery';

export interface QuotaStatus {
  hard: Record<string, string>;
  used: Record<string, string>;
}

/**
 * The kinds a quota's hard names count, one entry per kind: `requests.cpu` and `pods` both need
 * the pods, `count/deployments.apps` the Deployments. Names no kind uses are left out.
 */
export function countedTypes(quota: KubeObject): CountedType[] {
  const seen = new Map<string, CountedType>();
  for (const name of Object.keys(specHard(quota))) {
    const t = countedTypeOf(name);
    if (t) seen.set(`${t.group}/${t.resource}`, t);
  }
  return [...seen.values()];
}

function specHard(quota: KubeObject): Record<string, unknown> {
  const hard = (quota.spec as { hard?: unknown } | undefined)?.hard;
  return typeof hard === 'object' && hard !== null && !Array.isArray(hard) ? (hard as Record<string, unknown>) : {};
}

/**
 * What the quota's status should say (Kubernetes' syncResourceQuota): hard is spec.hard, used
 * the sum of every counted object's usage the quota's scopes select, masked to the hard names,
 * 0 for names nothing uses. `objects` holds the namespace's objects of each counted kind, keyed
 * `group/resource`; a kind missing from it counts nothing.
 */
export function desiredQuotaStatus(quota: KubeObject, objects: ReadonlyMap<string, readonly KubeObject[]>): QuotaStatus {
  const hard = parseResourceList(specHard(quota));
  let total: ResourceList = {};
  for (const t of countedTypes(quota)) {
    for (const obj of objects.get(`${t.group}/${t.resource}`) ?? []) {
      if (quotaMatchesScopes(quota, t, obj)) total = addResourceLists(total, usageOf(t, obj));
    }
  }
  const used = maskResourceList(total, Object.keys(hard));
  for (const name of Object.keys(hard)) used[name] ??= zeroQuantity();
  return { hard: toJsonResourceList(hard), used: toJsonResourceList(used) };
}

/** Equal up to how each quantity is written ("1000m" is "1"). */
export function sameQuotaStatus(current: unknown, desired: QuotaStatus): boolean {
  const status = (current ?? {}) as { hard?: Record<string, unknown>; used?: Record<string, unknown> };
  return sameList(status.hard, desired.hard) && sameList(status.used, desired.used);
}

function sameList(a: Record<string, unknown> | undefined, b: Record<string, string>): boolean {
  const x = a ?? {};
  return Object.keys(x).length === Object.keys(b).length && Object.entries(b).every(([k, v]) => k in x && canonicalQuantity(x[k]) === v);
}
