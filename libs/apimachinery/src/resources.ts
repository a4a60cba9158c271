/**
 * How a kind is served: its group, version, URL segment, scope, names and subresources
 * (discovery, routing and authorization read this part of a kind's definition, `kinds/`).
 */

export type Subresource = 'status' | 'scale' | 'log' | 'binding' | 'exec' | 'attach' | 'portforward' | 'ephemeralcontainers' | 'eviction' | 'token';

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

export const ALL_VERBS: readonly string[] = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'];

export interface ResourceTypeOptions {
  shortNames?: string[];
  categories?: string[];
  subresources?: Subresource[];
  verbs?: readonly string[];
  returnsDeletedObject?: boolean;
  /** Default: the kind in lower case. */
  singular?: string;
}

/** A served resource's data, with Kubernetes' defaults (every verb, `<Kind>List`, no short names). */
export function resourceType(group: string, version: string, resource: string, kind: string, namespaced: boolean, opts: ResourceTypeOptions = {}): ResourceType {
  return {
    group,
    version,
    resource,
    singular: opts.singular ?? kind.toLowerCase(),
    kind,
    listKind: `${kind}List`,
    namespaced,
    shortNames: opts.shortNames ?? [],
    categories: opts.categories ?? [],
    verbs: [...(opts.verbs ?? ALL_VERBS)],
    subresources: opts.subresources ?? [],
    ...(opts.returnsDeletedObject ? { returnsDeletedObject: true } : {}),
  };
}

export function groupVersion(t: Pick<ResourceType, 'group' | 'version'>): string {
  return t.group ? `${t.group}/${t.version}` : t.version;
}
