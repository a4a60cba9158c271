/**
 * The registry of served kinds, as data. Discovery, routing, validation and printing all read it;
 * adding a kind starts here.
 */

export type Subresource = 'status' | 'scale' | 'log' | 'binding' | 'exec' | 'attach' | 'portforward' | 'ephemeralcontainers';

export interface ResourceType {
  group: string;
  version: string;
  /** Plural, lower case: the URL segment. */
  resource: string;
  singular: string;
  kind: string;
  listKind: string;
  namespaced: boolean;
  shortNames: string[];
  categories: string[];
  verbs: string[];
  subresources: Subresource[];
  /**
   * A delete answers with the deleted object (Kubernetes' ReturnDeletedObject: pods, services,
   * namespaces); other kinds answer with a Status naming what was deleted.
   */
  returnsDeletedObject?: boolean;
}

const ALL_VERBS = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'];

function type(
  group: string,
  version: string,
  resource: string,
  kind: string,
  namespaced: boolean,
  opts: { shortNames?: string[]; categories?: string[]; subresources?: Subresource[]; verbs?: string[]; returnsDeletedObject?: boolean } = {},
): ResourceType {
  return {
    group,
    version,
    resource,
    singular: kind.toLowerCase(),
    kind,
    listKind: `${kind}List`,
    namespaced,
    shortNames: opts.shortNames ?? [],
    categories: opts.categories ?? [],
    verbs: opts.verbs ?? ALL_VERBS,
    subresources: opts.subresources ?? [],
    ...(opts.returnsDeletedObject ? { returnsDeletedObject: true } : {}),
  };
}

export const RESOURCE_TYPES: readonly ResourceType[] = [
  type('', 'v1', 'namespaces', 'Namespace', false, { shortNames: ['ns'], subresources: ['status'], verbs: ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'], returnsDeletedObject: true }),
  type('', 'v1', 'nodes', 'Node', false, { shortNames: ['no'], subresources: ['status'] }),
  type('', 'v1', 'pods', 'Pod', true, { shortNames: ['po'], categories: ['all'], subresources: ['status', 'log', 'binding', 'exec', 'attach', 'portforward', 'ephemeralcontainers'], returnsDeletedObject: true }),
  type('', 'v1', 'services', 'Service', true, { shortNames: ['svc'], categories: ['all'], subresources: ['status'], verbs: ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'], returnsDeletedObject: true }),
  type('', 'v1', 'endpoints', 'Endpoints', true, { shortNames: ['ep'] }),
  type('', 'v1', 'configmaps', 'ConfigMap', true, { shortNames: ['cm'] }),
  type('', 'v1', 'secrets', 'Secret', true),
  type('', 'v1', 'events', 'Event', true, { shortNames: ['ev'] }),
  type('', 'v1', 'resourcequotas', 'ResourceQuota', true, { shortNames: ['quota'], subresources: ['status'] }),
  type('', 'v1', 'limitranges', 'LimitRange', true, { shortNames: ['limits'] }),
  type('coordination.k8s.io', 'v1', 'leases', 'Lease', true),
  type('apps', 'v1', 'deployments', 'Deployment', true, { shortNames: ['deploy'], categories: ['all'], subresources: ['status', 'scale'] }),
  type('apps', 'v1', 'replicasets', 'ReplicaSet', true, { shortNames: ['rs'], categories: ['all'], subresources: ['status', 'scale'] }),
  // Argo CD's short name, so `kubectl get app` reads the same on both.
  type('skiff.dev', 'v1alpha1', 'applications', 'Application', true, { shortNames: ['app'], subresources: ['status'] }),
  type('skiff.dev', 'v1alpha1', 'webhooks', 'Webhook', true, { subresources: ['status'] }),
];

/** API groups in discovery order, with their versions; a group may be served before it has kinds. */
export const API_GROUPS: readonly { group: string; versions: string[] }[] = [
  { group: 'apps', versions: ['v1'] },
  { group: 'coordination.k8s.io', versions: ['v1'] },
  { group: 'skiff.dev', versions: ['v1alpha1'] },
];

export function groupVersion(t: Pick<ResourceType, 'group' | 'version'>): string {
  return t.group ? `${t.group}/${t.version}` : t.version;
}

export function findResource(group: string, version: string, resource: string): ResourceType | undefined {
  return RESOURCE_TYPES.find((t) => t.group === group && t.version === version && t.resource === resource);
}

export function findByKind(apiVersion: string, kind: string): ResourceType | undefined {
  return RESOURCE_TYPES.find((t) => groupVersion(t) === apiVersion && t.kind === kind);
}

export function resourcesIn(group: string, version: string): ResourceType[] {
  return RESOURCE_TYPES.filter((t) => t.group === group && t.version === version);
}
