/**
 * What Kubernetes knows about the resource names a ResourceQuota may hold (pkg/apis/core/helper):
 * which are standard, which count whole objects, and which scopes may restrict which names.
 */

/** Every standard resource name (containers, quotas, storage). */
export const STANDARD_RESOURCES: ReadonlySet<string> = new Set([
  'cpu', 'memory', 'ephemeral-storage',
  'requests.cpu', 'requests.memory', 'requests.ephemeral-storage',
  'limits.cpu', 'limits.memory', 'limits.ephemeral-storage',
  'pods', 'resourcequotas', 'services', 'replicationcontrollers', 'secrets', 'configmaps', 'persistentvolumeclaims',
  'storage', 'requests.storage', 'services.nodeports', 'services.loadbalancers',
]);

export const STANDARD_QUOTA_RESOURCES: ReadonlySet<string> = new Set([
  'cpu', 'memory', 'ephemeral-storage',
  'requests.cpu', 'requests.memory', 'requests.storage', 'requests.ephemeral-storage',
  'limits.cpu', 'limits.memory', 'limits.ephemeral-storage',
  'pods', 'resourcequotas', 'services', 'replicationcontrollers', 'secrets', 'persistentvolumeclaims', 'configmaps',
  'services.nodeports', 'services.loadbalancers',
]);

const INTEGER_RESOURCES: ReadonlySet<string> = new Set([
  'pods', 'resourcequotas', 'services', 'replicationcontrollers', 'secrets', 'configmaps', 'persistentvolumeclaims',
  'services.nodeports', 'services.loadbalancers',
]);

export function isQuotaHugePageResourceName(name: string): boolean {
  return name.startsWith('hugepages-') || name.startsWith('requests.hugepages-');
}

export function isStandardResourceName(name: string): boolean {
  return STANDARD_RESOURCES.has(name) || isQuotaHugePageResourceName(name);
}

export function isStandardQuotaResourceName(name: string): boolean {
  return STANDARD_QUOTA_RESOURCES.has(name) || isQuotaHugePageResourceName(name);
}

/** Names counted in whole units: object counts and extended resources (anything with a non-kubernetes.io prefix, `count/...` included). */
export function isIntegerResourceName(name: string): boolean {
  if (INTEGER_RESOURCES.has(name)) return true;
  return name.includes('/') && !name.includes('kubernetes.io/') && !name.startsWith('requests.');
}

export const QUOTA_SCOPES = ['Terminating', 'NotTerminating', 'BestEffort', 'NotBestEffort', 'PriorityClass', 'CrossNamespacePodAffinity'] as const;

const POD_COMPUTE_RESOURCES: ReadonlySet<string> = new Set(['pods', 'cpu', 'memory', 'requests.cpu', 'requests.memory', 'limits.cpu', 'limits.memory', 'ephemeral-storage', 'requests.ephemeral-storage', 'limits.ephemeral-storage']);

/** BestEffort pods have no compute requests, so that scope can only count pods. */
export function isScopeValidForResource(scope: string, resource: string): boolean {
  if (scope === 'BestEffort') return resource === 'pods';
  if (scope === 'CrossNamespacePodAffinity') return resource === 'pods';
  if (QUOTA_SCOPES.includes(scope as (typeof QUOTA_SCOPES)[number])) return POD_COMPUTE_RESOURCES.has(resource) || isQuotaHugePageResourceName(resource);
  return false;
}
