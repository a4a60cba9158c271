import { describe, expect, it } from 'vitest';
import { applyDefaults, RESOURCE_TYPES } from '../kinds/registry.js';
import type { Kind } from '../kinds/kind.js';
import type { KubeObject } from '../types.js';
import { validationCauses } from '../validation.js';

/* eslint-disable @typescript-eslint/no-explicit-any */
type Mutate = (o: any) => void;

function typeOf(kind: string): Kind {
  return RESOURCE_TYPES.find((r) => r.group === 'skiff.dev' && r.kind === kind)!;
}

const application = (): KubeObject => ({
  apiVersion: 'skiff.dev/v1alpha1',
  kind: 'Application',
  metadata: { name: 'shop', namespace: 'default' },
  spec: {
    source: { repoURL: 'https://git.example.com/team/shop.git', targetRevision: 'main', path: 'deploy' },
    destination: { namespace: 'shop' },
    syncPolicy: { automated: { prune: true, selfHeal: true }, syncOptions: ['CreateNamespace=true'], autoRollback: false },
  },
});

const webhook = (): KubeObject => ({
  apiVersion: 'skiff.dev/v1alpha1',
  kind: 'Webhook',
  metadata: { name: 'slack', namespace: 'default' },
  spec: { url: 'https://hooks.example.com/T0/B0', events: ['sync.failed', 'health.degraded'], applications: ['shop'], secretRef: { name: 'hook', key: 'token' } },
});

function causes(kind: string, build: () => KubeObject, mutate: Mutate): string[] {
  const o = build() as any;
  mutate(o);
  return validationCauses(applyDefaults(o), typeOf(kind)).map((c) => `${c.field}: ${c.message}`);
}

