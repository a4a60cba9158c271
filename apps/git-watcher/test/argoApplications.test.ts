import type { KubeObject } from '@skiff/apimachinery';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { ApplicationStatus } from '../src/applicationSpec.js';
import { APP_PROJECTS, ARGO_APPLICATIONS } from '../src/resources.js';
import { configMapYaml, makeRepo, type TestRepo } from './gitRepo.js';
import { CONFIGMAPS, GitWatcherCluster } from './gitWatcherCluster.js';

/** An Argo CD Application manifest as a repository written for Argo CD holds it. */
function argoAppYaml(name: string, repoURL: string, path: string, destNamespace: string, opts: { finalizer?: boolean; project?: string } = {}): string {
  return `apiVersion: argoproj.io/v1alpha1
kind: Application
metadata:
  name: ${name}
  namespace: argocd
${opts.finalizer ? '  finalizers:\n    - resources-finalizer.argocd.argoproj.io\n' : ''}spec:
  project: ${opts.project ?? 'default'}
  source:
    repoURL: ${repoURL}
    targetRevision: HEAD
    path: ${path}
  destination:
    server: https://kubernetes.default.svc
    namespace: ${destNamespace}
  syncPolicy:
    automated:
      prune: true
      selfHeal: true
    syncOptions:
      - CreateNamespace=true
`;
}

type ArgoApp = KubeObject & { status?: ApplicationStatus };

const APPLICATION_CRD = `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: applications.argoproj.io
spec:
  group: argoproj.io
  names: {kind: Application, listKind: ApplicationList, plural: applications, singular: application, shortNames: [app, apps]}
  scope: Namespaced
  versions:
    - name: v1alpha1
      served: true
      storage: true
      schema:
        openAPIV3Schema: {type: object, x-kubernetes-preserve-unknown-fields: true}
`;

