import { RESOURCE_TYPES } from '@skiff/apimachinery';
import { resourceType } from '@skiff/kube-client';

export const APPLICATIONS = resourceType('applications', 'skiff.dev');
export const ARGO_APPLICATIONS = resourceType('applications', 'argoproj.io');
export const APP_PROJECTS = resourceType('appprojects', 'argoproj.io');
export const APPLICATION_SETS = resourceType('applicationsets', 'argoproj.io');
export const NAMESPACES = resourceType('namespaces');
export const PODS = resourceType('pods');
export const DEPLOYMENTS = resourceType('deployments', 'apps');
export const REPLICASETS = resourceType('replicasets', 'apps');

/** Kinds an Application never manages: what components write about the cluster, not what git holds. */
const UNMANAGED = new Set(['/nodes', '/events', '/endpoints', 'coordination.k8s.io/leases']);

/** Every served kind an Application may hold: listed for pruning. */
export const MANAGED_KINDS = RESOURCE_TYPES.filter(
  (t) => !UNMANAGED.has(`${t.group}/${t.resource}`) && t.verbs.includes('list') && t.verbs.includes('watch') && t.verbs.includes('delete'),
);

/**
 * Managed kinds whose changes wake their Application (self-heal, health). Pods and ReplicaSets
 * are watched separately, since they also change the health of a Deployment that owns them.
 */
export const WATCHED_KINDS = MANAGED_KINDS.filter((t) => t !== PODS && t !== REPLICASETS && t !== APPLICATIONS && t !== ARGO_APPLICATIONS);
