import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ForbiddenError, type KubeObject } from '@skiff/apimachinery';
import { ApiClient, resourceType } from '@skiff/kube-client';
import { ADMIN_TOKEN } from '../../apiserver/test/harness.js';
import { configMapYaml, makeRepo, type TestRepo } from './gitRepo.js';
import { APPLICATIONS, CONFIGMAPS, GitWatcherCluster } from './gitWatcherCluster.js';

const SECRETS = resourceType('secrets');
const ROLES = resourceType('roles', 'rbac.authorization.k8s.io');
const ROLE_BINDINGS = resourceType('rolebindings', 'rbac.authorization.k8s.io');
const SERVICE_ACCOUNTS = resourceType('serviceaccounts');
const CLUSTER_ROLES = resourceType('clusterroles', 'rbac.authorization.k8s.io');

/** A reconciler's account and rights as a tenant's repository ships them (podinfo's reconciler-rbac style). */
const TENANT_RBAC = `apiVersion: v1
kind: ServiceAccount
metadata:
  name: reconciler
---
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata:
  name: reconciler
rules:
- apiGroups: [""]
  resources: ["configmaps"]
  verbs: ["get", "list", "watch", "update", "patch"]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata:
  name: reconciler
roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: Role
  name: reconciler
subjects:
- kind: ServiceAccount
  name: reconciler
`;

/**
 * A committer to a tenant's repository is that tenant, not cluster admin (ADR 014): the
 * Application applies as the destination's `skiff-gitops` account, bound to `admin` there only.
 */