describe('Application validation', () => {
  it('accepts a complete Application and each repository form', () => {
    expect(causes('Application', application, () => {})).toEqual([]);
    expect(
      causes('Application', application, (o) => {
        o.spec.syncPolicy.retry = { limit: -1, backoff: { duration: '5s', factor: 2, maxDuration: '3m' } };
        o.spec.ignoreDifferences = [{ group: 'apps', kind: 'Deployment', name: 'web', jsonPointers: ['/spec/replicas'], jqPathExpressions: ['.spec.template.spec.containers[] | select(.name == "istio-proxy")'], managedFieldsManagers: ['kube-controller-manager'] }];
      }),
    ).toEqual([]);
    for (const repoURL of ['/srv/git/shop', './shop', 'file:///srv/git/shop', 'http://localhost:3000/team/shop']) {
      expect(causes('Application', application, (o) => (o.spec.source.repoURL = repoURL))).toEqual([]);
    }
  });

  it('defaults the revision, path and refresh interval', () => {
    const o = application() as any;
    delete o.spec.source.targetRevision;
    delete o.spec.source.path;
    const d = applyDefaults(o) as any;
    expect(d.spec.source).toMatchObject({ targetRevision: 'HEAD', path: '.' });
    expect(d.spec.refreshIntervalSeconds).toBe(60);
  });

  it.each<[string, Mutate, string[]]>([
    ['no spec', (o) => delete o.spec, ['spec.source.repoURL: Required value', 'spec.destination.namespace: Required value']],
    ['no repoURL', (o) => delete o.spec.source.repoURL, ['spec.source.repoURL: Required value']],
    ['a retry backoff that is not a duration', (o) => (o.spec.syncPolicy.retry = { limit: 2, backoff: { duration: '5 seconds', factor: 0 } }), ['spec.syncPolicy.retry.backoff.duration: Invalid value: "5 seconds": must be a duration such as 5s, 3m or 1h30m', 'spec.syncPolicy.retry.backoff.factor: Invalid value: 0: must be at least 1']],
    ['ignoreDifferences without a kind, with a relative pointer', (o) => (o.spec.ignoreDifferences = [{ group: 'apps', jsonPointers: ['spec/replicas'] }]), ['spec.ignoreDifferences[0].kind: Required value', 'spec.ignoreDifferences[0].jsonPointers[0]: Invalid value: "spec/replicas": must be a JSON pointer such as /spec/replicas']],
    ['a git:// repoURL', (o) => (o.spec.source.repoURL = 'git://example.com/shop.git'), ['spec.source.repoURL: Invalid value: "git://example.com/shop.git": must be a local path, a file:// URL, an http(s):// or ssh:// URL, or git@host:path']],
    ['an absolute path', (o) => (o.spec.source.path = '/etc'), ['spec.source.path: Invalid value: "/etc": must be a path relative to the repository root']],
    ['a path above the root', (o) => (o.spec.source.path = 'deploy/../..'), [`spec.source.path: Invalid value: "deploy/../..": must not contain '..'`]],
    ['a bad namespace', (o) => (o.spec.destination.namespace = 'Shop_1'), ['spec.destination.namespace: Invalid value: "Shop_1": a lowercase RFC 1123 label must consist of lower case alphanumeric characters or \'-\', and must start and end with an alphanumeric character (e.g. \'my-name\',  or \'123-abc\', regex used for validation is \'[a-z0-9]([-a-z0-9]*[a-z0-9])?\')']],
    ['a syncOption without =', (o) => (o.spec.syncPolicy.syncOptions = ['CreateNamespace=true', 'Prune']), ['spec.syncPolicy.syncOptions[1]: Invalid value: "Prune": must be of the form Key=Value, e.g. CreateNamespace=true']],
    ['a non-boolean prune', (o) => (o.spec.syncPolicy.automated.prune = 'yes'), ['spec.syncPolicy.automated.prune: Invalid value: "yes": expected boolean']],
    ['a zero refresh interval', (o) => (o.spec.refreshIntervalSeconds = 0), ['spec.refreshIntervalSeconds: Invalid value: 0: must be greater than 0']],
    ['an unknown sync status', (o) => (o.status = { sync: { status: 'Done' } }), ['status.sync.status: Unsupported value: "Done": supported values: "Synced", "OutOfSync", "Unknown"']],
    ['helm and kustomize together', (o) => Object.assign(o.spec.source, { helm: { releaseName: 'shop' }, kustomize: { namePrefix: 'a-' } }), ['spec.source.kustomize: Forbidden: may not be set together with helm: a folder is rendered one way']],
    ['a helm parameter without name', (o) => (o.spec.source.helm = { parameters: [{ value: '3' }] }), ['spec.source.helm.parameters[0].name: Required value']],
    ['a bad helm release name', (o) => (o.spec.source.helm = { releaseName: 'Shop_1' }), [`spec.source.helm.releaseName: Invalid value: "Shop_1": a Helm release name must be at most 53 characters of lower case alphanumerics, '-' and '.', starting and ending with an alphanumeric`]],
    ['an absolute values file', (o) => (o.spec.source.helm = { valueFiles: ['/etc/values.yaml'] }), ['spec.source.helm.valueFiles[0]: Invalid value: "/etc/values.yaml": must be a path relative to the chart folder']],
    ['valuesObject a string', (o) => (o.spec.source.helm = { valuesObject: 'replicaCount: 2' }), ['spec.source.helm.valuesObject: Invalid value: "replicaCount: 2": expected object']],
    ['a kustomize image with spaces', (o) => (o.spec.source.kustomize = { images: ['web = web:2'] }), ['spec.source.kustomize.images[0]: Invalid value: "web = web:2": must be name=newName:tag, name:tag or name@digest']],
    ['a non-string kustomize label', (o) => (o.spec.source.kustomize = { commonLabels: { env: 1 } }), ['spec.source.kustomize.commonLabels[env]: Invalid value: 1: expected string']],
    ['a non-boolean allowRemoteBases', (o) => (o.spec.source.kustomize = { allowRemoteBases: 'yes' }), ['spec.source.kustomize.allowRemoteBases: Invalid value: "yes": expected boolean']],
    ['a jsonnet ext var without name', (o) => (o.spec.source.directory = { jsonnet: { extVars: [{ value: 'x' }] } }), ['spec.source.directory.jsonnet.extVars[0].name: Required value']],
    ['a jsonnet lib above the root', (o) => (o.spec.source.directory = { jsonnet: { libs: ['../vendor'] } }), ['spec.source.directory.jsonnet.libs[0]: Invalid value: "../vendor": must be a folder inside the repository, relative to its root']],
    ['a non-boolean recurse', (o) => (o.spec.source.directory = { recurse: 'true' }), ['spec.source.directory.recurse: Invalid value: "true": expected boolean']],
  ])('rejects %s', (_name, mutate, expected) => {
    expect(causes('Application', application, mutate)).toEqual(expected);
  });

  it('accepts each way of rendering, with Argo CD\'s field names', () => {
    const sources = [
      { helm: { valueFiles: ['values-production.yaml'], ignoreMissingValueFiles: true, values: 'a: 1', valuesObject: { b: { c: 2 } }, parameters: [{ name: 'image.tag', value: '1.0', forceString: true }], releaseName: 'shop', skipCrds: false } },
      { kustomize: { images: ['web=registry.local/web:2', 'db:15', 'cache@sha256:abc'], namePrefix: 'p-', nameSuffix: '-s', commonLabels: { env: 'prod' }, commonAnnotations: { team: 'a' }, namespace: 'shop', allowRemoteBases: false } },
      { directory: { recurse: false, include: '*.yaml', exclude: '{a.yaml,b/*}', jsonnet: { extVars: [{ name: 'env', value: 'prod' }], tlas: [{ name: 'replicas', value: '3', code: true }], libs: ['vendor'] } } },
      { helm: {}, directory: { recurse: true } },
    ];
    for (const extra of sources) expect(causes('Application', application, (o) => Object.assign(o.spec.source, extra))).toEqual([]);
  });
});

