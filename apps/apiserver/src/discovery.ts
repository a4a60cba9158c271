import { groupVersion, type Kind, type KindRegistry } from '@skiff/apimachinery';

export function coreVersions(): object {
  return { kind: 'APIVersions', versions: ['v1'], serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress: '127.0.0.1' }] };
}

export function apiGroupList(kinds: KindRegistry, served: object[] = []): object {
  return {
    kind: 'APIGroupList',
    apiVersion: 'v1',
    // A group is advertised once it serves a kind: kubectl treats an empty group as an error.
    groups: [
      ...kinds.groups().filter((g) => g.versions.some((v) => kinds.resourcesIn(g.group, v).length > 0)).map((g) => apiGroup(g.group, g.versions)),
      // Served by the API server from the node agents (metricsApi.ts), as metrics-server's APIService would be.
      apiGroup('metrics.k8s.io', ['v1beta1']),
      // Groups served by handlers of their own, not as stored kinds (the authorization reviews).
      ...served,
    ],
  };
}

export function apiGroup(group: string, versions: string[]): object {
  const list = versions.map((v) => ({ groupVersion: `${group}/${v}`, version: v }));
  return { kind: 'APIGroup', apiVersion: 'v1', name: group, versions: list, preferredVersion: list[0] };
}

function subresourceEntry(t: Kind, sub: string): object | undefined {
  switch (sub) {
    case 'status':
      return { name: `${t.resource}/status`, singularName: '', namespaced: t.namespaced, kind: t.kind, verbs: ['get', 'patch', 'update'] };
    case 'scale':
      return { name: `${t.resource}/scale`, singularName: '', namespaced: t.namespaced, group: 'autoscaling', version: 'v1', kind: 'Scale', verbs: ['get', 'patch', 'update'] };
    case 'log':
      return { name: `${t.resource}/log`, singularName: '', namespaced: t.namespaced, kind: t.kind, verbs: ['get'] };
    case 'exec':
      return { name: `${t.resource}/exec`, singularName: '', namespaced: t.namespaced, kind: 'PodExecOptions', verbs: ['create', 'get'] };
    case 'attach':
      return { name: `${t.resource}/attach`, singularName: '', namespaced: t.namespaced, kind: 'PodAttachOptions', verbs: ['create', 'get'] };
    case 'portforward':
      return { name: `${t.resource}/portforward`, singularName: '', namespaced: t.namespaced, kind: 'PodPortForwardOptions', verbs: ['create', 'get'] };
    case 'ephemeralcontainers':
      return { name: `${t.resource}/ephemeralcontainers`, singularName: '', namespaced: t.namespaced, kind: t.kind, verbs: ['get', 'patch', 'update'] };
    case 'eviction':
      return { name: `${t.resource}/eviction`, singularName: '', namespaced: t.namespaced, group: 'policy', version: 'v1', kind: 'Eviction', verbs: ['create'] };
    case 'token':
      return { name: `${t.resource}/token`, singularName: '', namespaced: t.namespaced, group: 'authentication.k8s.io', version: 'v1', kind: 'TokenRequest', verbs: ['create'] };
    case 'binding':
      return { name: `${t.resource}/binding`, singularName: '', namespaced: t.namespaced, kind: 'Binding', verbs: ['create'] };
    default:
      return undefined;
  }
}

export function apiResourceList(kinds: KindRegistry, group: string, version: string): object {
  const resources: object[] = [];
  for (const t of kinds.resourcesIn(group, version)) {
    resources.push({
      name: t.resource,
      singularName: t.singular,
      namespaced: t.namespaced,
      kind: t.kind,
      verbs: t.verbs,
      ...(t.shortNames.length ? { shortNames: t.shortNames } : {}),
      ...(t.categories.length ? { categories: t.categories } : {}),
      storageVersionHash: Buffer.from(`${groupVersion(t)}/${t.kind}`).toString('base64').slice(0, 11),
    });
    for (const sub of t.subresources) {
      const entry = subresourceEntry(t, sub);
      if (entry) resources.push(entry);
    }
  }
  return { kind: 'APIResourceList', apiVersion: 'v1', groupVersion: group ? `${group}/${version}` : version, resources };
}
