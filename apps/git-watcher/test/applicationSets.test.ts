import type { KubeObject } from '@skiff/apimachinery';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { ApplicationStatus } from '../src/applicationSpec.js';
import { APPLICATION_SETS, ARGO_APPLICATIONS } from '../src/resources.js';
import { configMapYaml, makeRepo, type TestRepo } from './gitRepo.js';
import { CONFIGMAPS, GitWatcherCluster } from './gitWatcherCluster.js';

/** A commit is seen through chokidar on the repo's refs; well under the 30 s resync. */
const COMMIT_SEEN_MS = 10_000;

describe('git watcher: ApplicationSets', () => {
  let c: GitWatcherCluster;
  const repos: TestRepo[] = [];
  const repo = () => {
    const r = makeRepo();
    repos.push(r);
    return r;
  };
  const apps = () =>
    c
      .watch(ARGO_APPLICATIONS)
      .list()
      .filter((a) => a.metadata.namespace === 'argocd' && a.metadata.ownerReferences?.some((o) => o.kind === 'ApplicationSet'))
      .map((a) => a.metadata.name!)
      .sort();
  const status = (name: string) => (c.watch(ARGO_APPLICATIONS).get(`argocd/${name}`) as (KubeObject & { status?: ApplicationStatus }) | undefined)?.status;

  beforeAll(async () => {
    c = await GitWatcherCluster.start();
    c.watch(ARGO_APPLICATIONS);
    c.watch(APPLICATION_SETS);
    await c.namespace('argocd');
  });
  afterAll(async () => {
    await c?.stop();
  });
  afterEach(() => {
    for (const r of repos.splice(0)) r.cleanup();
  });

  it('a git directories generator over envs/*: one Application per folder; a commit adding a folder adds one, removing one removes it', async () => {
    const r = repo();
    const first = r.commit({ 'envs/dev/cm.yaml': configMapYaml('settings', { env: 'dev' }), 'envs/prod/cm.yaml': configMapYaml('settings', { env: 'prod' }), 'envs/scratch/cm.yaml': configMapYaml('settings', { env: 'scratch' }) }, 'dev and prod');
    const set = await c.client.create(APPLICATION_SETS, {
      apiVersion: 'argoproj.io/v1alpha1',
      kind: 'ApplicationSet',
      metadata: { name: 'envs', namespace: 'argocd' },
      spec: {
        generators: [{ git: { repoURL: r.dir, revision: 'HEAD', directories: [{ path: 'envs/*' }, { path: 'envs/scratch', exclude: true }] } }],
        template: {
          metadata: { name: 'shop-{{path.basename}}', labels: { env: '{{path[1]}}' } },
          spec: {
            project: 'default',
            source: { repoURL: r.dir, targetRevision: 'HEAD', path: '{{path}}' },
            destination: { server: 'https://kubernetes.default.svc', namespace: 'shop-{{path.basename}}' },
            syncPolicy: { automated: { prune: true }, syncOptions: ['CreateNamespace=true'] },
          },
        },
      },
    } as KubeObject);

    await c.until('two Applications, Synced', () => apps().join() === 'shop-dev,shop-prod' && ['shop-dev', 'shop-prod'].every((n) => status(n)?.sync?.status === 'Synced' && status(n)?.sync?.revision === first));
    const dev = c.watch(ARGO_APPLICATIONS).get('argocd/shop-dev')!;
    expect(dev.metadata.labels).toEqual({ env: 'dev' });
    expect(dev.metadata.ownerReferences).toEqual([expect.objectContaining({ kind: 'ApplicationSet', name: 'envs', uid: set.metadata.uid, controller: true })]);
    expect((dev.spec as { source: { path: string } }).source.path).toBe('envs/dev');
    expect(c.get(CONFIGMAPS, 'shop-prod', 'settings')?.data).toEqual({ env: 'prod' });
    await c.until('ResourcesUpToDate', () => {
      const conditions = (c.watch(APPLICATION_SETS).get('argocd/envs')?.status as { conditions?: { type: string; status: string }[] } | undefined)?.conditions ?? [];
      return conditions.some((x) => x.type === 'ResourcesUpToDate' && x.status === 'True') && conditions.some((x) => x.type === 'ErrorOccurred' && x.status === 'False');
    });

    r.commit({ 'envs/staging/cm.yaml': configMapYaml('settings', { env: 'staging' }) }, 'add staging');
    await c.until('a third Application', () => apps().join() === 'shop-dev,shop-prod,shop-staging', COMMIT_SEEN_MS);
    await c.until('staging synced', () => (c.get(CONFIGMAPS, 'shop-staging', 'settings')?.data as { env?: string } | undefined)?.env === 'staging');

    expect(dev.metadata.finalizers).toEqual(['resources-finalizer.argocd.argoproj.io']);
    r.commit({ 'envs/dev/cm.yaml': null }, 'drop dev');
    await c.until('shop-dev removed', () => apps().join() === 'shop-prod,shop-staging', COMMIT_SEEN_MS);
    // Through the resources finalizer, what shop-dev deployed goes with it.
    await c.until("shop-dev's ConfigMap deleted", () => !c.get(CONFIGMAPS, 'shop-dev', 'settings'));
    expect(c.get(CONFIGMAPS, 'shop-prod', 'settings')).toBeDefined();
  });

  it('create-only never updates or deletes; a generator error is an ErrorOccurred condition', async () => {
    const r = repo();
    r.commit({ 'teams/a/cm.yaml': configMapYaml('x', { a: '1' }) }, 'a');
    await c.client.create(APPLICATION_SETS, {
      apiVersion: 'argoproj.io/v1alpha1',
      kind: 'ApplicationSet',
      metadata: { name: 'teams', namespace: 'argocd' },
      spec: {
        goTemplate: true,
        generators: [{ git: { repoURL: r.dir, directories: [{ path: 'teams/*' }] } }],
        template: {
          metadata: { name: 'team-{{.path.basename}}' },
          spec: { source: { repoURL: r.dir, path: '{{.path.path}}' }, destination: { server: 'https://kubernetes.default.svc', namespace: 'team-{{.path.basename}}' } },
        },
        syncPolicy: { applicationsSync: 'create-only', preserveResourcesOnDeletion: true },
      },
    } as KubeObject);
    await c.until('team-a created', () => apps().includes('team-a'));
    // preserveResourcesOnDeletion: no resources finalizer, so deleting team-a would leave its objects.
    expect(c.watch(ARGO_APPLICATIONS).get('argocd/team-a')!.metadata.finalizers).toBeUndefined();
    r.commit({ 'teams/a/cm.yaml': null, 'teams/b/cm.yaml': configMapYaml('x', { b: '1' }) }, 'b instead of a');
    // The status lists team-b only once the pass that created it is over (a delete would come before).
    await c.until('team-b in the status', () => JSON.stringify(c.watch(APPLICATION_SETS).get('argocd/teams')?.status ?? {}).includes('"team-b"'), COMMIT_SEEN_MS);
    expect((await c.client.list(ARGO_APPLICATIONS, { namespace: 'argocd' })).items.map((a) => a.metadata.name)).toEqual(expect.arrayContaining(['team-a', 'team-b']));

    await c.client.create(APPLICATION_SETS, {
      apiVersion: 'argoproj.io/v1alpha1',
      kind: 'ApplicationSet',
      metadata: { name: 'broken', namespace: 'argocd' },
      spec: { generators: [{ clusters: {} }], template: { metadata: { name: 'x' }, spec: {} } },
    } as KubeObject);
    await c.until('ErrorOccurred', () => {
      const conditions = (c.watch(APPLICATION_SETS).get('argocd/broken')?.status as { conditions?: { type: string; status: string; message: string }[] } | undefined)?.conditions ?? [];
      return conditions.some((x) => x.type === 'ErrorOccurred' && x.status === 'True' && x.message === 'generator clusters is not supported by Skiff (list, git, matrix and merge are)');
    });

    // A template rendering an invalid Application: the API server's causes on the condition, not endless retries.
    await c.client.create(APPLICATION_SETS, {
      apiVersion: 'argoproj.io/v1alpha1',
      kind: 'ApplicationSet',
      metadata: { name: 'invalid', namespace: 'argocd' },
      spec: { generators: [{ list: { elements: [{ env: 'qa' }] } }], template: { metadata: { name: 'web-{{env}}' }, spec: { source: { repoURL: '/srv/x' }, destination: { server: 'https://kubernetes.default.svc', name: 'in-cluster' } } } },
    } as KubeObject);
    await c.until('ErrorOccurred naming the field', () => {
      const conditions = (c.watch(APPLICATION_SETS).get('argocd/invalid')?.status as { conditions?: { type: string; status: string; message: string }[] } | undefined)?.conditions ?? [];
      return conditions.some((x) => x.type === 'ErrorOccurred' && x.status === 'True' && x.message.startsWith('Application web-qa: ') && x.message.includes('spec.destination.name: Invalid value: "in-cluster": must not be set together with destination.server'));
    });
  });
});
