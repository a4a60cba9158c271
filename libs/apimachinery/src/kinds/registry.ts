import { applyKindDefaults } from '../defaults.js';
import { patchSchemaOf, type PatchSchema } from '../patchSchema.js';
import { groupVersion } from '../resources.js';
import type { KubeObject } from '../types.js';
import { CUSTOM_RESOURCE_DEFINITION } from './apiextensions.js';
import { CONTROLLER_REVISION, DAEMON_SET, DEPLOYMENT, REPLICA_SET, STATEFUL_SET } from './apps.js';
import { HORIZONTAL_POD_AUTOSCALER, HORIZONTAL_POD_AUTOSCALER_V1 } from './autoscaling.js';
import { CRON_JOB, JOB } from './batch.js';
import { LEASE } from './coordination.js';
import { ENDPOINT_SLICE } from './discovery.js';
import { CONFIG_MAP, ENDPOINTS, EVENT, LIMIT_RANGE, NAMESPACE, NODE, POD, REPLICATION_CONTROLLER, RESOURCE_QUOTA, SECRET, SERVICE } from './core.js';
import type { Kind } from './kind.js';
import { INGRESS, INGRESS_CLASS } from './networking.js';
import { POD_DISRUPTION_BUDGET } from './policy.js';
import { CLUSTER_ROLE, CLUSTER_ROLE_BINDING, ROLE, ROLE_BINDING, SERVICE_ACCOUNT } from './rbac.js';
import { APPLICATION, WEBHOOK } from './skiff.js';
import { APP_PROJECT, APPLICATION_SET, ARGO_APPLICATION } from './argoproj.js';
import { IMAGE_POLICY, IMAGE_REPOSITORY, IMAGE_UPDATE_AUTOMATION } from './image.js';
import { PERSISTENT_VOLUME, PERSISTENT_VOLUME_CLAIM, STORAGE_CLASS } from './storage.js';

/**
 * The kinds Skiff serves, in discovery order. Adding a kind: write its definition (a `Kind`, in
 * the file of its API group) and list it here; if its group is new, add the group to `API_GROUPS`.
 */
export const RESOURCE_TYPES: readonly Kind[] = [
  NAMESPACE,
  NODE,
  POD,
  SERVICE,
  ENDPOINTS,
  CONFIG_MAP,
  SECRET,
  SERVICE_ACCOUNT,
  EVENT,
  RESOURCE_QUOTA,
  LIMIT_RANGE,
  PERSISTENT_VOLUME,
  PERSISTENT_VOLUME_CLAIM,
  REPLICATION_CONTROLLER,
  LEASE,
  ENDPOINT_SLICE,
  INGRESS,
  INGRESS_CLASS,
  CONTROLLER_REVISION,
  DEPLOYMENT,
  REPLICA_SET,
  STATEFUL_SET,
  DAEMON_SET,
  HORIZONTAL_POD_AUTOSCALER,
  JOB,
  CRON_JOB,
  POD_DISRUPTION_BUDGET,
  CLUSTER_ROLE_BINDING, CLUSTER_ROLE, ROLE_BINDING, ROLE,
  STORAGE_CLASS,
  APPLICATION,
  WEBHOOK,
  ARGO_APPLICATION,
  APP_PROJECT,
  APPLICATION_SET,
  CUSTOM_RESOURCE_DEFINITION,
  IMAGE_REPOSITORY, IMAGE_POLICY, IMAGE_UPDATE_AUTOMATION,
];

/** API groups in discovery order, with their versions; a group may be served before it has kinds. */
export const API_GROUPS: readonly { group: string; versions: string[] }[] = [
  { group: 'apps', versions: ['v1'] },
  { group: 'autoscaling', versions: ['v2', 'v1'] },
  { group: 'batch', versions: ['v1'] },
  { group: 'coordination.k8s.io', versions: ['v1'] },
  { group: 'discovery.k8s.io', versions: ['v1'] },
  { group: 'networking.k8s.io', versions: ['v1'] },
  { group: 'policy', versions: ['v1'] },
  { group: 'rbac.authorization.k8s.io', versions: ['v1'] },
  { group: 'storage.k8s.io', versions: ['v1'] },
  { group: 'skiff.dev', versions: ['v1alpha1'] },
  { group: 'argoproj.io', versions: ['v1alpha1'] },
  { group: 'apiextensions.k8s.io', versions: ['v1'] },
  { group: 'image.toolkit.fluxcd.io', versions: ['v1beta2'] },
];

/**
 * Other served versions of stored kinds (each with its `conversion`). They are not in
 * RESOURCE_TYPES: whatever walks every stored kind (quota, GC, namespace deletion) sees each
 * object once, in its storage version.
 */
export const CONVERTED_VERSIONS: readonly Kind[] = [HORIZONTAL_POD_AUTOSCALER_V1];

const SERVED: readonly Kind[] = [...RESOURCE_TYPES, ...CONVERTED_VERSIONS];

export function findResource(group: string, version: string, resource: string): Kind | undefined {
  return SERVED.find((t) => t.group === group && t.version === version && t.resource === resource);
}

export function findByKind(apiVersion: string, kind: string): Kind | undefined {
  return SERVED.find((t) => groupVersion(t) === apiVersion && t.kind === kind);
}

export function resourcesIn(group: string, version: string): Kind[] {
  return SERVED.filter((t) => t.group === group && t.version === version);
}

/** A defaulted copy of `obj` (Kubernetes' defaulting for its kind; other objects come back copied). */
export function applyDefaults(obj: KubeObject, kind: Kind | undefined = findByKind(obj.apiVersion, obj.kind)): KubeObject {
  return applyKindDefaults(obj, kind);
}

/** The strategic-merge schema of a served kind; unknown kinds merge lists atomically. */
export function patchSchemaFor(apiVersion: string, kind: string): PatchSchema {
  return patchSchemaOf(findByKind(apiVersion, kind));
}
