import { DEFAULT_PROJECT, globMatch, redactCredentials, type DestinationServiceAccount } from '@skiff/apimachinery';

export { globMatch };

/** The rules of an argoproj.io AppProject that Skiff enforces. */
export interface AppProjectSpec {
  sourceRepos?: string[];
  destinations?: { server?: string; name?: string; namespace?: string }[];
  clusterResourceWhitelist?: GroupKind[];
  clusterResourceBlacklist?: GroupKind[];
  namespaceResourceWhitelist?: GroupKind[];
  namespaceResourceBlacklist?: GroupKind[];
  /** Argo CD's sync impersonation: the account an Application of this project applies as, by destination. */
  destinationServiceAccounts?: DestinationServiceAccount[];
}

export interface GroupKind {
  group?: string;
  kind: string;
}

/** The `default` project, as Argo CD creates it: any repository, any destination, any kind. */
export const DEFAULT_PROJECT_SPEC: AppProjectSpec = {
  sourceRepos: ['*'],
  destinations: [{ server: '*', name: '*', namespace: '*' }],
  clusterResourceWhitelist: [{ group: '*', kind: '*' }],
};

export function defaultProject(namespace: string) {
  return { apiVersion: 'argoproj.io/v1alpha1', kind: 'AppProject', metadata: { name: DEFAULT_PROJECT, namespace }, spec: DEFAULT_PROJECT_SPEC };
}

/**
 * Whether a list of globs admits `value`: some plain entry matches and no `!`-entry does (a
 * `!pattern` denies, whatever else allows).
 */
function admits(patterns: readonly string[], value: string): boolean {
  const denied = patterns.some((p) => p.startsWith('!') && globMatch(p.slice(1), value));
  return !denied && patterns.some((p) => !p.startsWith('!') && globMatch(p, value));
}

/** Why the project refuses the Application's repository and destination, or undefined. */
export function projectRefusal(project: { name: string; spec: AppProjectSpec }, app: { repoURL: string; server: string; namespace: string }): string | undefined {
  const repoURL = redactCredentials(app.repoURL);
  if (!admits(project.spec.sourceRepos ?? [], repoURL)) return `application repo ${repoURL} is not permitted in project '${project.name}'`;
  const destinations = project.spec.destinations ?? [];
  const allowed = destinations.some((d) => {
    // A destination names its cluster by server URL or by name; either may match the local cluster.
    const cluster = (d.server !== undefined && d.server !== '' && admits([d.server], app.server)) || (d.name !== undefined && d.name !== '' && admits([d.name], 'in-cluster'));
    return cluster && admits([d.namespace ?? ''], app.namespace);
  });
  const denied = destinations.some((d) => d.namespace?.startsWith('!') && globMatch(d.namespace.slice(1), app.namespace));
  if (!allowed || denied) return `application destination {${app.server} ${app.namespace}} is not permitted in project '${project.name}'`;
  return undefined;
}

const matchesGroupKind = (list: readonly GroupKind[] | undefined, group: string, kind: string) => (list ?? []).some((gk) => globMatch(gk.group ?? '', group) && globMatch(gk.kind, kind));

/**
 * Whether the project lets its Applications manage objects of this kind. Cluster-scoped kinds
 * need a whitelist entry (none by default); namespaced kinds are allowed unless a whitelist is
 * given and misses them; a blacklist entry always refuses.
 */
export function projectAllowsKind(spec: AppProjectSpec, group: string, kind: string, namespaced: boolean): boolean {
  if (namespaced) {
    const white = spec.namespaceResourceWhitelist;
    return (!white?.length || matchesGroupKind(white, group, kind)) && !matchesGroupKind(spec.namespaceResourceBlacklist, group, kind);
  }
  return matchesGroupKind(spec.clusterResourceWhitelist, group, kind) && !matchesGroupKind(spec.clusterResourceBlacklist, group, kind);
}