describe('git watcher: Applications are tenants', () => {
  let c: GitWatcherCluster;
  const repos: TestRepo[] = [];

  beforeAll(async () => {
    c = await GitWatcherCluster.start();
    await c.namespace('team-a');
    await c.namespace('team-b');
  });
  afterAll(async () => {
    await c?.stop();
  });
  afterEach(() => {
    for (const r of repos.splice(0)) r.cleanup();
  });

  it.each([
    { case: "another namespace's object", file: 'other.yaml', text: configMapYaml('intruder', { a: '1' }).replace('metadata:\n', 'metadata:\n  namespace: team-b\n'), refusal: 'configmaps "intruder" is forbidden: User "system:serviceaccount:team-a:skiff-gitops" cannot patch resource "configmaps" in API group "" in the namespace "team-b"' },
    { case: 'a cluster-scoped kind', file: 'cluster.yaml', text: 'apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata:\n  name: tenant-grab\nrules:\n- apiGroups: ["*"]\n  resources: ["*"]\n  verbs: ["*"]\n', refusal: 'clusterroles.rbac.authorization.k8s.io "tenant-grab" is forbidden: User "system:serviceaccount:team-a:skiff-gitops" cannot patch resource "clusterroles" in API group "rbac.authorization.k8s.io" at the cluster scope' },
    { case: 'a token Secret in kube-system', file: 'token.yaml', text: 'apiVersion: v1\nkind: Secret\nmetadata:\n  name: skiff-token-grab\n  namespace: kube-system\ntype: skiff.dev/token\nstringData:\n  token: let-me-in\n  user: mallory\n  groups: system:masters\n', refusal: 'secrets "skiff-token-grab" is forbidden: User "system:serviceaccount:team-a:skiff-gitops" cannot patch resource "secrets" in API group "" in the namespace "kube-system"' },
    { case: 'an Application reading any local path', file: 'app.yaml', text: 'apiVersion: skiff.dev/v1alpha1\nkind: Application\nmetadata:\n  name: exfiltrate\nspec:\n  source: {repoURL: /etc, path: .}\n  destination: {namespace: team-a}\n', refusal: 'applications.skiff.dev "exfiltrate" is forbidden: User "system:serviceaccount:team-a:skiff-gitops" cannot patch resource "applications" in API group "skiff.dev" in the namespace "team-a"' },
  ])("a committer's manifest for $case fails the sync naming it; nothing of the revision is applied", async ({ file, text, refusal }) => {
    const r = makeRepo();
    repos.push(r);
    const name = `tenant-${file.split('.')[0]}`;
    const sha = r.commit({ 'mine.yaml': configMapYaml(`${name}-own`, { v: '1' }), [file]: text }, 'reach out');
    await c.createApp(name, { source: { repoURL: r.dir, targetRevision: 'main' }, destination: { namespace: 'team-a' }, syncPolicy: { automated: { prune: true } } }, 'team-a');
    await c.until('the sync Failed', () => c.app(name, 'team-a')?.status?.operationState?.phase === 'Failed');
    const s = c.app(name, 'team-a')!.status!;
    expect(s.operationState).toMatchObject({ revision: sha, message: expect.stringContaining(`${file}:1: ${refusal}`) });
    expect(s.conditions).toContainEqual(expect.objectContaining({ type: 'ComparisonError', message: expect.stringContaining(refusal) }));
    // All or nothing: the tenant's own object waits with the rest, and the reach-out never landed.
    expect((await c.client.list(CONFIGMAPS, { namespace: 'team-a' })).items.map((o) => o.metadata.name)).not.toContain(`${name}-own`);
    expect((await c.client.list(CONFIGMAPS, { namespace: 'team-b' })).items.map((o) => o.metadata.name)).not.toContain('intruder');
    expect((await c.client.list(CLUSTER_ROLES)).items.map((o) => o.metadata.name)).not.toContain('tenant-grab');
    expect((await c.client.list(SECRETS, { namespace: 'kube-system' })).items.map((o) => o.metadata.name)).not.toContain('skiff-token-grab');
    expect((await c.client.list(APPLICATIONS, { namespace: 'team-a' })).items.map((o) => o.metadata.name)).not.toContain('exfiltrate');
  });

  it("a tenant's ServiceAccount, Role and RoleBinding (within admin's rights) sync Synced as the default account", async () => {
    const r = makeRepo();
    repos.push(r);
    const sha = r.commit({ 'rbac.yaml': TENANT_RBAC, 'config.yaml': configMapYaml('tenant-config', { v: '1' }) }, 'reconciler');
    await c.createApp('tenant-rbac', { source: { repoURL: r.dir, targetRevision: 'main' }, destination: { namespace: 'team-a' }, syncPolicy: { automated: { prune: true, selfHeal: true } } }, 'team-a');
    await c.until('Synced', () => {
      const st = c.app('tenant-rbac', 'team-a')?.status;
      return st?.sync?.status === 'Synced' && st.sync.revision === sha && st.operationState?.phase === 'Succeeded';
    });
    expect(await c.client.get(SERVICE_ACCOUNTS, 'team-a', 'reconciler')).toBeDefined();
    expect(await c.client.get(ROLES, 'team-a', 'reconciler')).toBeDefined();
    expect(await c.client.get(ROLE_BINDINGS, 'team-a', 'reconciler')).toBeDefined();
    // The account it applied as: made by the watcher, bound to admin in team-a only.
    const binding = await c.client.get(ROLE_BINDINGS, 'team-a', 'skiff-gitops');
    expect(binding).toMatchObject({ roleRef: { kind: 'ClusterRole', name: 'admin' }, subjects: [{ kind: 'ServiceAccount', name: 'skiff-gitops', namespace: 'team-a' }] });
    expect((await c.client.get(CONFIGMAPS, 'team-a', 'tenant-config')).metadata.managedFields?.map((f) => f.manager)).toContain('skiff-gitops');
  });

  it('who writes an Application must be allowed to act as its account: a team-a editor cannot aim one at kube-system', async () => {
    // alice edits team-a and may manage Applications there.
    const rbac = (kind: string, obj: object) => c.client.create(resourceType(kind, 'rbac.authorization.k8s.io'), obj as KubeObject);
    await rbac('roles', { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', metadata: { name: 'apps', namespace: 'team-a' }, rules: [{ apiGroups: ['skiff.dev'], resources: ['applications'], verbs: ['*'] }] });
    await rbac('rolebindings', { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'RoleBinding', metadata: { name: 'alice-apps', namespace: 'team-a' }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'apps' }, subjects: [{ kind: 'User', name: 'alice' }] });
    await rbac('rolebindings', { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'RoleBinding', metadata: { name: 'alice-edit', namespace: 'team-a' }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'edit' }, subjects: [{ kind: 'User', name: 'alice' }] });
    const alice = new ApiClient({ server: c.url, token: ADMIN_TOKEN, impersonate: 'alice' });
    const app = (name: string, destination: string) => ({ apiVersion: 'skiff.dev/v1alpha1', kind: 'Application', metadata: { name, namespace: 'team-a' }, spec: { source: { repoURL: '/nonexistent', path: '.' }, destination: { namespace: destination } } });
    const refused = await alice.create(APPLICATIONS, app('aim-high', 'kube-system')).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(ForbiddenError);
    expect((refused as Error).message).toBe('applications.skiff.dev "aim-high" is forbidden: User "alice" cannot impersonate ServiceAccount kube-system/skiff-gitops (system:serviceaccount:kube-system:skiff-gitops), which this Application would apply as');
    // Her own namespace is hers.
    await expect(alice.create(APPLICATIONS, app('stay-home', 'team-a'))).resolves.toBeDefined();
  });
});
