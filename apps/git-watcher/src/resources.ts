import { resourceType } from '@skiff/kube-client';

export const APPLICATIONS = resourceType('applications', 'skiff.dev');
export const NAMESPACES = resourceType('namespaces');
export const CONFIGMAPS = resourceType('configmaps');
export const SECRETS = resourceType('secrets');
export const SERVICES = resourceType('services');
export const PODS = resourceType('pods');
export const DEPLOYMENTS = resourceType('deployments', 'apps');
export const REPLICASETS = resourceType('replicasets', 'apps');

/** Kinds whose changes are watched for self-heal and health, and listed for pruning. */
export const MANAGED_KINDS = [NAMESPACES, CONFIGMAPS, SECRETS, SERVICES, DEPLOYMENTS];