describe('Webhook validation', () => {
  it('accepts a complete Webhook and one with only a URL', () => {
    expect(causes('Webhook', webhook, () => {})).toEqual([]);
    expect(causes('Webhook', webhook, (o) => (o.spec = { url: 'http://127.0.0.1:9000/hook' }))).toEqual([]);
  });

  it('defaults the timeout and leaves events unset (all)', () => {
    const d = applyDefaults(webhook()) as any;
    expect(d.spec.timeoutSeconds).toBe(10);
    const bare = applyDefaults({ ...webhook(), spec: { url: 'https://x.example' } }) as any;
    expect(bare.spec.events).toBeUndefined();
  });

  it.each<[string, Mutate, string[]]>([
    ['no url', (o) => delete o.spec.url, ['spec.url: Required value']],
    ['a non-http url', (o) => (o.spec.url = 'ftp://example.com/x'), ['spec.url: Invalid value: "ftp://example.com/x": must be an http:// or https:// URL']],
    ['an unknown event', (o) => (o.spec.events = ['sync.failed', 'sync.exploded']), [expect.stringMatching(/^spec\.events\[1\]: Unsupported value: "sync\.exploded": supported values: "sync\.succeeded", /) as unknown as string]],
    ['a repeated event', (o) => (o.spec.events = ['sync.failed', 'sync.failed']), ['spec.events[1]: Duplicate value: "sync.failed"']],
    ['a secretRef without key', (o) => (o.spec.secretRef = { name: 'hook' }), ['spec.secretRef.key: Required value']],
    ['a bad application name', (o) => (o.spec.applications = ['Shop']), [expect.stringMatching(/^spec\.applications\[0\]: Invalid value: "Shop": a lowercase RFC 1123 subdomain/) as unknown as string]],
    ['a zero timeout', (o) => (o.spec.timeoutSeconds = 0), ['spec.timeoutSeconds: Invalid value: 0: must be greater than 0']],
  ])('rejects %s', (_name, mutate, expected) => {
    expect(causes('Webhook', webhook, mutate)).toEqual(expected);
  });
});
