import { resourceType } from '@skiff/kube-client';

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
export const CONFIGMAPS = resourceType('configmaps');
export const HORIZONTAL_POD_AUTOSCALERS = resourceType('horizontalpodautoscalers', 'autoscaling');
export const JOBS = resourceType('jobs', 'batch');
export const CRONJOBS = resourceType('cronjobs', 'batch');
export const PODDISRUPTIONBUDGETS = resourceType('poddisruptionbudgets', 'policy');
