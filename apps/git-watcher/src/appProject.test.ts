import { describe, expect, it } from 'vitest';
import { DEFAULT_PROJECT_SPEC, globMatch, projectAllowsKind, projectRefusal, type AppProjectSpec } from './appProject.js';

const LOCAL = 'https://kubernetes.default.svc';

describe('AppProject rules', () => {
  it.each([
    { pattern: '*', value: 'https://git.example.com/a/b.git', match: true },
    { pattern: 'https://git.example.com/team/*', value: 'https://git.example.com/team/app.git', match: true },
    { pattern: 'https://git.example.com/team/*', value: 'https://git.example.com/other/app.git', match: false },
    { pattern: 'team-?', value: 'team-a', match: true },
    { pattern: 'a.b', value: 'aXb', match: false },
  ])('glob $pattern ~ $value: $match', ({ pattern, value, match }) => {
    expect(globMatch(pattern, value)).toBe(match);
  });

  const team: AppProjectSpec = {
    sourceRepos: ['https://git.example.com/team/*', '!https://git.example.com/team/secret*'],
    destinations: [{ server: LOCAL, namespace: 'team-*' }, { name: 'in-cluster', namespace: 'shared' }],
  };
  it.each([
    { repoURL: 'https://git.example.com/team/app', namespace: 'team-dev', refusal: undefined },
    { repoURL: 'https://git.example.com/team/app', namespace: 'shared', refusal: undefined },
    { repoURL: 'https://git.example.com/other/app', namespace: 'team-dev', refusal: "application repo https://git.example.com/other/app is not permitted in project 'team'" },
    { repoURL: 'https://git.example.com/team/secret-app', namespace: 'team-dev', refusal: "application repo https://git.example.com/team/secret-app is not permitted in project 'team'" },
    { repoURL: 'https://git.example.com/team/app', namespace: 'payments', refusal: `application destination {${LOCAL} payments} is not permitted in project 'team'` },
  ])('$repoURL -> $namespace', ({ repoURL, namespace, refusal }) => {
    expect(projectRefusal({ name: 'team', spec: team }, { repoURL, server: LOCAL, namespace })).toBe(refusal);
  });

  it('the default project allows any repository, destination and kind', () => {
    expect(projectRefusal({ name: 'default', spec: DEFAULT_PROJECT_SPEC }, { repoURL: '/srv/git/x', server: LOCAL, namespace: 'anything' })).toBeUndefined();
    expect(projectAllowsKind(DEFAULT_PROJECT_SPEC, '', 'Namespace', false)).toBe(true);
    expect(projectAllowsKind(DEFAULT_PROJECT_SPEC, 'apps', 'Deployment', true)).toBe(true);
  });

  it.each([
    { spec: {}, group: '', kind: 'Namespace', namespaced: false, allowed: false },
    { spec: {}, group: 'apps', kind: 'Deployment', namespaced: true, allowed: true },
    { spec: { namespaceResourceWhitelist: [{ group: 'apps', kind: '*' }] }, group: '', kind: 'ConfigMap', namespaced: true, allowed: false },
    { spec: { namespaceResourceWhitelist: [{ group: 'apps', kind: '*' }] }, group: 'apps', kind: 'Deployment', namespaced: true, allowed: true },
    { spec: { namespaceResourceBlacklist: [{ group: '', kind: 'Secret' }] }, group: '', kind: 'Secret', namespaced: true, allowed: false },
    { spec: { clusterResourceWhitelist: [{ group: '*', kind: '*' }], clusterResourceBlacklist: [{ group: 'rbac.authorization.k8s.io', kind: '*' }] }, group: 'rbac.authorization.k8s.io', kind: 'ClusterRole', namespaced: false, allowed: false },
  ])('kind $group/$kind in $spec: $allowed', ({ spec, group, kind, namespaced, allowed }) => {
    expect(projectAllowsKind(spec as AppProjectSpec, group, kind, namespaced)).toBe(allowed);
  });
});
