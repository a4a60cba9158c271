import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IMAGE_POLICY, IMAGE_REPOSITORY, IMAGE_UPDATE_AUTOMATION, InvalidError, type ImagePolicy, type ImageUpdateAutomation, type KubeObject } from '@skiff/apimachinery';
import { resourceType } from '@skiff/kube-client';
import { buildImage, pushImage, startRegistry, type BuiltImage, type RunningRegistry } from '@skiff/oci';
import { startGitHttpServer } from '../../../libs/gitops/test/gitHttpServer.js';
import { git, makeRepo, type TestRepo } from './gitRepo.js';
import { GitWatcherCluster } from './gitWatcherCluster.js';

const DEPLOYMENTS = resourceType('deployments', 'apps');
const SECRETS = resourceType('secrets');
const NS = 'imgs';

function deploymentYaml(image: string, ns = NS): string {
  return `apiVersion: apps/v1
kind: Deployment
metadata:
  name: hello
spec:
  replicas: 1
  selector:
    matchLabels: {app: hello}
  template:
    metadata:
      labels: {app: hello}
    spec:
      containers:
        - name: web
          # the tag is written by the image automation
          image: ${image} # {"$imagepolicy": "${ns}:hello"}
          ports: [{containerPort: 8080}]
`;
}

function valuesYaml(tag: string): string {
  return `image:
  repository: hello
  tag: "${tag}" # {"$imagepolicy": "${NS}:hello:tag"}
replicas: 2
`;
}

