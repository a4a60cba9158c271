import { findByKind, resourceType, type ResourceType, type Subresource } from '@skiff/apimachinery';
import type { ApiClient } from './client.js';

interface ApiResource {
  name: string;
  singularName?: string;
  namespaced: boolean;
  kind: string;
  verbs: string[];
  shortNames?: string[];
  categories?: string[];
}

interface ApiResourceList {
  groupVersion: string;
  resources: ApiResource[];
}

interface ApiGroupList {
  groups: { name: string; preferredVersion?: { groupVersion: string }; versions: { groupVersion: string }[] }[];
}

/**
 * Which resource serves a kind, for kinds this build does not know (custom resources): asks the
 * API server's discovery documents, as kubectl's RESTMapper does, and keeps what it learnt. A
 * kind missing from the cache refreshes its group version once, so a CRD installed a moment ago
 * is found; built-in kinds never cost a request.
 */
export class ApiDiscovery {
  private readonly byGroupVersion = new Map<string, ResourceType[]>();

  constructor(private readonly client: ApiClient) {}

  /** The resource of `kind` in `apiVersion`, or undefined when the server does not serve it. */
  async resourceFor(apiVersion: string, kind: string): Promise<ResourceType | undefined> {
    const known = findByKind(apiVersion, kind);
    if (known) return known;
    const cached = this.byGroupVersion.get(apiVersion)?.find((t) => t.kind === kind);
    if (cached) return cached;
    return (await this.refresh(apiVersion)).find((t) => t.kind === kind);
  }

  /** Forgets what was learnt about `apiVersion` (its CRD changed or went). */
  forget(apiVersion: string): void {
    this.byGroupVersion.delete(apiVersion);
  }

  /**
   * Every resource the server serves in each group's preferred version (what a namespace's
   * deletion or the garbage collector must cover), custom resources included.
   */
  async serverPreferredResources(): Promise<ResourceType[]> {
    const groups = await this.client.request<ApiGroupList>('GET', '/apis');
    const versions = ['v1', ...groups.groups.map((g) => g.preferredVersion?.groupVersion ?? g.versions[0].groupVersion)];
    const lists = await Promise.all(versions.map((gv) => this.refresh(gv)));
    return lists.flat();
  }

  private async refresh(apiVersion: string): Promise<ResourceType[]> {
    const path = apiVersion.includes('/') ? `/apis/${apiVersion}` : `/api/${apiVersion}`;
    let list: ApiResourceList;
    try {
      list = await this.client.request<ApiResourceList>('GET', path);
    } catch (err) {
      if ((err as { code?: number }).code === 404) {
        this.byGroupVersion.delete(apiVersion);
        return [];
      }
      throw err;
    }
    const types = resourceTypesOf(list);
    this.byGroupVersion.set(apiVersion, types);
    return types;
  }
}

/** The resources of an APIResourceList (subresources, `pods/log`, are left out). */
export function resourceTypesOf(list: ApiResourceList): ResourceType[] {
  const [group, version] = list.groupVersion.includes('/') ? list.groupVersion.split('/') : ['', list.groupVersion];
  const top = list.resources.filter((r) => !r.name.includes('/'));
  return top.map((r) => {
    const subresources = list.resources.filter((s) => s.name.startsWith(`${r.name}/`)).map((s) => s.name.split('/')[1] as Subresource);
    const known = findByKind(list.groupVersion, r.kind);
    if (known) return known;
    return resourceType(group, version, r.name, r.kind, r.namespaced, { shortNames: r.shortNames, categories: r.categories, verbs: r.verbs, subresources, singular: r.singularName || undefined });
  });
}
