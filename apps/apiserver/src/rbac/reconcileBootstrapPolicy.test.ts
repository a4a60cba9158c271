import { describe, expect, it } from 'vitest';
import type { ClusterRole, ClusterRoleBinding } from 'kubernetes-types/rbac/v1.js';
import { bootstrapClusterRoleBindings, bootstrapClusterRoles } from './bootstrapPolicy.js';
import { reconciledBinding, reconciledRole } from './reconcileBootstrapPolicy.js';

const want = (name: string) => bootstrapClusterRoles().find((r) => r.metadata!.name === name)!;
const wantBinding = (name: string) => bootstrapClusterRoleBindings().find((b) => b.metadata!.name === name)!;

describe('bootstrap policy reconciliation', () => {
  it('changes nothing on a role as it was made', () => {
    expect(reconciledRole(want('system:discovery'), want('system:discovery'))).toBeUndefined();
  });

  it('adds the rules a role lost and keeps the ones a user added, and their labels', () => {
    const have: ClusterRole = { ...want('system:basic-user'), metadata: { name: 'system:basic-user', labels: { mine: 'yes' } }, rules: [{ verbs: ['get'], apiGroups: [''], resources: ['configmaps'] }] };
    const next = reconciledRole(have, want('system:basic-user'))!;
    expect(next.rules).toEqual([{ verbs: ['get'], apiGroups: [''], resources: ['configmaps'] }, ...want('system:basic-user').rules!]);
    expect(next.metadata!.labels).toEqual({ 'kubernetes.io/bootstrapping': 'rbac-defaults', mine: 'yes' });
  });

  it('leaves the rules of an aggregated role to aggregation, adding only its selectors', () => {
    const have: ClusterRole = { ...want('view'), rules: [{ verbs: ['get'], apiGroups: [''], resources: ['pods'] }], aggregationRule: { clusterRoleSelectors: [] } };
    const next = reconciledRole(have, want('view'))!;
    expect(next.rules).toEqual(have.rules);
    expect(next.aggregationRule).toEqual(want('view').aggregationRule);
  });

  it('adds missing subjects to a binding, and makes one whose roleRef changed again', () => {
    const have: ClusterRoleBinding = { ...wantBinding('system:discovery'), subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'Group', name: 'ops' }] };
    expect((reconciledBinding(have, wantBinding('system:discovery')) as ClusterRoleBinding).subjects!.map((s) => s.name)).toEqual(['ops', 'system:authenticated']);
    expect(reconciledBinding({ ...have, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'view' } }, wantBinding('system:discovery'))).toBe('recreate');
  });
});
