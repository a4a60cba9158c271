import { resourceType } from '@skiff/kube-client';
import type { ResourceType } from '@skiff/apimachinery';

export const PODS = resourceType('pods');
export const NODES = resourceType('nodes');
export const NAMESPACES = resourceType('namespaces');
export const EVENTS = resourceType('events');
export const LEASES = resourceType('leases', 'coordination.k8s.io');
export const REPLICASETS = resourceType('replicasets', 'apps');
export const DEPLOYMENTS = resourceType('deployments', 'apps');
export const SERVICES = resourceType('services');
export const ENDPOINTS = resourceType('endpoints');
export const RESOURCEQUOTAS = resourceType('resourcequotas');
export const SERVICEACCOUNTS = resourceType('serviceaccounts');
export const CONFIGMAPS = resourceType('configmaps');
export const HORIZONTAL_POD_AUTOSCALERS = resourceType('horizontalpodautoscalers', 'autoscaling');
export const JOBS = resourceType('jobs', 'batch');
export const CRONJOBS = resourceType('cronjobs', 'batch');
export const PODDISRUPTIONBUDGETS = resourceType('poddisruptionbudgets', 'policy');
export const ENDPOINTSLICES = resourceType('endpointslices', 'discovery.k8s.io');
export const PERSISTENTVOLUMES = resourceType('persistentvolumes');
export const PERSISTENTVOLUMECLAIMS = resourceType('persistentvolumeclaims');
export const STORAGECLASSES = resourceType('storageclasses', 'storage.k8s.io');
export const STATEFULSETS = resourceType('statefulsets', 'apps');
export const CONTROLLERREVISIONS = resourceType('controllerrevisions', 'apps');

/**
 * PersistentVolumeClaims, looked up when first used: a StatefulSet without claim templates never
 * needs them, so the controller manager runs against an API server that does not serve them.
 */
export function persistentVolumeClaims(): ResourceType {
  return resourceType('persistentvolumeclaims');
}
export const DAEMONSETS = resourceType('daemonsets', 'apps');
export const REPLICATIONCONTROLLERS = resourceType('replicationcontrollers');
