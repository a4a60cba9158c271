import { describe, expect, it } from 'vitest';
import { CLUSTER_ROLE, CLUSTER_ROLE_BINDING, ROLE, ROLE_BINDING } from '../kinds/rbac.js';
import { applyDefaults } from '../kinds/registry.js';
import type { KubeObject } from '../types.js';
import { updateCauses, validationCauses } from '../validation.js';

const G = 'rbac.authorization.k8s.io';
const role = (rules: unknown[], kind = 'Role'): KubeObject => ({ apiVersion: `${G}/v1`, kind, metadata: { name: 'r', ...(kind === 'Role' ? { namespace: 'team' } : {}) }, rules } as KubeObject);
const binding = (roleRef: Record<string, unknown>, subjects: unknown[], kind = 'RoleBinding'): KubeObject =>
  applyDefaults({ apiVersion: `${G}/v1`, kind, metadata: { name: 'b', ...(kind === 'RoleBinding' ? { namespace: 'team' } : {}) }, roleRef, subjects } as KubeObject);
const messages = (o: KubeObject, kind = ROLE) => validationCauses(o, kind).map((c) => `${c.field}: ${c.message}`);

describe('Role and ClusterRole validation', () => {
  it.each([
    ['a resource rule', [{ verbs: ['get'], apiGroups: [''], resources: ['pods'] }], []],
    ['no verbs', [{ apiGroups: [''], resources: ['pods'] }], ['rules[0].verbs: Required value: verbs must contain at least one value']],
    ['no resources', [{ verbs: ['get'], apiGroups: [''] }], ['rules[0].resources: Required value: resource rules must supply at least one resource']],
    ['no api groups', [{ verbs: ['get'], resources: ['pods'] }], ['rules[0].apiGroups: Required value: resource rules must supply at least one api group']],
    ['a non-resource URL in a Role', [{ verbs: ['get'], nonResourceURLs: ['/healthz'] }], ['rules[0].nonResourceURLs: Invalid value: ["/healthz"]: namespaced rules cannot apply to non-resource URLs']],
  ])('Role: %s', (_, rules, expected) => {
    expect(messages(role(rules))).toEqual(expected);
  });

  it.each([
    ['a non-resource URL', [{ verbs: ['get'], nonResourceURLs: ['/healthz', '/metrics'] }], []],
    ['URLs and resources together', [{ verbs: ['get'], nonResourceURLs: ['/healthz'], resources: ['pods'] }], ['rules[0].nonResourceURLs: Invalid value: ["/healthz"]: rules cannot apply to both regular resources and non-resource URLs']],
  ])('ClusterRole: %s', (_, rules, expected) => {
    expect(messages(role(rules, 'ClusterRole'), CLUSTER_ROLE)).toEqual(expected);
  });

  it('accepts names with colons, as the system roles have', () => {
    const r = role([], 'ClusterRole');
    r.metadata.name = 'system:aggregate-to-view';
    expect(messages(r, CLUSTER_ROLE)).toEqual([]);
    r.metadata.name = 'a/b';
    expect(messages(r, CLUSTER_ROLE)).toEqual(["metadata.name: Invalid value: \"a/b\": may not contain '/'"]);
  });

  it('needs a selector in an aggregation rule', () => {
    const r = { ...role([], 'ClusterRole'), aggregationRule: { clusterRoleSelectors: [] } };
    expect(messages(r, CLUSTER_ROLE)).toEqual(['aggregationRule.clusterRoleSelectors: Required value: at least one clusterRoleSelector required if aggregationRule is non-nil']);
  });
});

describe('RoleBinding and ClusterRoleBinding validation', () => {
  const ref = { kind: 'Role', name: 'reader' };
  it.each([
    ['a service account and a user (groups defaulted)', ref, [{ kind: 'ServiceAccount', name: 'ci' }, { kind: 'User', name: 'alice' }], []],
    ['a roleRef of another kind', { kind: 'Secret', name: 'x' }, [], ['roleRef.kind: Unsupported value: "Secret": supported values: "Role", "ClusterRole"']],
    ['a roleRef in another group', { apiGroup: 'example.com', kind: 'Role', name: 'x' }, [], ['roleRef.apiGroup: Unsupported value: "example.com": supported values: "rbac.authorization.k8s.io"']],
    ['a roleRef without a name', { kind: 'Role' }, [], ['roleRef.name: Required value']],
    ['an unknown subject kind', ref, [{ kind: 'Robot', name: 'r2' }], ['subjects[0].kind: Unsupported value: "Robot": supported values: "ServiceAccount", "User", "Group"']],
    ['a subject without a name', ref, [{ kind: 'Group' }], ['subjects[0].name: Required value']],
    ['a service account in the rbac group', ref, [{ kind: 'ServiceAccount', name: 'ci', apiGroup: G }], ['subjects[0].apiGroup: Unsupported value: "rbac.authorization.k8s.io": supported values: ""']],
    ['a user in the core group', ref, [{ kind: 'User', name: 'alice', apiGroup: 'v1' }], ['subjects[0].apiGroup: Unsupported value: "v1": supported values: "rbac.authorization.k8s.io"']],
  ])('RoleBinding: %s', (_, roleRef, subjects, expected) => {
    expect(messages(binding(roleRef, subjects), ROLE_BINDING)).toEqual(expected);
  });

  it('needs a ClusterRole and service accounts with namespaces in a ClusterRoleBinding', () => {
    const b = binding({ kind: 'Role', name: 'reader' }, [{ kind: 'ServiceAccount', name: 'ci' }], 'ClusterRoleBinding');
    expect(messages(b, CLUSTER_ROLE_BINDING)).toEqual(['roleRef.kind: Unsupported value: "Role": supported values: "ClusterRole"', 'subjects[0].namespace: Required value']);
  });

  it('defaults the groups of roleRef and of User and Group subjects only', () => {
    const b = binding({ kind: 'ClusterRole', name: 'view' }, [{ kind: 'User', name: 'alice' }, { kind: 'ServiceAccount', name: 'ci' }]);
    expect(b.roleRef).toEqual({ apiGroup: G, kind: 'ClusterRole', name: 'view' });
    expect(b.subjects).toEqual([{ kind: 'User', name: 'alice', apiGroup: G }, { kind: 'ServiceAccount', name: 'ci' }]);
  });

  it('refuses a change of roleRef, and allows a change of subjects', () => {
    const before = binding({ kind: 'Role', name: 'reader' }, []);
    const renamed = binding({ kind: 'Role', name: 'writer' }, []);
    expect(updateCauses(renamed, before, ROLE_BINDING).map((c) => `${c.field}: ${c.message}`)).toEqual([
      'roleRef: Invalid value: rbac.RoleRef{APIGroup:"rbac.authorization.k8s.io", Kind:"Role", Name:"writer"}: cannot change roleRef',
    ]);
    expect(updateCauses(binding({ kind: 'Role', name: 'reader' }, [{ kind: 'User', name: 'bob' }]), before, ROLE_BINDING)).toEqual([]);
  });
});
