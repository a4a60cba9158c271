import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildImage, busyboxLayer, pushImage, type BuiltImage } from '@skiff/oci';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, kubectlOk, startCluster, type TestCluster } from './cluster.js';

/**
 * Image update automation end to end: a tag pushed to the cluster's registry becomes a commit in
 * the Application's repository, and the Deployment's pods roll to the new image on a real node.
 */

const ENV = { ...process.env, GIT_AUTHOR_NAME: 'Dev', GIT_AUTHOR_EMAIL: 'dev@example.com', GIT_COMMITTER_NAME: 'Dev', GIT_COMMITTER_EMAIL: 'dev@example.com' };
const gitIn = (dir: string, args: string[]) => execFileSync('git', ['-C', dir, ...args], { env: ENV }).toString().trim();

function deployment(image: string): string {
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
      terminationGracePeriodSeconds: 1
      containers:
        - name: hello
          image: ${image} # {"$imagepolicy": "default:hello"}
`;
}

function automation(registry: string): string {
  return `apiVersion: image.toolkit.fluxcd.io/v1beta2
kind: ImageRepository
metadata: {name: hello}
spec: {image: ${registry}/hello, interval: 2s}
---
apiVersion: image.toolkit.fluxcd.io/v1beta2
kind: ImagePolicy
metadata: {name: hello}
spec:
  imageRepositoryRef: {name: hello}
  policy: {semver: {range: '~1.0'}}
---
apiVersion: image.toolkit.fluxcd.io/v1beta2
kind: ImageUpdateAutomation
metadata: {name: hello}
spec:
  sourceRef: {kind: Application, name: hello}
  interval: 1m
  git:
    commit: {author: {name: Image Bot, email: bot@example.com}}
  update: {path: deploy}
---
apiVersion: skiff.dev/v1alpha1
kind: Application
metadata: {name: hello}
spec:
  source: {repoURL: REPO, targetRevision: main, path: deploy}
  destination: {namespace: default}
  syncPolicy: {automated: {prune: true}}
`;
}

describe('image update automation (skiff up --runtime containerd)', () => {
  let cluster: TestCluster;
  let registry: string;
  let image: BuiltImage;
  let repo: string;

  beforeAll(async () => {
    cluster = await startCluster({ nodes: 1, runtime: 'containerd' });
    registry = `127.0.0.1:${(JSON.parse(readFileSync(join(cluster.dataDir, 'cluster.json'), 'utf8')) as { registryPort: number }).registryPort}`;
    image = await buildImage({ layers: [await busyboxLayer()], config: { Entrypoint: ['/bin/sh', '-c', 'trap "exit 0" TERM; sleep 3600 & wait'], Env: ['PATH=/bin'] } });
    for (const tag of ['1.0.0', '2.0.0']) await pushImage(image, { registry, repository: 'hello', tag });
    repo = mkdtempSync(join(tmpdir(), 'skiff-e2e-images-'));
    gitIn(repo, ['init', '-q', '-b', 'main']);
    mkdirSync(join(repo, 'deploy'));
    writeFileSync(join(repo, 'deploy/hello.yaml'), deployment(`${registry}/hello:1.0.0`));
    gitIn(repo, ['add', '.']);
    gitIn(repo, ['commit', '-q', '-m', 'hello 1.0.0']);
  }, 180_000);

  afterAll(async () => {
    await cluster?.stop();
    if (repo) rmSync(repo, { recursive: true, force: true });
  }, 120_000);

  const podImages = async () => {
    const pods = JSON.parse(await kubectlOk(cluster, ['get', 'pods', '-l', 'app=hello', '-o', 'json'])) as { items: { spec: { containers: { image: string }[] }; status: { phase?: string } }[] };
    return pods.items.map((p) => `${p.spec.containers[0].image} ${p.status.phase}`);
  };

  it('pushing hello:1.0.1 commits it and the pods roll to it; 2.0.0 is outside ~1.0', async () => {
    const manifests = join(repo, '..', `${repo.split('/').pop()}-automation.yaml`);
    writeFileSync(manifests, automation(registry).replace('REPO', repo));
    try {
      await kubectlOk(cluster, ['apply', '-f', manifests]);
    } finally {
      rmSync(manifests, { force: true });
    }
    await eventually('a Running pod of hello:1.0.0', async () => (await podImages()).includes(`${registry}/hello:1.0.0 Running`), 60_000);
    expect(await kubectlOk(cluster, ['get', 'imagepolicy', 'hello', '-o', 'jsonpath={.status.latestImage}'])).toBe(`${registry}/hello:1.0.0`);

    await pushImage(image, { registry, repository: 'hello', tag: '1.0.1' });
    await eventually('the automation commit', async () => gitIn(repo, ['log', '-1', '--format=%an']) === 'Image Bot', 30_000);
    expect(gitIn(repo, ['show', 'HEAD:deploy/hello.yaml'])).toBe(deployment(`${registry}/hello:1.0.1`).trimEnd());
    // The work tree follows the branch just after the ref moves.
    await eventually('the work tree at the commit', async () => readFileSync(join(repo, 'deploy/hello.yaml'), 'utf8') === deployment(`${registry}/hello:1.0.1`));
    await eventually('only a Running pod of hello:1.0.1', async () => {
      const images = await podImages();
      return images.length === 1 && images[0] === `${registry}/hello:1.0.1 Running`;
    }, 60_000);
  }, 150_000);
});
