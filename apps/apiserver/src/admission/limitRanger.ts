import { formatQuantity, milliValue, parseResourceList, podTotal, type ExactQuantity, type KubeObject, type ResourceList } from '@skiff/apimachinery';
import { clone } from '../objects.js';

/**
 * Kubernetes' LimitRanger admission for pods (plugin/pkg/admission/limitranger), as pure
 * functions: `applyLimitRangeDefaults` fills the requests and limits a container leaves unset from
 * each Container item's `defaultRequest` and `default`, and `limitRangeViolations` lists what
 * breaks a min, max or maxLimitRequestRatio of a Container or Pod item. Pod templates are not
 * touched (Kubernetes applies LimitRanges to pods only); PersistentVolumeClaim items are stored
 * but not enforced.
 */

interface LimitRangeItem {
  type?: string;
  min?: unknown;
  max?: unknown;
  default?: unknown;
  defaultRequest?: unknown;
  maxLimitRequestRatio?: unknown;
}

type Resources = { requests?: Record<string, unknown>; limits?: Record<string, unknown> };
type Container = { name?: string; resources?: Resources };

const ANNOTATION = 'kubernetes.io/limit-ranger';

function itemsOf(lr: KubeObject): LimitRangeItem[] {
  const limits = (lr.spec as { limits?: unknown } | undefined)?.limits;
  return Array.isArray(limits) ? (limits as LimitRangeItem[]) : [];
}

function containers(pod: KubeObject, field: 'containers' | 'initContainers'): Container[] {
  const list = (pod.spec as Record<string, unknown> | undefined)?.[field];
  return Array.isArray(list) ? (list as Container[]) : [];
}

/**
 * A copy of `pod` with each LimitRange's Container defaults filled in, and the
 * `kubernetes.io/limit-ranger` annotation saying what was set ("LimitRanger plugin set: cpu
 * request for container web; cpu limit for container web").
 */
export function applyLimitRangeDefaults(pod: KubeObject, limitRanges: readonly KubeObject[]): KubeObject {
  let out = pod;
  for (const lr of limitRanges) {
    const item = itemsOf(lr).find((i) => i.type === 'Container');
    if (!item) continue;
    const defaults = { limits: asObject(item.default), requests: asObject(item.defaultRequest) };
    if (Object.keys(defaults.limits).length === 0 && Object.keys(defaults.requests).length === 0) continue;
    out = out === pod ? clone(pod) : out;
    const notes: string[] = [];
    for (const [field, label] of [['containers', 'container'], ['initContainers', 'init container']] as const) {
      for (const c of containers(out, field)) notes.push(...mergeDefaults(c, defaults, label));
    }
    if (notes.length) out.metadata.annotations = { ...(out.metadata.annotations ?? {}), [ANNOTATION]: `LimitRanger plugin set: ${notes.join('; ')}` };
  }
  return out;
}

function mergeDefaults(c: Container, defaults: { limits: Record<string, unknown>; requests: Record<string, unknown> }, label: string): string[] {
  const resources = (c.resources ??= {});
  const set = { limits: [] as string[], requests: [] as string[] };
  for (const field of ['limits', 'requests'] as const) {
    for (const [name, value] of Object.entries(defaults[field])) {
      const current = (resources[field] ??= {});
      if (current[name] !== undefined) continue;
      current[name] = value;
      set[field].push(name);
    }
    if (resources[field] && Object.keys(resources[field]).length === 0) delete resources[field];
  }
  const notes: string[] = [];
  if (set.requests.length) notes.push(`${set.requests.sort().join(', ')} request for ${label} ${c.name ?? ''}`);
  if (set.limits.length) notes.push(`${set.limits.sort().join(', ')} limit for ${label} ${c.name ?? ''}`);
  return notes;
}

function asObject(v: unknown): Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
}

/** Every min/max/ratio violation of `pod` against the LimitRanges, worded as Kubernetes words them. */
export function limitRangeViolations(pod: KubeObject, limitRanges: readonly KubeObject[]): string[] {
  const errs: string[] = [];
  for (const lr of limitRanges) {
    for (const item of itemsOf(lr)) {
      if (item.type === 'Container') {
        for (const c of [...containers(pod, 'containers'), ...containers(pod, 'initContainers')]) {
          checkItem(item, 'Container', parseResourceList(c.resources?.requests), parseResourceList(c.resources?.limits), errs);
        }
      } else if (item.type === 'Pod') {
        const total = (field: 'requests' | 'limits') => podTotal(pod, (c) => parseResourceList(c.resources?.[field]));
        checkItem(item, 'Pod', total('requests'), total('limits'), errs);
      }
    }
  }
  return [...new Set(errs)];
}

function checkItem(item: LimitRangeItem, type: string, requests: ResourceList, limits: ResourceList, errs: string[]): void {
  const s = formatQuantity;
  for (const [name, enforced] of Object.entries(parseResourceList(item.min))) {
    const req = requests[name];
    const lim = limits[name];
    if (!req) errs.push(`minimum ${name} usage per ${type} is ${s(enforced)}.  No request is specified`);
    else if (lessMilli(req, enforced)) errs.push(`minimum ${name} usage per ${type} is ${s(enforced)}, but request is ${s(req)}`);
    else if (lim && lessMilli(lim, enforced)) errs.push(`minimum ${name} usage per ${type} is ${s(enforced)}, but limit is ${s(lim)}`);
  }
  for (const [name, enforced] of Object.entries(parseResourceList(item.max))) {
    const req = requests[name];
    const lim = limits[name];
    if (!lim) errs.push(`maximum ${name} usage per ${type} is ${s(enforced)}.  No limit is specified`);
    else if (lessMilli(enforced, lim)) errs.push(`maximum ${name} usage per ${type} is ${s(enforced)}, but limit is ${s(lim)}`);
    else if (req && lessMilli(enforced, req)) errs.push(`maximum ${name} usage per ${type} is ${s(enforced)}, but request is ${s(req)}`);
  }
  for (const [name, enforced] of Object.entries(parseResourceList(item.maxLimitRequestRatio))) {
    const req = requests[name];
    const lim = limits[name];
    if (!req || milliValue(req) === 0n) {
      errs.push(`${name} max limit to request ratio per ${type} is ${s(enforced)}, but no request is specified or request is 0`);
      continue;
    }
    if (!lim || milliValue(lim) === 0n) {
      errs.push(`${name} max limit to request ratio per ${type} is ${s(enforced)}, but no limit is specified or limit is 0`);
      continue;
    }
    // limit 1, request 250m, ratio 2: 1000/250 = 4 > 2, refused ("provided ratio is 4.000000").
    const observed = Number(milliValue(lim)) / Number(milliValue(req));
    if (observed * 1000 > Number(milliValue(enforced))) {
      errs.push(`${name} max limit to request ratio per ${type} is ${s(enforced)}, but provided ratio is ${observed.toFixed(6)}`);
    }
  }
}

/** a < b at Kubernetes' comparison precision (thousandths, rounded up). */
function lessMilli(a: ExactQuantity, b: ExactQuantity): boolean {
  return milliValue(a) < milliValue(b);
}
