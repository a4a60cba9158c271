import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { resourceType } from '@skiff/kube-client';
import type { ApplicationSpec } from '../src/applicationSpec.js';
import { fixtureFiles } from './fixtures.js';
import { configMapYaml, makeRepo, type TestRepo } from './gitRepo.js';
import { CONFIGMAPS, GitWatcherCluster, SERVICES } from './gitWatcherCluster.js';

const DEPLOYMENTS = resourceType('deployments', 'apps');
const HPAS = resourceType('horizontalpodautoscalers', 'autoscaling');

type Deployment = { spec: { replicas: number; template: { spec: { containers: { image: string }[] } } } };

/**
 * Folders rendered as Argo CD renders them (kustomize, Helm, jsonnet, plain manifests with
 * include/exclude), from fixtures written in the style of the public example repositories,
 * each committed to a real git repository and synced by the git watcher into a real API server.
 */
describe('git watcher: rendering kustomize, Helm and jsonnet folders', () => {
  let c: GitWatcherCluster;
  const repos: TestRepo[] = [];

  beforeAll(async () => {
    c = await GitWatcherCluster.start();
  });
  afterAll(async () => {
    await c?.stop();
  });
  afterEach(() => {
    for (const r of repos.splice(0)) r.cleanup();
  });

  const repoWith = (files: Record<string, string>): { r: TestRepo; sha: string } => {
    const r = makeRepo();
    repos.push(r);
    return { r, sha: r.commit(files, 'initial') };
  };
  const sync = async (name: string, repo: TestRepo, source: Omit<ApplicationSpec['source'], 'repoURL'>) => {
    await c.namespace(name);
    await c.createApp(name, { source: { repoURL: repo.dir, targetRevision: 'main', ...source }, destination: { namespace: name }, syncPolicy: { automated: { prune: true } } });
  };
  const synced = (name: string, sha: string) => {
    const s = c.app(name)?.status;
    return s?.sync?.status === 'Synced' && s.sync.revision === sha && s.operationState?.phase === 'Succeeded' && s.operationState.revision === sha;
  };
  const failedAt = (name: string, sha: string) => c.app(name)?.status?.operationState?.phase === 'Failed' && c.app(name)?.status?.operationState?.revision === sha;
  const names = async (type: typeof SERVICES, ns: string) => (await c.client.list(type, { namespace: ns })).items.map((o) => o.metadata.name).sort();

  it('a kustomize overlay over its base, with the Application overriding images and namePrefix', async () => {
    const { r, sha } = repoWith(fixtureFiles('kustomize-guestbook', 'guestbook'));
    await sync('kust', r, { path: 'guestbook/overlays/production', kustomize: { images: ['registry.local/guestbook-frontend:2.0'], namePrefix: 'shop-' } });
    await c.until('Synced', () => synced('kust', sha));
    const d = (await c.client.get(DEPLOYMENTS, 'kust', 'shop-frontend')) as unknown as Deployment;
    expect(d.spec.replicas).toBe(3);
    expect(d.spec.template.spec.containers[0].image).toBe('registry.local/guestbook-frontend:2.0');
    expect(await names(SERVICES, 'kust')).toEqual(['shop-frontend']);
    expect(c.app('kust')!.status!.conditions ?? []).toEqual([]);
    expect(c.app('kust')!.status!.resources!.map((x) => `${x.kind}/${x.name}`).sort()).toEqual(['Deployment/shop-frontend', 'Service/shop-frontend']);

    // A commit to the base reaches the overlay.
    const next = r.commit({ 'guestbook/base/service.yaml': fixtureFiles('kustomize-guestbook', '')['base/service.yaml'].replace('port: 80', 'port: 8081') }, 'base: port 8081');
    await c.until('Synced at the base change', () => synced('kust', next));
    expect((await c.client.get(SERVICES, 'kust', 'shop-frontend')).spec).toMatchObject({ ports: [expect.objectContaining({ port: 8081 })] });
  });

  it('the plain guestbook folder, and its kustomize staging overlay, each through an Application', async () => {
    const { r, sha } = repoWith({ ...fixtureFiles('guestbook'), ...fixtureFiles('kustomize-guestbook') });
    await sync('plain', r, { path: 'guestbook' });
    await c.createApp('staging', { source: { repoURL: r.dir, targetRevision: 'main', path: 'kustomize-guestbook/overlays/staging' }, destination: { namespace: 'plain' }, syncPolicy: { automated: { prune: true } } });
    await c.until('both Synced', () => synced('plain', sha) && synced('staging', sha));
    expect(await names(SERVICES, 'plain')).toEqual(['frontend', 'staging-frontend']);
    const d = (await c.client.get(DEPLOYMENTS, 'plain', 'staging-frontend')) as unknown as Deployment;
    expect(d.spec.template.spec.containers[0].image).toBe('registry.local/guestbook-frontend:1.1-rc');
  });

  it('a podinfo-like kustomize folder: Deployment, Service and HorizontalPodAutoscaler', async () => {
    const { r, sha } = repoWith(fixtureFiles('podinfo-kustomize', 'kustomize'));
    await sync('podinfo', r, { path: 'kustomize' });
    await c.until('Synced', () => synced('podinfo', sha));
    expect((await c.client.get(HPAS, 'podinfo', 'podinfo')).spec).toMatchObject({ minReplicas: 2, maxReplicas: 4 });
    expect(await names(SERVICES, 'podinfo')).toEqual(['podinfo']);
  });

  it('a Helm chart with its production values file, parameters and a vendored dependency', async () => {
    const { r, sha } = repoWith(fixtureFiles('helm-guestbook', 'charts/guestbook'));
    await sync('helm', r, { path: 'charts/guestbook', helm: { valueFiles: ['values-production.yaml'], parameters: [{ name: 'image.tag', value: '1.5', forceString: true }] } });
    await c.until('Synced', () => synced('helm', sha));
    // The release is named after the Application.
    const d = (await c.client.get(DEPLOYMENTS, 'helm', 'helm-helm-guestbook')) as unknown as Deployment;
    expect(d.spec.replicas).toBe(3);
    expect(d.spec.template.spec.containers[0].image).toBe('registry.local/guestbook-frontend:1.5');
    expect((await c.client.get(SERVICES, 'helm', 'helm-helm-guestbook')).spec).toMatchObject({ ports: [expect.objectContaining({ port: 8080 })] });
    expect((await c.client.get(CONFIGMAPS, 'helm', 'helm-greeting')).data).toEqual({ message: 'hello from production' });
  });

  it('a Helm dependency that is not vendored, and a missing values file, are errors naming them', async () => {
    const files = fixtureFiles('helm-guestbook', 'chart');
    for (const p of Object.keys(files)) if (p.startsWith('chart/charts/')) delete files[p];
    const { sha } = repoWith(files);
    await c.namespace('nodeps');
    await c.createApp('nodeps', { source: { repoURL: repos.at(-1)!.dir, targetRevision: 'main', path: 'chart' }, destination: { namespace: 'nodeps' }, syncPolicy: { automated: {} } });
    await c.until('Failed', () => failedAt('nodeps', sha));
    expect(c.app('nodeps')!.status!.operationState!.message).toBe('chart/Chart.yaml:0: helm: dependencies not vendored in chart/charts/ (rendering has no network): greeting 0.1.0');

    const { r: r2, sha: sha2 } = repoWith(fixtureFiles('helm-guestbook', 'chart'));
    await sync('novalues', r2, { path: 'chart', helm: { valueFiles: ['values-staging.yaml'] } });
    await c.until('Failed', () => failedAt('novalues', sha2));
    expect(c.app('novalues')!.status!.operationState!.message).toContain('chart/values-staging.yaml:0: helm: values file chart/values-staging.yaml not found');
  });

  it('a broken template: ComparisonError naming helm, the template and its line', async () => {
    const files = fixtureFiles('helm-guestbook', 'chart');
    files['chart/templates/broken.yaml'] = 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ nope .Release.Name }}\n';
    const { r, sha } = repoWith(files);
    await sync('broken', r, { path: 'chart' });
    await c.until('Failed', () => failedAt('broken', sha));
    const s = c.app('broken')!.status!;
    expect(s.operationState!.message).toMatch(/^chart\/templates\/broken\.yaml:4: helm failed: .*function "nope" not defined/);
    expect(s.conditions).toEqual([expect.objectContaining({ type: 'ComparisonError', message: s.operationState!.message })]);
    expect(await names(CONFIGMAPS, 'broken')).not.toContain('broken-greeting');
  });

  it('an invalid rendered object: the dry run error names the template output, line and field', async () => {
    const { r, sha } = repoWith(fixtureFiles('helm-guestbook', 'chart'));
    await sync('badport', r, { path: 'chart', helm: { parameters: [{ name: 'service.port', value: '99999' }] } });
    await c.until('Failed', () => failedAt('badport', sha));
    // Line 16 of the service template's output is "      port: 99999" (line 1 is helm's "# Source:" comment).
    expect(c.app('badport')!.status!.operationState!.message).toMatch(/^chart\/templates\/service\.yaml \(helm output\):16 spec\.ports\[0\]\.port: Invalid value: 99999/);
  });

  it('a jsonnet folder rendered with an ext var and a library', async () => {
    const { r, sha } = repoWith(fixtureFiles('jsonnet-guestbook', 'jsonnet'));
    await sync('jsonnet', r, { path: 'jsonnet', directory: { jsonnet: { extVars: [{ name: 'tier', value: 'frontend' }], libs: ['jsonnet/lib'] } } });
    await c.until('Synced', () => synced('jsonnet', sha));
    expect((await c.client.get(CONFIGMAPS, 'jsonnet', 'guestbook-ui-config')).data).toEqual({ tier: 'frontend' });
    expect((await c.client.get(SERVICES, 'jsonnet', 'guestbook-ui')).metadata.labels).toMatchObject({ tier: 'frontend' });
  });

  it('a directory with include and exclude globs', async () => {
    const { r, sha } = repoWith({
      'deploy/a.yaml': configMapYaml('a', { x: '1' }),
      'deploy/b.yaml': configMapYaml('b', { x: '1' }),
      'deploy/sub/c.yaml': configMapYaml('c', { x: '1' }),
      'deploy/sub/d.json': JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'd' } }),
      'deploy/notes.txt': 'not a manifest',
    });
    await sync('globs', r, { path: 'deploy', directory: { recurse: true, include: '*.yaml', exclude: '{b.yaml,other/*}' } });
    await c.until('Synced', () => synced('globs', sha));
    expect((await names(CONFIGMAPS, 'globs')).filter((n) => n?.length === 1)).toEqual(['a', 'c']);
  });

  it('a remote base is refused, naming the kustomization and its line', async () => {
    const files = fixtureFiles('kustomize-guestbook', 'guestbook');
    files['guestbook/overlays/remote/kustomization.yaml'] = 'apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n  - ../../base\n  - github.com/example/shop/deploy?ref=v1.2.0\n';
    const { r, sha } = repoWith(files);
    await sync('remote', r, { path: 'guestbook/overlays/remote' });
    await c.until('Failed', () => failedAt('remote', sha));
    expect(c.app('remote')!.status!.operationState!.message).toBe(
      'guestbook/overlays/remote/kustomization.yaml:5 resources[1]: kustomize: remote resource "github.com/example/shop/deploy?ref=v1.2.0" refused: set spec.source.kustomize.allowRemoteBases: true to allow resources from outside the repository',
    );
  });

  it('a folder that holds files but yields no objects is Synced with a ComparisonWarning, not silently', async () => {
    const { r, sha } = repoWith({ 'docs/README.md': '# nothing to deploy here\n', 'docs/values.yaml': '# only comments\n' });
    await sync('empty', r, { path: 'docs' });
    await c.until('Synced', () => synced('empty', sha));
    await c.until('the warning', () => !!c.app('empty')?.status?.conditions?.some((x) => x.type === 'ComparisonWarning'));
    expect(c.app('empty')!.status!.conditions).toEqual([
      expect.objectContaining({ type: 'ComparisonWarning', message: 'docs holds 2 files but yields no objects (Directory: no *.yaml, *.yml, *.json or *.jsonnet file selected declares an object)' }),
    ]);
    // Objects arrive: the warning goes.
    const next = r.commit({ 'docs/cm.yaml': configMapYaml('now', { a: '1' }) }, 'an object');
    await c.until('Synced without the warning', () => synced('empty', next) && !c.app('empty')?.status?.conditions?.length);
  });
});