describe('git watcher: image update automation against a real registry', () => {
  let c: GitWatcherCluster;
  let registry: RunningRegistry;
  let registryDir: string;
  let image: BuiltImage;
  let repo: TestRepo;

  beforeAll(async () => {
    registryDir = mkdtempSync(join(tmpdir(), 'skiff-gw-registry-'));
    registry = await startRegistry({ dir: registryDir });
    image = await buildImage({ layers: [[{ path: '/www/index.html', type: 'file', content: 'hello\n' }]], config: { Cmd: ['/bin/httpd'] } });
    for (const tag of ['0.9.0', '1.0.0', 'latest']) await pushImage(image, { registry: registry.host, repository: 'hello', tag });
    c = await GitWatcherCluster.start();
    for (const t of [IMAGE_REPOSITORY, IMAGE_POLICY, IMAGE_UPDATE_AUTOMATION, DEPLOYMENTS]) c.watch(t);
    repo = makeRepo();
  });
  afterAll(async () => {
    await c?.stop();
    await registry?.stop();
    if (registryDir) rmSync(registryDir, { recursive: true, force: true });
    repo?.cleanup();
  });

  const policy = () => c.get(IMAGE_POLICY, NS, 'hello') as (KubeObject & ImagePolicy) | undefined;
  const automation = () => c.get(IMAGE_UPDATE_AUTOMATION, NS, 'hello') as (KubeObject & ImageUpdateAutomation) | undefined;
  const ready = (o: { status?: { conditions?: { type: string; status: string; message: string }[] } } | undefined) => o?.status?.conditions?.find((x) => x.type === 'Ready');
  const head = () => git(repo.dir, ['rev-parse', 'HEAD']);
  const liveImage = () => ((c.get(DEPLOYMENTS, NS, 'hello')?.spec as { template: { spec: { containers: { image: string }[] } } } | undefined)?.template.spec.containers[0].image);

  it('commits the newest tag within the range into the manifests, the Application syncs it, and a tag out of range is ignored', async () => {
    const first = repo.commit({ 'deploy/hello.yaml': deploymentYaml(`${registry.host}/hello:1.0.0`), 'chart/values.yaml': valuesYaml('1.0.0') }, 'hello 1.0.0');
    await c.namespace(NS);
    await c.createApp('hello', { source: { repoURL: repo.dir, targetRevision: 'main', path: 'deploy' }, destination: { namespace: NS }, syncPolicy: { automated: { prune: true } } });
    await c.until('the Deployment at 1.0.0', () => liveImage() === `${registry.host}/hello:1.0.0`);

    await c.client.create(IMAGE_REPOSITORY, { apiVersion: 'image.toolkit.fluxcd.io/v1beta2', kind: 'ImageRepository', metadata: { name: 'hello', namespace: NS }, spec: { image: `${registry.host}/hello`, interval: '1s' } });
    await c.client.create(IMAGE_POLICY, { apiVersion: 'image.toolkit.fluxcd.io/v1beta2', kind: 'ImagePolicy', metadata: { name: 'hello', namespace: NS }, spec: { imageRepositoryRef: { name: 'hello' }, policy: { semver: { range: '~1.0' } } } });
    await c.client.create(IMAGE_UPDATE_AUTOMATION, {
      apiVersion: 'image.toolkit.fluxcd.io/v1beta2',
      kind: 'ImageUpdateAutomation',
      metadata: { name: 'hello', namespace: NS },
      spec: {
        sourceRef: { kind: 'Application', name: 'hello', namespace: 'default' },
        interval: '1m',
        git: { checkout: { ref: { branch: 'main' } }, commit: { author: { name: 'Image Bot', email: 'bot@skiff.local' } } },
        update: { path: '.', strategy: 'Setters' },
      },
    });

    // Tags as the registry has them; nothing newer than what git holds: no commit.
    await c.until('the policy chose 1.0.0', () => policy()?.status?.latestImage === `${registry.host}/hello:1.0.0`);
    await c.until('the automation ran with nothing to change', () => ready(automation())?.message === 'repository up-to-date');
    expect(head()).toBe(first);
    const scanned = c.get(IMAGE_REPOSITORY, NS, 'hello')!.status as { lastScanResult: { tagCount: number; latestTags: string[] }; conditions: { type: string; status: string }[] };
    expect(scanned.lastScanResult.tagCount).toBe(3);
    expect(scanned.lastScanResult.latestTags).toEqual(['latest', '1.0.0', '0.9.0']);

    // A new patch release, and a major one the range excludes.
    await pushImage(image, { registry: registry.host, repository: 'hello', tag: '2.0.0' });
    await pushImage(image, { registry: registry.host, repository: 'hello', tag: '1.0.1' });
    await c.until('a commit by the automation', () => !!automation()?.status?.lastPushCommit, 20_000);
    const commit = head();
    expect(commit).not.toBe(first);
    expect(automation()!.status!.lastPushCommit).toBe(commit);
    expect(git(repo.dir, ['log', '-1', '--format=%an <%ae>'])).toBe('Image Bot <bot@skiff.local>');
    expect(git(repo.dir, ['log', '-1', '--format=%B'])).toBe(
      `Update images: ${registry.host}/hello:1.0.1\n\nchart/values.yaml:3 1.0.0 -> 1.0.1\ndeploy/hello.yaml:16 ${registry.host}/hello:1.0.0 -> ${registry.host}/hello:1.0.1\n\nAutomation: ${NS}/hello (ImageUpdateAutomation)`,
    );
    // Only the marked values changed, byte for byte; the work tree and index came along.
    expect(git(repo.dir, ['show', `${commit}:deploy/hello.yaml`])).toBe(deploymentYaml(`${registry.host}/hello:1.0.1`).trimEnd());
    expect(readFileSync(join(repo.dir, 'chart/values.yaml'), 'utf8')).toBe(valuesYaml('1.0.1'));
    expect(git(repo.dir, ['status', '--porcelain'])).toBe('');
    expect(policy()!.status!.latestImage).toBe(`${registry.host}/hello:1.0.1`);
    expect(policy()!.status!.observedPreviousImage).toBe(`${registry.host}/hello:1.0.0`);

    // The usual sync rolls it out.
    await c.until('the Application synced the automation commit and the Deployment runs 1.0.1', () => c.app('hello')?.status?.sync?.revision === commit && liveImage() === `${registry.host}/hello:1.0.1`);
    expect(ready(automation())).toMatchObject({ status: 'True', message: `committed and pushed commit '${commit.slice(0, 7)}' to branch 'main'` });

    // Level-triggered: a run with nothing new (a spec change forces one) commits nothing.
    const runs = automation()!.status!.lastAutomationRunTime;
    await c.client.patch(IMAGE_UPDATE_AUTOMATION, NS, 'hello', { spec: { interval: '59s' } });
    await c.until('another run', () => automation()?.status?.observedGeneration === 2 && ready(automation())?.message === 'repository up-to-date');
    expect(head()).toBe(commit);
    expect(automation()!.status!.lastAutomationRunTime! >= runs!).toBe(true);
  }, 60_000);

  it('refuses invalid specs with Kubernetes field causes', async () => {
    const err = await c.client
      .create(IMAGE_POLICY, { apiVersion: 'image.toolkit.fluxcd.io/v1beta2', kind: 'ImagePolicy', metadata: { name: 'bad', namespace: NS }, spec: { imageRepositoryRef: { name: 'hello' }, policy: { semver: { range: 'not a range' }, alphabetical: {} }, filterTags: { pattern: '(' } } })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InvalidError);
    expect((err as InvalidError).causes.map((x) => x.field)).toEqual(['spec.policy.alphabetical', 'spec.policy.semver.range', 'spec.filterTags.pattern']);
    const repoErr = await c.client
      .create(IMAGE_REPOSITORY, { apiVersion: 'image.toolkit.fluxcd.io/v1beta2', kind: 'ImageRepository', metadata: { name: 'bad', namespace: NS }, spec: { image: 'hello:1.0', interval: '5 minutes' } })
      .catch((e: unknown) => e);
    expect((repoErr as InvalidError).causes).toEqual([
      { reason: 'FieldValueInvalid', field: 'spec.image', message: 'Invalid value: "hello:1.0": must not contain a tag: the policy chooses the tag' },
      { reason: 'FieldValueInvalid', field: 'spec.interval', message: 'Invalid value: "5 minutes": must be a duration such as 30s, 5m or 1h30m' },
    ]);
  });
  it('scans a registry that wants credentials with a dockerconfigjson Secret, and pushes the commit to a remote repository', async () => {
    const ns = 'imgs-remote';
    const auth = { username: 'puller', password: 'pull secret' };
    const privateDir = mkdtempSync(join(tmpdir(), 'skiff-gw-registry-auth-'));
    const privateRegistry = await startRegistry({ dir: privateDir, auth });
    const remote = makeRepo({ bare: 'shop' });
    const gitServer = await startGitHttpServer(remote.root);
    try {
      for (const tag of ['1.0.0', '1.1.0']) await pushImage(image, { registry: privateRegistry.host, repository: 'shop/web', tag, auth });
      execFileSync('git', ['-C', remote.bareDir!, 'config', 'http.receivepack', 'true']);
      const first = remote.commit({ 'deploy/web.yaml': deploymentYaml(`${privateRegistry.host}/shop/web:1.0.0`, ns) }, 'web 1.0.0');
      await c.namespace(ns);
      await c.createApp('shop', { source: { repoURL: `${gitServer.url}/shop.git`, targetRevision: 'main', path: 'deploy' }, destination: { namespace: ns }, syncPolicy: { automated: { prune: true } }, refreshIntervalSeconds: 3600 });
      await c.until('the Deployment at 1.0.0', () => c.app('shop')?.status?.sync?.revision === first && !!c.get(DEPLOYMENTS, ns, 'hello'));

      const repository = { apiVersion: 'image.toolkit.fluxcd.io/v1beta2', kind: 'ImageRepository', metadata: { name: 'web', namespace: ns }, spec: { image: `${privateRegistry.host}/shop/web`, interval: '1m' } };
      await c.client.create(IMAGE_REPOSITORY, repository);
      await c.until('a scan refused without credentials', () => (c.get(IMAGE_REPOSITORY, ns, 'web')?.status as { conditions?: { reason: string }[] } | undefined)?.conditions?.[0]?.reason === 'AuthenticationFailed');

      const dockerconfig = { auths: { [privateRegistry.host]: { username: auth.username, password: auth.password } } };
      await c.client.create(SECRETS, { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'regcred', namespace: ns }, type: 'kubernetes.io/dockerconfigjson', data: { '.dockerconfigjson': Buffer.from(JSON.stringify(dockerconfig)).toString('base64') } });
      await c.client.patch(IMAGE_REPOSITORY, ns, 'web', { spec: { secretRef: { name: 'regcred' } } });
      await c.client.create(IMAGE_POLICY, { apiVersion: 'image.toolkit.fluxcd.io/v1beta2', kind: 'ImagePolicy', metadata: { name: 'hello', namespace: ns }, spec: { imageRepositoryRef: { name: 'web' }, policy: { semver: { range: '>=1.0.0' } } } });
      await c.client.create(IMAGE_UPDATE_AUTOMATION, {
        apiVersion: 'image.toolkit.fluxcd.io/v1beta2',
        kind: 'ImageUpdateAutomation',
        metadata: { name: 'shop', namespace: ns },
        spec: { sourceRef: { kind: 'Application', name: 'shop', namespace: 'default' }, interval: '1h', git: { commit: { author: { email: 'bot@skiff.local' }, messageTemplate: 'chore: {{ range .Updated.Images }}{{ . }}{{ end }} by {{ .AutomationObject }}' } }, update: { path: 'deploy' } },
      });

      // Pushed to the remote, which the Application (on an hour's interval) fetches at once.
      // (Waiting on the status, not on `git rev-parse` in a loop: the git watcher and the git
      // server run in this process, and a synchronous child process every few ms starves them.)
      const remoteAutomation = () => c.get(IMAGE_UPDATE_AUTOMATION, ns, 'shop') as (KubeObject & ImageUpdateAutomation) | undefined;
      await c.until('a commit pushed to the remote', () => !!remoteAutomation()?.status?.lastPushCommit, 30_000);
      const pushed = () => git(remote.bareDir!, ['rev-parse', 'main']);
      expect(pushed()).toBe(remoteAutomation()!.status!.lastPushCommit);
      expect(git(remote.bareDir!, ['log', '-1', '--format=%s|%an|%ae', 'main'])).toBe(`chore: ${privateRegistry.host}/shop/web:1.1.0 by ${ns}/shop|Skiff image automation|bot@skiff.local`);
      expect(git(remote.bareDir!, ['show', 'main:deploy/web.yaml'])).toBe(deploymentYaml(`${privateRegistry.host}/shop/web:1.1.0`, ns).trimEnd());
      const commit = pushed();
      await c.until('the Application synced the pushed commit', () => c.app('shop')?.status?.sync?.revision === commit, 15_000);
      const live = c.get(DEPLOYMENTS, ns, 'hello')?.spec as { template: { spec: { containers: { image: string }[] } } };
      expect(live.template.spec.containers[0].image).toBe(`${privateRegistry.host}/shop/web:1.1.0`);
    } finally {
      await gitServer.close();
      remote.cleanup();
      await privateRegistry.stop();
      rmSync(privateDir, { recursive: true, force: true });
    }
  }, 60_000);
});
