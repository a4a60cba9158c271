import { addQuantities, compareQuantities, formatQuantity, parseExactQuantity, subtractQuantities, zeroQuantity, type ExactQuantity } from '../exactQuantity.js';

/** A ResourceList (`{ pods: '2', 'requests.cpu': '500m' }`) as exact quantities. */
export type ResourceList = Record<string, ExactQuantity>;

/** Parses a JSON ResourceList; entries that are not quantities are left out (validation reports them). */
export function parseResourceList(raw: unknown): ResourceList {
  const out: ResourceList = {};
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return out;
  for (const [name, value] of Object.entries(raw)) {
    const q = parseExactQuantity(value);
    if (q) out[name] = q;
  }
  return out;
}

export function addResourceLists(a: ResourceList, b: ResourceList): ResourceList {
  const out: ResourceList = { ...a };
  for (const [name, q] of Object.entries(b)) out[name] = name in out ? addQuantities(out[name], q) : q;
  return out;
}

/** a - b per name of `a`, never below 0 (what an update adds to what the object already held). */
export function subtractNonNegative(a: ResourceList, b: ResourceList): ResourceList {
  const out: ResourceList = {};
  for (const [name, q] of Object.entries(a)) {
    const diff = name in b ? subtractQuantities(q, b[name]) : q;
    out[name] = diff.nanos < 0n ? zeroQuantity() : diff;
  }
  return out;
}

/** The entries of `list` named in `names`. */
export function maskResourceList(list: ResourceList, names: Iterable<string>): ResourceList {
  const out: ResourceList = {};
  for (const name of names) if (name in list) out[name] = list[name];
  return out;
}

export function removeZeros(list: ResourceList): ResourceList {
  return Object.fromEntries(Object.entries(list).filter(([, q]) => q.nanos !== 0n));
}

/** The names where `a` is above `b` (missing in `b` counts as unlimited, as quota.LessThanOrEqual does). */
export function exceededNames(a: ResourceList, b: ResourceList): string[] {
  return Object.keys(a).filter((name) => name in b && compareQuantities(a[name], b[name]) > 0).sort();
}

/** Kubernetes' prettyPrint: `pods=1,requests.cpu=500m`, sorted by name. */
export function formatResourceList(list: ResourceList): string {
  return Object.keys(list).sort().map((name) => `${name}=${formatQuantity(list[name])}`).join(',');
}

/** Back to JSON, canonical text per quantity. */
export function toJsonResourceList(list: ResourceList): Record<string, string> {
  return Object.fromEntries(Object.keys(list).sort().map((name) => [name, formatQuantity(list[name])]));
}