describe('git watcher: argoproj.io Applications and AppProjects', () => {
  let c: GitWatcherCluster;
  const repos: TestRepo[] = [];
  const repo = () => {
    const r = makeRepo();
    repos.push(r);
    return r;
  };
  const argo = (name: string, namespace = 'argocd') => c.watch(ARGO_APPLICATIONS).get(`${namespace}/${name}`) as ArgoApp | undefined;
  const syncedAt = (name: string, sha: string, namespace = 'argocd') => {
    const s = argo(name, namespace)?.status;
    return s?.sync?.status === 'Synced' && s.sync.revision === sha && s.health?.status === 'Healthy';
  };
  const createArgo = (name: string, spec: Record<string, unknown>, namespace = 'argocd', finalizers?: string[]) =>
    c.client.create(ARGO_APPLICATIONS, { apiVersion: 'argoproj.io/v1alpha1', kind: 'Application', metadata: { name, namespace, ...(finalizers ? { finalizers } : {}) }, spec } as KubeObject);

  beforeAll(async () => {
    c = await GitWatcherCluster.start();
    c.watch(ARGO_APPLICATIONS);
    c.watch(APP_PROJECTS);
    await c.namespace('argocd');
  });
  afterAll(async () => {
    await c?.stop();
  });
  afterEach(() => {
    for (const r of repos.splice(0)) r.cleanup();
  });

  it('syncs an argoproj.io Application to Synced, in Argo CD status shape, with the default project created', async () => {
    const r = repo();
    const head = r.commit({ 'guestbook/config.yaml': configMapYaml('guestbook-ui', { color: 'blue' }) }, 'guestbook');
    await createArgo('guestbook', { source: { repoURL: r.dir, targetRevision: 'HEAD', path: 'guestbook' }, destination: { server: 'https://kubernetes.default.svc', namespace: 'guestbook' }, syncPolicy: { automated: { prune: true }, syncOptions: ['CreateNamespace=true'] } });
    await c.until('guestbook Synced', () => syncedAt('guestbook', head));

    const app = argo('guestbook')!;
    expect((app.spec as { project?: string }).project).toBe('default');
    expect(app.status).toMatchObject({
      sync: { status: 'Synced', revision: head },
      health: { status: 'Healthy' },
      operationState: { phase: 'Succeeded' },
      history: [expect.objectContaining({ id: 1, revision: head, deployedAt: expect.any(String) })],
      resources: [expect.objectContaining({ kind: 'ConfigMap', namespace: 'guestbook', name: 'guestbook-ui', status: 'Synced' })],
    });
    const source = { repoURL: r.dir, targetRevision: 'HEAD', path: 'guestbook' };
    expect(app.status).toMatchObject({
      sync: { comparedTo: { source, destination: { server: 'https://kubernetes.default.svc', namespace: 'guestbook' } } },
      operationState: { syncResult: { revision: head, source } },
      history: [expect.objectContaining({ source })],
    });
    const cm = c.get(CONFIGMAPS, 'guestbook', 'guestbook-ui')!;
    expect(cm.metadata.annotations?.['skiff.dev/tracking-id']).toBe('argoproj.io:argocd/guestbook:/ConfigMap:guestbook/guestbook-ui');
    await c.until('the default AppProject', () => !!c.get(APP_PROJECTS, 'argocd', 'default'));
    expect(c.get(APP_PROJECTS, 'argocd', 'default')!.spec).toMatchObject({ sourceRepos: ['*'] });
  });

  it('a skiff.dev and an argoproj.io Application of the same name never prune each other', async () => {
    const r = repo();
    const head = r.commit({ 'a/cm.yaml': configMapYaml('twin-a', { v: '1' }), 'b/cm.yaml': configMapYaml('twin-b', { v: '1' }) }, 'twins');
    await c.namespace('twins');
    await c.createApp('twin', { source: { repoURL: r.dir, path: 'a' }, destination: { namespace: 'twins' }, syncPolicy: { automated: { prune: true } } }, 'argocd');
    await createArgo('twin', { source: { repoURL: r.dir, path: 'b' }, destination: { server: 'https://kubernetes.default.svc', namespace: 'twins' }, syncPolicy: { automated: { prune: true } } });
    await c.until('both Synced', () => c.app('twin', 'argocd')?.status?.sync?.status === 'Synced' && syncedAt('twin', head));
    // Each face's passes have pruned by now; the other face's ConfigMap is still there.
    await c.touch('twin', 'argocd');
    expect(c.get(CONFIGMAPS, 'twins', 'twin-a')?.metadata.annotations?.['skiff.dev/tracking-id']).toBe('argocd/twin:/ConfigMap:twins/twin-a');
    expect(c.get(CONFIGMAPS, 'twins', 'twin-b')?.metadata.annotations?.['skiff.dev/tracking-id']).toBe('argoproj.io:argocd/twin:/ConfigMap:twins/twin-b');
  });

  it('app of apps: the parent creates its child Applications, they sync; a child removed from git is pruned and its finalizer deletes its objects', async () => {
    const r = repo();
    const head = r.commit(
      {
        // Repositories that install Argo CD ship its CRDs; Skiff stores them and keeps serving its own kinds.
        'apps/crds/application-crd.yaml': APPLICATION_CRD,
        'apps/frontend.yaml': argoAppYaml('frontend', r.dir, 'frontend', 'shop-frontend', { finalizer: true }),
        'apps/backend.yaml': argoAppYaml('backend', r.dir, 'backend', 'shop-backend', { finalizer: true }),
        'frontend/cm.yaml': configMapYaml('frontend-config', { tier: 'web' }),
        'backend/cm.yaml': configMapYaml('backend-config', { tier: 'api' }),
      },
      'app of apps',
    );
    await createArgo('root', { project: 'default', source: { repoURL: r.dir, path: 'apps' }, destination: { server: 'https://kubernetes.default.svc', namespace: 'argocd' }, syncPolicy: { automated: { prune: true, selfHeal: true } } });
    await c.until('root and both children Synced', () => syncedAt('root', head) && syncedAt('frontend', head) && syncedAt('backend', head), 20_000);
    expect(c.get(CONFIGMAPS, 'shop-frontend', 'frontend-config')?.data).toEqual({ tier: 'web' });
    expect(c.get(CONFIGMAPS, 'shop-backend', 'backend-config')?.data).toEqual({ tier: 'api' });
    expect(argo('backend')!.metadata.annotations?.['skiff.dev/tracking-id']).toBe('argoproj.io:argocd/root:argoproj.io/Application:argocd/backend');
    expect(argo('root')!.status!.resources?.map((x) => `${x.group}/${x.kind} ${x.name}`).sort()).toEqual([
      'apiextensions.k8s.io/CustomResourceDefinition applications.argoproj.io',
      'argoproj.io/Application backend',
      'argoproj.io/Application frontend',
    ]);

    const next = r.commit({ 'apps/backend.yaml': null }, 'drop the backend');
    await c.until('backend Application and its ConfigMap gone', () => !argo('backend') && !c.get(CONFIGMAPS, 'shop-backend', 'backend-config'), 20_000);
    await c.until('root Synced at the new commit', () => syncedAt('root', next));
    expect(c.get(CONFIGMAPS, 'shop-frontend', 'frontend-config')).toBeDefined();
  });

  it('app of apps rendered by Helm: a chart whose templates are Applications creates them from its values, and they sync', async () => {
    const r = repo();
    const childTemplate = (name: string) => `apiVersion: argoproj.io/v1alpha1
kind: Application
metadata:
  name: ${name}
  namespace: argocd
  finalizers: [resources-finalizer.argocd.argoproj.io]
spec:
  project: default
  source:
    repoURL: {{ .Values.spec.source.repoURL }}
    targetRevision: {{ .Values.spec.source.targetRevision }}
    path: ${name}
  destination:
    server: {{ .Values.spec.destination.server }}
    namespace: helm-${name}
  syncPolicy:
    automated: {prune: true}
    syncOptions: [CreateNamespace=true]
`;
    const head = r.commit(
      {
        'apps/Chart.yaml': 'apiVersion: v2\nname: applications\nversion: 1.0.0\n',
        'apps/values.yaml': `spec:\n  destination:\n    server: https://kubernetes.default.svc\n  source:\n    repoURL: ${r.dir}\n    targetRevision: main\n`,
        'apps/templates/web.yaml': childTemplate('web'),
        'apps/templates/api.yaml': childTemplate('api'),
        'web/cm.yaml': configMapYaml('web-config', { tier: 'web' }),
        'api/cm.yaml': configMapYaml('api-config', { tier: 'api' }),
      },
      'helm app of apps',
    );
    await createArgo('helm-root', { project: 'default', source: { repoURL: r.dir, path: 'apps', targetRevision: 'main' }, destination: { server: 'https://kubernetes.default.svc', namespace: 'argocd' }, syncPolicy: { automated: { prune: true } } });
    await c.until('the chart and both children Synced', () => syncedAt('helm-root', head) && syncedAt('web', head) && syncedAt('api', head), 30_000);
    expect(c.get(CONFIGMAPS, 'helm-web', 'web-config')?.data).toEqual({ tier: 'web' });
    expect(c.get(CONFIGMAPS, 'helm-api', 'api-config')?.data).toEqual({ tier: 'api' });
    expect(argo('helm-root')!.status!.resources?.map((x) => `${x.kind} ${x.name}`).sort()).toEqual(['Application api', 'Application web']);
  });

  it('an AppProject refusing the destination: InvalidSpecError, nothing applied; a refused kind: a sync failure naming the object', async () => {
    const r = repo();
    r.commit({ 'deploy/cm.yaml': configMapYaml('restricted-config', { a: '1' }) }, 'restricted');
    await c.client.create(APP_PROJECTS, {
      apiVersion: 'argoproj.io/v1alpha1',
      kind: 'AppProject',
      metadata: { name: 'team-a', namespace: 'argocd' },
      spec: { sourceRepos: ['*'], destinations: [{ server: 'https://kubernetes.default.svc', namespace: 'team-a-*' }], namespaceResourceBlacklist: [{ group: '', kind: 'ConfigMap' }] },
    } as KubeObject);
    await createArgo('outside', { project: 'team-a', source: { repoURL: r.dir, path: 'deploy' }, destination: { server: 'https://kubernetes.default.svc', namespace: 'payments' }, syncPolicy: { automated: {}, syncOptions: ['CreateNamespace=true'] } });
    await c.until('an InvalidSpecError condition', () => !!argo('outside')?.status?.conditions?.some((x) => x.type === 'InvalidSpecError'));
    expect(argo('outside')!.status!.conditions!.find((x) => x.type === 'InvalidSpecError')!.message).toBe("application destination {https://kubernetes.default.svc payments} is not permitted in project 'team-a'");
    expect(argo('outside')!.status!.sync?.status).toBe('Unknown');

    await createArgo('inside', { project: 'team-a', source: { repoURL: r.dir, path: 'deploy' }, destination: { server: 'https://kubernetes.default.svc', namespace: 'team-a-dev' }, syncPolicy: { automated: {}, syncOptions: ['CreateNamespace=true'] } });
    await c.until('a failed sync', () => argo('inside')?.status?.operationState?.phase === 'Failed');
    expect(argo('inside')!.status!.operationState!.message).toBe("deploy/cm.yaml:1: resource core:ConfigMap restricted-config is not permitted in project 'team-a'");
    expect(c.get(CONFIGMAPS, 'payments', 'restricted-config')).toBeUndefined();
    expect(c.get(CONFIGMAPS, 'team-a-dev', 'restricted-config')).toBeUndefined();

    // A skiff.dev Application naming the project is held to it too.
    await c.createApp('skiff-outside', { source: { repoURL: r.dir, path: 'deploy' }, destination: { namespace: 'billing' }, project: 'team-a', syncPolicy: { automated: {}, syncOptions: ['CreateNamespace=true'] } }, 'argocd');
    await c.until('skiff.dev Application refused', () => !!c.app('skiff-outside', 'argocd')?.status?.conditions?.some((x) => x.type === 'InvalidSpecError' && x.message.includes('{https://kubernetes.default.svc billing}')));
    expect(c.get(CONFIGMAPS, 'billing', 'restricted-config')).toBeUndefined();

    // The project is widened: both Applications are admitted again at once (not at the next resync).
    await c.client.patch(APP_PROJECTS, 'argocd', 'team-a', { spec: { destinations: [{ server: 'https://kubernetes.default.svc', namespace: 'team-a-*' }, { name: 'in-cluster', namespace: 'payments' }], namespaceResourceBlacklist: null } }, 'merge');
    await c.until('both synced', () => !!c.get(CONFIGMAPS, 'payments', 'restricted-config') && !!c.get(CONFIGMAPS, 'team-a-dev', 'restricted-config'), 10_000);
    await c.until('conditions cleared', () => !argo('outside')?.status?.conditions?.length && argo('inside')?.status?.operationState?.phase === 'Succeeded');
  });

  it('sources: two directories of one repository are synced as one set of objects', async () => {
    const r = repo();
    const head = r.commit({ 'base/cm.yaml': configMapYaml('multi-base', { from: 'base' }), 'extra/cm.yaml': configMapYaml('multi-extra', { from: 'extra' }) }, 'two folders');
    await createArgo('multi', {
      sources: [
        { repoURL: r.dir, targetRevision: 'HEAD', path: 'base' },
        { repoURL: r.dir, targetRevision: 'HEAD', path: 'extra' },
      ],
      destination: { server: 'https://kubernetes.default.svc', namespace: 'multi' },
      syncPolicy: { automated: { prune: true }, syncOptions: ['CreateNamespace=true'] },
    });
    await c.until('multi Synced', () => syncedAt('multi', head));
    expect(argo('multi')!.status!.resources?.map((x) => x.name).sort()).toEqual(['multi-base', 'multi-extra']);
    const next = r.commit({ 'extra/cm.yaml': null, 'extra/other.yaml': configMapYaml('multi-other', { from: 'extra' }) }, 'another extra');
    await c.until('the extra ConfigMap replaced', () => syncedAt('multi', next) && !c.get(CONFIGMAPS, 'multi', 'multi-extra') && !!c.get(CONFIGMAPS, 'multi', 'multi-other') && !!c.get(CONFIGMAPS, 'multi', 'multi-base'), 10_000);
  });

  it('a remote cluster or a Helm repository chart is a clear condition', async () => {
    await createArgo('elsewhere', { source: { repoURL: '/srv/none', path: '.' }, destination: { server: 'https://10.0.0.1:6443', namespace: 'x' } });
    await c.until('a condition', () => !!argo('elsewhere')?.status?.conditions?.length);
    expect(argo('elsewhere')!.status!.conditions).toEqual([expect.objectContaining({ type: 'InvalidSpecError', message: 'spec.destination.server: Skiff deploys only to the cluster it runs in (https://kubernetes.default.svc), not https://10.0.0.1:6443' })]);
  });
});
