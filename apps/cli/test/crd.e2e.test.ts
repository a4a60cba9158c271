import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, kubectl, kubectlOk, startCluster, type TestCluster } from './cluster.js';

function crd(group: string, plural: string, kind: string, shortName: string): string {
  return `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: ${plural}.${group}
spec:
  group: ${group}
  scope: Namespaced
  names: {plural: ${plural}, singular: ${kind.toLowerCase()}, kind: ${kind}, shortNames: [${shortName}]}
  versions:
    - name: v1
      served: true
      storage: true
      schema:
        openAPIV3Schema:
          type: object
          properties:
            spec:
              type: object
              description: The desired schedule and image.
              required: [cronSpec]
              properties:
                cronSpec: {type: string, description: The cron schedule., pattern: '^(\\d+|\\*)(/\\d+)?(\\s+(\\d+|\\*)(/\\d+)?){4}$'}
                image: {type: string, description: The image to run.}
                replicas: {type: integer, minimum: 1, default: 1, description: How many to run.}
      additionalPrinterColumns:
        - {name: Spec, type: string, jsonPath: .spec.cronSpec}
        - {name: Replicas, type: integer, jsonPath: .spec.replicas}
        - {name: Age, type: date, jsonPath: .metadata.creationTimestamp}
`;
}

function cr(apiVersion: string, kind: string, name: string, spec: string): string {
  return `apiVersion: ${apiVersion}
kind: ${kind}
metadata: {name: ${name}}
spec: ${spec}
`;
}

function gitIn(dir: string, args: string[]): string {
  return execFileSync('git', ['-C', dir, ...args], {
    env: { ...process.env, GIT_AUTHOR_NAME: 'Dev', GIT_AUTHOR_EMAIL: 'dev@example.com', GIT_COMMITTER_NAME: 'Dev', GIT_COMMITTER_EMAIL: 'dev@example.com' },
  }).toString().trim();
}

describe('CustomResourceDefinitions with kubectl and GitOps', () => {
  let cluster: TestCluster;
  let dir: string;

  beforeAll(async () => {
    cluster = await startCluster({ nodes: 0 });
    dir = mkdtempSync(join(tmpdir(), 'skiff-crd-'));
  }, 120_000);
  afterAll(async () => {
    await cluster?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('installs a CRD with kubectl and serves its kind: schema refusals, printer columns, short names, explain', async () => {
    writeFileSync(join(dir, 'crd.yaml'), crd('stable.example.com', 'crontabs', 'CronTab', 'ct'));
    await kubectlOk(cluster, ['apply', '-f', join(dir, 'crd.yaml')]);
    await kubectlOk(cluster, ['wait', '--for', 'condition=Established', 'crd/crontabs.stable.example.com', '--timeout=30s']);
    expect(await kubectlOk(cluster, ['get', 'crd'])).toMatch(/^NAME\s+CREATED AT\ncrontabs\.stable\.example\.com\s+\d{4}-\d\d-\d\dT/);

    writeFileSync(join(dir, 'bad.yaml'), cr('stable.example.com/v1', 'CronTab', 'bad', '{cronSpec: "* * * * */5", replicas: many}'));
    const bad = await kubectl(cluster, ['apply', '-f', join(dir, 'bad.yaml')]);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toContain('The CronTab "bad" is invalid: spec.replicas: Invalid value: "string": spec.replicas in body must be of type integer: "string"');

    writeFileSync(join(dir, 'good.yaml'), cr('stable.example.com/v1', 'CronTab', 'my-new-cron-object', '{cronSpec: "* * * * */5", image: my-awesome-cron-image}'));
    expect(await kubectlOk(cluster, ['apply', '-f', join(dir, 'good.yaml')])).toContain('crontab.stable.example.com/my-new-cron-object created');
    const table = await kubectlOk(cluster, ['get', 'crontabs']);
    expect(table).toMatch(/^NAME\s+SPEC\s+REPLICAS\s+AGE\nmy-new-cron-object\s+\* \* \* \* \*\/5\s+1\s+\d+s\n$/);
    expect(await kubectlOk(cluster, ['get', 'ct', '-o', 'jsonpath={.items[*].metadata.name}'])).toBe('my-new-cron-object');

    const explain = await kubectlOk(cluster, ['explain', 'crontab.spec']);
    expect(explain).toContain('KIND:       CronTab');
    expect(explain).toContain('VERSION:    v1');
    expect(explain).toMatch(/cronSpec\s+<string> -required-/);
    expect(explain).toMatch(/replicas\s+<integer>/);
    expect(explain).toContain('The desired schedule and image.');
  });

  it('syncs a folder holding a CRD and an object of it, committed together, to Synced', async () => {
    const repo = join(dir, 'repo');
    mkdirSync(join(repo, 'deploy'), { recursive: true });
    gitIn(repo, ['init', '-q', '-b', 'main']);
    writeFileSync(join(repo, 'deploy', 'crd.yaml'), crd('widgets.example.com', 'widgets', 'Widget', 'wd'));
    writeFileSync(join(repo, 'deploy', 'widget.yaml'), cr('widgets.example.com/v1', 'Widget', 'first', '{cronSpec: "*/5 * * * *"}'));
    gitIn(repo, ['add', '-A']);
    gitIn(repo, ['commit', '-q', '-m', 'widgets: the kind and a first one']);
    const head = gitIn(repo, ['rev-parse', 'HEAD']);
    // A CRD is cluster-scoped: the Application applies as an account an admin bound to cluster-admin (ADR 014).
    await kubectlOk(cluster, ['create', 'serviceaccount', 'gitops-admin', '-n', 'default']);
    await kubectlOk(cluster, ['create', 'clusterrolebinding', 'gitops-admin', '--clusterrole=cluster-admin', '--serviceaccount=default:gitops-admin']);
    writeFileSync(join(dir, 'app.yaml'), `apiVersion: skiff.dev/v1alpha1
kind: Application
metadata: {name: widgets, namespace: default}
spec:
  serviceAccountName: gitops-admin
  source: {repoURL: ${repo}, targetRevision: main, path: deploy}
  destination: {namespace: widgets}
  syncPolicy:
    automated: {prune: true, selfHeal: true}
    syncOptions: [CreateNamespace=true]
`);
    await kubectlOk(cluster, ['apply', '-f', join(dir, 'app.yaml')]);
    const app = async () => JSON.parse(await kubectlOk(cluster, ['get', 'application', 'widgets', '-n', 'default', '-o', 'json'])) as { status?: { sync?: { status?: string; revision?: string }; operationState?: { message?: string } } };
    await eventually('the Application Synced at HEAD', async () => {
      const s = (await app()).status;
      return s?.sync?.status === 'Synced' && s.sync.revision === head;
    }, 90_000).catch(async (err: Error) => {
      throw new Error(`${err.message}\n${JSON.stringify((await app()).status, null, 2)}`);
    });
    const widget = JSON.parse(await kubectlOk(cluster, ['get', 'widget', 'first', '-n', 'widgets', '-o', 'json'])) as { spec: { replicas: number }; metadata: { labels: Record<string, string> } };
    expect(widget.spec.replicas).toBe(1);
    expect(widget.metadata.labels['skiff.dev/application']).toBe('widgets');
  });
});
