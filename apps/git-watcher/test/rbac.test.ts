import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { resourceType } from '@skiff/kube-client';
import { makeRepo, type TestRepo } from './gitRepo.js';
import { GitWatcherCluster } from './gitWatcherCluster.js';

const SERVICE_ACCOUNTS = resourceType('serviceaccounts');
const ROLES = resourceType('roles', 'rbac.authorization.k8s.io');
const ROLE_BINDINGS = resourceType('rolebindings', 'rbac.authorization.k8s.io');
const CLUSTER_ROLES = resourceType('clusterroles', 'rbac.authorization.k8s.io');

/** A controller's account and permissions, as GitOps repositories ship them next to its Deployment. */
const RBAC_YAML = `apiVersion: v1
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
  resources: ["configmaps", "secrets"]
  verbs: ["get", "list", "watch"]
- apiGroups: ["apps"]
  resources: ["deployments"]
  verbs: ["*"]
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
- kind: User
  name: ops-lead
`;

const CLUSTER_ROLE_YAML = `apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: skiff-test:metrics-reader
rules:
- nonResourceURLs: ["/metrics"]
  verbs: ["get"]
`;

describe('git watcher: ServiceAccounts and RBAC', () => {
  let c: GitWatcherCluster;
  const repos: TestRepo[] = [];

  beforeAll(async () => {
    c = await GitWatcherCluster.start();
    for (const t of [SERVICE_ACCOUNTS, ROLES, ROLE_BINDINGS, CLUSTER_ROLES]) c.watch(t);
  });
  afterAll(async () => {
    await c?.stop();
  });
  afterEach(() => {
    for (const r of repos.splice(0)) r.cleanup();
  });

  it('a folder with a ServiceAccount, a Role and a RoleBinding syncs Synced, stays Synced with defaulted fields, and prunes', async () => {
    const r = makeRepo();
    repos.push(r);
    const first = r.commit({ 'rbac.yaml': RBAC_YAML, 'metrics.yaml': CLUSTER_ROLE_YAML }, 'reconciler rbac');
    await c.namespace('flux-like');
    // A ClusterRole and a Role granting `*`: more than a namespace's admin may grant, so an account bound to cluster-admin.
    await c.createApp('rbac', { source: { repoURL: r.dir, targetRevision: 'main' }, destination: { namespace: 'flux-like' }, syncPolicy: { automated: { prune: true, selfHeal: true } }, serviceAccountName: await c.clusterAdminAccount() });
    await c.until('Synced', () => c.syncedAt('rbac', first));
    expect(c.get(SERVICE_ACCOUNTS, 'flux-like', 'reconciler')).toBeDefined();
    expect(c.get(ROLES, 'flux-like', 'reconciler')?.rules).toHaveLength(2);
    // The API server defaults the User subject's group; that is not drift.
    expect(c.get(ROLE_BINDINGS, 'flux-like', 'reconciler')?.subjects).toEqual([
      { kind: 'ServiceAccount', name: 'reconciler' },
      { kind: 'User', name: 'ops-lead', apiGroup: 'rbac.authorization.k8s.io' },
    ]);
    expect(c.watch(CLUSTER_ROLES).get('skiff-test:metrics-reader')).toBeDefined();
    await c.touch('rbac');
    expect(c.app('rbac')?.status?.sync?.status).toBe('Synced');
    expect(c.eventsFor('rbac', 'DriftCorrected')).toEqual([]);

    const second = r.commit({ 'rbac.yaml': RBAC_YAML.split('---\n').slice(0, 2).join('---\n') }, 'no binding');
    await c.until('Synced without the binding', () => c.syncedAt('rbac', second));
    await c.until('the binding pruned', () => !c.get(ROLE_BINDINGS, 'flux-like', 'reconciler'));
    expect(c.get(ROLES, 'flux-like', 'reconciler')).toBeDefined();
  });
});
