import { addQuantities, compareQuantities, quantityOfInt } from '../exactQuantity.js';
import type { KubeObject } from '../types.js';
import { addResourceLists, parseResourceList, type ResourceList } from './resourceList.js';

/**
 * What an object uses of a ResourceQuota (Kubernetes' quota evaluators in pkg/quota/v1/evaluator/core
 * and the generic object-count evaluator): pods count themselves and their compute requests and
 * limits, Services their node ports and load balancers, every kind its `count/<resource>.<group>`.
 */

export interface CountedType {
  group: string;
  resource: string;
}

/** Kinds whose plain name is also a quota resource (`configmaps: 10` as well as `count/configmaps`). */
const LEGACY_COUNTED = new Set(['pods', 'services', 'configmaps', 'secrets', 'replicationcontrollers', 'resourcequotas', 'persistentvolumeclaims']);

const POD_COMPUTE = /^(cpu|memory|ephemeral-storage|requests\.(cpu|memory|ephemeral-storage)|limits\.(cpu|memory|ephemeral-storage)|hugepages-.+|requests\..+)$/;

export function objectCountName(t: CountedType): string {
  return t.group ? `count/${t.resource}.${t.group}` : `count/${t.resource}`;
}

/** The kind a quota resource name counts, e.g. `count/deployments.apps`, `requests.cpu` -> pods; undefined for names no kind uses. */
export function countedTypeOf(name: string): CountedType | undefined {
  if (name.startsWith('count/')) {
    const rest = name.slice('count/'.length);
    const dot = rest.indexOf('.');
    return dot < 0 ? { group: '', resource: rest } : { group: rest.slice(dot + 1), resource: rest.slice(0, dot) };
  }
  if (name === 'services.nodeports' || name === 'services.loadbalancers') return { group: '', resource: 'services' };
  // Storage requests, also per storage class (`gold.storageclass.storage.k8s.io/requests.storage`), are claims'.
  if (name === 'requests.storage' || name.includes('.storageclass.storage.k8s.io/')) return { group: '', resource: 'persistentvolumeclaims' };
  if (LEGACY_COUNTED.has(name)) return { group: '', resource: name };
  if (POD_COMPUTE.test(name)) return { group: '', resource: 'pods' };
  return undefined;
}

/** The quota names among `names` that objects of `t` use. */
export function matchingResources(t: CountedType, names: Iterable<string>): string[] {
  return [...names].filter((name) => {
    const counted = countedTypeOf(name);
    return counted?.group === t.group && counted.resource === t.resource;
  });
}

export function usageOf(t: CountedType, obj: KubeObject): ResourceList {
  const count: ResourceList = { [objectCountName(t)]: quantityOfInt(1) };
  if (t.group !== '') return count;
  if (t.resource === 'pods') return isPodCounted(obj) ? addResourceLists(count, podComputeUsage(obj)) : count;
  if (t.resource === 'services') return addResourceLists(count, serviceUsage(obj));
  if (LEGACY_COUNTED.has(t.resource)) count[t.resource] = quantityOfInt(1);
  return count;
}

export type Container = { name?: string; resources?: { requests?: unknown; limits?: unknown } };

function containersOf(pod: KubeObject, field: 'containers' | 'initContainers'): Container[] {
  const list = (pod.spec as Record<string, unknown> | undefined)?.[field];
  return Array.isArray(list) ? (list as Container[]) : [];
}

/** Finished pods no longer hold their compute resources. */
function isPodCounted(pod: KubeObject): boolean {
  const phase = (pod.status as { phase?: string } | undefined)?.phase;
  return phase !== 'Succeeded' && phase !== 'Failed';
}

/** One container's usage, as the quota names it: `cpu` and `requests.cpu` both from the request. */
export function containerUsage(c: Container): ResourceList {
  const requests = parseResourceList(c.resources?.requests);
  const limits = parseResourceList(c.resources?.limits);
  const out: ResourceList = { pods: quantityOfInt(1) };
  for (const [name, q] of Object.entries(requests)) {
    if (name === 'cpu' || name === 'memory' || name === 'ephemeral-storage' || name.startsWith('hugepages-')) out[name] = q;
    out[`requests.${name}`] = q;
  }
  for (const [name, q] of Object.entries(limits)) {
    if (name === 'cpu' || name === 'memory' || name === 'ephemeral-storage') out[`limits.${name}`] = q;
  }
  return out;
}

/**
 * A pod-wide total of something each container has: containers add up; init containers run one
 * at a time, so each only raises the total to its own size (containers 100m + 200m, init 500m ->
 * 500m; init 250m -> 300m).
 */
export function podTotal(pod: KubeObject, perContainer: (c: Container) => ResourceList): ResourceList {
  let sum: ResourceList = {};
  for (const c of containersOf(pod, 'containers')) sum = addResourceLists(sum, perContainer(c));
  for (const c of containersOf(pod, 'initContainers')) {
    for (const [name, q] of Object.entries(perContainer(c))) {
      if (!(name in sum) || compareQuantities(q, sum[name]) > 0) sum[name] = q;
    }
  }
  return sum;
}

export function podComputeUsage(pod: KubeObject): ResourceList {
  const sum = podTotal(pod, (c) => withoutPods(containerUsage(c)));
  const overhead = parseResourceList((pod.spec as Record<string, unknown> | undefined)?.overhead);
  for (const [name, q] of Object.entries(overhead)) {
    for (const key of [name, `requests.${name}`, `limits.${name}`]) if (key in sum) sum[key] = addQuantities(sum[key], q);
  }
  return { ...sum, pods: quantityOfInt(1) };
}

function withoutPods(list: ResourceList): ResourceList {
  const { pods: _pods, ...rest } = list;
  return rest;
}

function serviceUsage(svc: KubeObject): ResourceList {
  const spec = (svc.spec ?? {}) as { type?: string; ports?: unknown[]; allocateLoadBalancerNodePorts?: boolean };
  const ports = Array.isArray(spec.ports) ? spec.ports.length : 0;
  const out: ResourceList = { services: quantityOfInt(1) };
  if (spec.type === 'NodePort') out['services.nodeports'] = quantityOfInt(ports);
  if (spec.type === 'LoadBalancer') {
    out['services.loadbalancers'] = quantityOfInt(1);
    out['services.nodeports'] = quantityOfInt(spec.allocateLoadBalancerNodePorts === false ? 0 : ports);
  }
  return out;
}

/** The compute names Kubernetes insists every container states once a quota limits them. */
const VALIDATED = ['cpu', 'memory', 'requests.cpu', 'requests.memory', 'limits.cpu', 'limits.memory'];

/**
 * "must specify limits.cpu for: a,b; requests.memory for: a" when a quota on `required` names
 * compute resources some container leaves unset; undefined when every container states them.
 */
export function podConstraintsError(required: readonly string[], pod: KubeObject): string | undefined {
  const wanted = required.filter((r) => VALIDATED.includes(r));
  const missing = new Map<string, Set<string>>();
  for (const c of [...containersOf(pod, 'containers'), ...containersOf(pod, 'initContainers')]) {
    const has = containerUsage(c);
    for (const r of wanted) if (!(r in has)) missing.set(r, (missing.get(r) ?? new Set()).add(String(c.name ?? '')));
  }
  if (missing.size === 0) return undefined;
  const parts = [...missing.keys()].sort().map((r) => `${r} for: ${[...missing.get(r)!].sort().join(',')}`);
  return `must specify ${parts.join('; ')}`;
}
