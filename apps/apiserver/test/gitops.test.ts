import { createHmac } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_TOKEN, api, createBackend, readWatch, startTestServer, type TestBackend, useKubectlServer } from './harness.js';
import type { RunningApiServer } from '../src/index.js';

const GV = '/apis/skiff.dev/v1alpha1';
const TABLE = 'application/json;as=Table;v=v1;g=meta.k8s.io';
const SECRET = 'hook-secret-0123';

function application(name: string, source: Record<string, unknown>, namespace = 'default') {
  return {
    apiVersion: 'skiff.dev/v1alpha1',
    kind: 'Application',
    metadata: { name, namespace },
    spec: { source, destination: { namespace: 'shop' }, syncPolicy: { automated: { prune: true, selfHeal: true }, syncOptions: ['CreateNamespace=true'] } },
  };
}

function webhook(name: string, spec: Record<string, unknown>) {
  return { apiVersion: 'skiff.dev/v1alpha1', kind: 'Webhook', metadata: { name, namespace: 'default' }, spec };
}

describe('skiff.dev/v1alpha1 Applications and Webhooks over HTTP', () => {
  let backend: TestBackend;
  let server: RunningApiServer;
  let call: ReturnType<typeof api>;

  beforeAll(async () => {
    backend = await createBackend('postgres');
    server = await startTestServer(backend);
    call = api(server);
  });
  afterAll(async () => {
    await server?.close();
    await backend?.dispose();
  });

  it('discovery advertises the group with both resources', async () => {
    const groups = await call('GET', '/apis');
    expect(groups.json.groups.map((g: { name: string }) => g.name)).toContain('skiff.dev');
    const list = await call('GET', GV);
    expect(list.status).toBe(200);
    const byName = Object.fromEntries(list.json.resources.map((r: { name: string }) => [r.name, r]));
    expect(byName.applications).toMatchObject({ kind: 'Application', namespaced: true, shortNames: ['app'], singularName: 'application' });
    expect(byName['applications/status']).toMatchObject({ kind: 'Application', verbs: ['get', 'patch', 'update'] });
    expect(byName.webhooks).toMatchObject({ kind: 'Webhook', namespaced: true });
    expect(byName['webhooks/status']).toBeDefined();
  });

  it('creates, defaults, gets and lists an Application; status is ignored on create', async () => {
    const body = { ...application('shop', { repoURL: 'https://git.example.com/team/shop.git' }), status: { sync: { status: 'Synced' } } };
    const created = await call('POST', `${GV}/namespaces/default/applications`, body);
    expect(created.status).toBe(201);
    expect(created.json.spec.source).toEqual({ repoURL: 'https://git.example.com/team/shop.git', targetRevision: 'HEAD', path: '.' });
    expect(created.json.spec.refreshIntervalSeconds).toBe(60);
    expect(created.json.status).toBeUndefined();
    const got = await call('GET', `${GV}/namespaces/default/applications/shop`);
    expect(got.json.metadata.uid).toBe(created.json.metadata.uid);
    const all = await call('GET', `${GV}/applications`);
    expect(all.json).toMatchObject({ kind: 'ApplicationList', apiVersion: 'skiff.dev/v1alpha1' });
    expect(all.json.items.map((a: any) => a.metadata.name)).toContain('shop');
  });

  it('an invalid Application is a 422 with Kubernetes field causes', async () => {
    const bad = application('bad', { path: '/abs' });
    (bad.spec as any).destination = { namespace: 'Not_A_Label' };
    (bad.spec.syncPolicy as any).syncOptions = ['Prune'];
    const r = await call('POST', `${GV}/namespaces/default/applications`, bad);
    expect(r.status).toBe(422);
    expect(r.json).toMatchObject({ kind: 'Status', reason: 'Invalid', code: 422, details: { name: 'bad', group: 'skiff.dev', kind: 'Application' } });
    const causes = r.json.details.causes.map((c: any) => `${c.field}: ${c.message.split(':')[0]}`);
    expect(causes).toEqual(
      expect.arrayContaining(['spec.source.repoURL: Required value', 'spec.source.path: Invalid value', 'spec.destination.namespace: Invalid value', 'spec.syncPolicy.syncOptions[0]: Invalid value']),
    );
    expect(r.json.message).toContain('spec.source.repoURL: Required value');
  });

  it('status is written through /status only, and watchers see it', async () => {
    const created = await call('POST', `${GV}/namespaces/default/applications`, application('watched', { repoURL: '/srv/git/watched' }));
    const rv = created.json.metadata.resourceVersion;
    const events = readWatch(`${server.url}${GV}/namespaces/default/applications?watch=true&resourceVersion=${rv}&fieldSelector=metadata.name=watched`, 1);
    const status = {
      sync: { status: 'Synced', revision: '0123456789abcdef0123456789abcdef01234567' },
      health: { status: 'Healthy', message: '' },
      history: [{ id: 1, revision: '0123456789abcdef0123456789abcdef01234567', message: 'first', author: 'a', deployedAt: '2026-01-01T00:00:00Z' }],
    };
    const patched = await call('PATCH', `${GV}/namespaces/default/applications/watched/status`, { status }, 'application/merge-patch+json');
    expect(patched.status).toBe(200);
    expect(patched.json.status).toMatchObject(status);
    const [event] = await events;
    expect(event).toMatchObject({ type: 'MODIFIED', object: { metadata: { name: 'watched' }, status: { sync: { status: 'Synced' } } } });

    // The main resource keeps the stored status whatever the body says.
    const spec = await call('PATCH', `${GV}/namespaces/default/applications/watched`, { spec: { source: { path: 'deploy' } }, status: { sync: { status: 'OutOfSync' } } }, 'application/merge-patch+json');
    expect(spec.json.spec.source.path).toBe('deploy');
    expect(spec.json.status.sync.status).toBe('Synced');

    const badStatus = await call('PATCH', `${GV}/namespaces/default/applications/watched/status`, { status: { health: { status: 'Fine' } } }, 'application/merge-patch+json');
    expect(badStatus.status).toBe(422);
    expect(badStatus.json.details.causes[0]).toMatchObject({ field: 'status.health.status', reason: 'FieldValueNotSupported' });
  });

  it('prints Applications as a Table with the sync, health and revision columns', async () => {
    const r = await call('GET', `${GV}/namespaces/default/applications/watched`, undefined, 'application/json', { accept: TABLE });
    expect(r.json.kind).toBe('Table');
    expect(r.json.columnDefinitions.map((c: any) => c.name)).toEqual(['Name', 'Sync', 'Health', 'Revision', 'Age', 'Repo', 'Path', 'Target']);
    expect(r.json.rows[0].cells).toEqual(['watched', 'Synced', 'Healthy', '0123456', expect.any(String), '/srv/git/watched', 'deploy', 'HEAD']);
  });

  it('creates Webhooks, rejects unknown events, records deliveries on status and prints them', async () => {
    const created = await call('POST', `${GV}/namespaces/default/webhooks`, webhook('slack', { url: 'https://hooks.example.com/x', events: ['sync.failed'] }));
    expect(created.status).toBe(201);
    expect(created.json.spec.timeoutSeconds).toBe(10);

    const bad = await call('POST', `${GV}/namespaces/default/webhooks`, webhook('bad', { url: 'mailto:ops@example.com', events: ['sync.exploded'] }));
    expect(bad.status).toBe(422);
    expect(bad.json.details.causes.map((c: any) => [c.field, c.reason])).toEqual([
      ['spec.url', 'FieldValueInvalid'],
      ['spec.events[0]', 'FieldValueNotSupported'],
    ]);

    const status = await call('PATCH', `${GV}/namespaces/default/webhooks/slack/status`, { status: { lastDelivery: { statusCode: 204, time: '2026-01-01T00:00:00Z' }, failures: 0 } }, 'application/merge-patch+json');
    expect(status.status).toBe(200);
    const table = await call('GET', `${GV}/namespaces/default/webhooks`, undefined, 'application/json', { accept: TABLE });
    expect(table.json.columnDefinitions.map((c: any) => c.name)).toEqual(['Name', 'URL', 'Events', 'Last Delivery', 'Age']);
    expect(table.json.rows[0].cells.slice(0, 4)).toEqual(['slack', 'https://hooks.example.com/x', 1, 204]);
  });
});

describe('kubectl and Applications', () => {
  const k = useKubectlServer('skiff-gitops-kubectl-');

  it('applies an Application with strict validation; `get app` shows its columns', async () => {
    const manifest = join(k.dir, 'app.yaml');
    writeFileSync(
      manifest,
      ['apiVersion: skiff.dev/v1alpha1', 'kind: Application', 'metadata:', '  name: kubectl-app', 'spec:', '  source:', '    repoURL: https://git.example.com/team/kubectl.git', '    targetRevision: main', '    path: deploy', '  destination:', '    namespace: shop', ''].join('\n'),
    );
    const applied = await k.run(['apply', '-f', manifest]);
    expect(applied.out).toMatch(/application.skiff.dev\/kubectl-app created/);
    expect(applied.code).toBe(0);
    const again = await k.run(['apply', '-f', manifest]);
    expect(again.out).toMatch(/application.skiff.dev\/kubectl-app unchanged/);
    const get = await k.run(['get', 'app', 'kubectl-app']);
    expect(get.code).toBe(0);
    expect(get.out).toMatch(/^NAME\s+SYNC\s+HEALTH\s+REVISION\s+AGE\s*$/m);
    expect(get.out).toMatch(/^kubectl-app\s+Unknown\s+Unknown\s+<none>\s+\d+s\s*$/m);
    const wide = await k.run(['get', 'applications', '-o', 'wide']);
    expect(wide.out).toMatch(/^NAME\s+SYNC\s+HEALTH\s+REVISION\s+AGE\s+REPO\s+PATH\s+TARGET\s*$/m);
    expect(wide.out).toMatch(/kubectl-app\s+Unknown\s+Unknown\s+<none>\s+\d+s\s+https:\/\/git.example.com\/team\/kubectl.git\s+deploy\s+main/);
    const resources = await k.run(['api-resources', '--api-group=skiff.dev']);
    expect(resources.out).toMatch(/^applications\s+app\s+skiff.dev\/v1alpha1\s+true\s+Application/m);
    expect(resources.out).toMatch(/^webhooks\s+skiff.dev\/v1alpha1\s+true\s+Webhook/m);
  }, 90_000);

  it('explains the Application fields', async () => {
    const explained = await k.run(['explain', 'app.spec.source']);
    expect(explained.code).toBe(0);
    expect(explained.out).toMatch(/repoURL\s+<string> -required-/);
    expect(explained.out).toMatch(/targetRevision\s+<string>/);
    expect(explained.out).toMatch(/helm\s+<Object>/);
    const helm = await k.run(['explain', 'app.spec.source.helm']);
    expect(helm.out).toMatch(/valueFiles\s+<\[\]string>/);
    expect(helm.out).toMatch(/valuesObject\s+<Object>/);
    const kustomize = await k.run(['explain', 'app.spec.source.kustomize']);
    expect(kustomize.out).toMatch(/allowRemoteBases\s+<boolean>/);
  }, 60_000);

  it('accepts the rendering fields with strict field validation, and refuses two renderers at once', async () => {
    const manifest = join(k.dir, 'rendered.yaml');
    const app = (source: string[]) =>
      ['apiVersion: skiff.dev/v1alpha1', 'kind: Application', 'metadata:', '  name: rendered', 'spec:', '  source:', '    repoURL: /srv/git/shop', '    path: chart', ...source, '  destination:', '    namespace: shop', ''].join('\n');
    writeFileSync(manifest, app(['    helm:', '      valueFiles: [values-production.yaml]', '      valuesObject: {service: {port: 8080}}', '      parameters: [{name: image.tag, value: "1.4", forceString: true}]']));
    const ok = await k.run(['apply', '--validate=strict', '-f', manifest]);
    expect(ok.code).toBe(0);
    expect(ok.out).toMatch(/application.skiff.dev\/rendered created/);
    writeFileSync(manifest, app(['    helm: {releaseName: shop}', '    kustomize: {namePrefix: prod-}']));
    const refused = await k.run(['apply', '-f', manifest]);
    expect(refused.code).not.toBe(0);
    expect(refused.out).toContain('spec.source.kustomize: Forbidden: may not be set together with helm');
  }, 60_000);

  it('re-applies a changed Application, removing a sync option', async () => {
    const manifest = join(k.dir, 'opts.yaml');
    const write = (options: string[]) =>
      writeFileSync(
        manifest,
        ['apiVersion: skiff.dev/v1alpha1', 'kind: Application', 'metadata:', '  name: opts', 'spec:', '  source:', '    repoURL: /srv/git/opts', '  destination:', '    namespace: shop', '  syncPolicy:', `    syncOptions: ${JSON.stringify(options)}`, ''].join('\n'),
      );
    write(['CreateNamespace=true', 'PruneLast=true']);
    expect((await k.run(['apply', '-f', manifest])).code).toBe(0);
    write(['PruneLast=true']);
    const reapplied = await k.run(['apply', '-f', manifest]);
    expect(reapplied.out).toMatch(/application.skiff.dev\/opts configured/);
    const got = await k.run(['get', 'app', 'opts', '-o', 'jsonpath={.spec.syncPolicy.syncOptions}']);
    expect(JSON.parse(got.out)).toEqual(['PruneLast=true']);
  }, 60_000);

  it('rejects an invalid Application with the field causes', async () => {
    const manifest = join(k.dir, 'bad.yaml');
    writeFileSync(manifest, ['apiVersion: skiff.dev/v1alpha1', 'kind: Application', 'metadata:', '  name: bad', 'spec:', '  destination:', '    namespace: shop', ''].join('\n'));
    const applied = await k.run(['apply', '-f', manifest]);
    expect(applied.code).toBe(1);
    expect(applied.out).toContain('spec.source.repoURL: Required value');
  }, 60_000);
});

const sign = (body: string) => createHmac('sha256', SECRET).update(body).digest('hex');

function githubPush(cloneUrl: string, branch: string, defaultBranch = 'main') {
  const html = cloneUrl.replace(/\.git$/, '');
  const ssh = cloneUrl.replace(/^https:\/\/github\.com\//, 'git@github.com:');
  return JSON.stringify({ ref: `refs/heads/${branch}`, after: 'abc', repository: { clone_url: cloneUrl, html_url: html, ssh_url: ssh, default_branch: defaultBranch } });
}

describe('POST /hooks/git', () => {
  let backend: TestBackend;
  let server: RunningApiServer;
  let call: ReturnType<typeof api>;
  let hook: ReturnType<typeof api>;

  const refreshedAt = async (name: string, namespace = 'default') => {
    const r = await call('GET', `${GV}/namespaces/${namespace}/applications/${name}`);
    return r.json.metadata.annotations?.['skiff.dev/refresh'] as string | undefined;
  };
  const clearRefresh = async (name: string, namespace = 'default') => {
    await call('PATCH', `${GV}/namespaces/${namespace}/applications/${name}`, { metadata: { annotations: { 'skiff.dev/refresh': null } } }, 'application/merge-patch+json');
  };

  beforeAll(async () => {
    backend = await createBackend('postgres');
    server = await startTestServer(backend, { gitWebhookSecret: SECRET });
    call = api(server);
    hook = api(server, null);
    await call('POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'team' } });
    const apps = [
      application('shop-main', { repoURL: 'https://GitHub.com/team/shop', targetRevision: 'main' }),
      application('shop-head', { repoURL: 'https://user:token@github.com/team/shop.git/' }, 'team'),
      application('shop-dev', { repoURL: 'https://github.com/team/shop.git', targetRevision: 'dev' }),
      application('other', { repoURL: 'https://github.com/team/other.git', targetRevision: 'main' }),
      application('gitea-app', { repoURL: 'http://localhost:3000/org/site.git', targetRevision: 'main' }),
      application('gitlab-app', { repoURL: 'https://gitlab.example.com/group/api', targetRevision: 'release' }),
    ];
    for (const a of apps) expect((await call('POST', `${GV}/namespaces/${a.metadata.namespace}/applications`, a)).status).toBe(201);
  });
  afterAll(async () => {
    await server?.close();
    await backend?.dispose();
  });

  it('a signed GitHub push refreshes the Applications on that repository and branch, in all namespaces', async () => {
    const body = githubPush('https://github.com/team/shop.git', 'main');
    const before = Date.now();
    const r = await hook('POST', '/hooks/git', body, 'application/json', { 'x-github-event': 'push', 'x-hub-signature-256': `sha256=${sign(body)}` });
    expect(r.status).toBe(202);
    expect(r.json.refreshed.sort()).toEqual(['default/shop-main', 'team/shop-head']);
    const at = await refreshedAt('shop-main');
    expect(at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    expect(Date.parse(at!)).toBeGreaterThanOrEqual(before - 1000);
    expect(await refreshedAt('shop-head', 'team')).toBe(at);
    expect(await refreshedAt('shop-dev')).toBeUndefined();
    expect(await refreshedAt('other')).toBeUndefined();
    await clearRefresh('shop-main');
    await clearRefresh('shop-head', 'team');
  });

  it('a push to another branch refreshes only the Application following that branch', async () => {
    const body = githubPush('https://github.com/team/shop.git', 'dev');
    const r = await hook('POST', '/hooks/git', body, 'application/json', { 'x-github-event': 'push', 'x-hub-signature-256': `sha256=${sign(body)}` });
    expect(r.status).toBe(202);
    expect(r.json.refreshed).toEqual(['default/shop-dev']);
    expect(await refreshedAt('shop-main')).toBeUndefined();
    expect(await refreshedAt('shop-head', 'team')).toBeUndefined();
    await clearRefresh('shop-dev');
  });

  it('a signed Gitea push refreshes its Application', async () => {
    const body = JSON.stringify({ ref: 'refs/heads/main', repository: { clone_url: 'http://localhost:3000/org/site.git', html_url: 'http://localhost:3000/org/site', ssh_url: 'git@localhost:org/site.git', default_branch: 'main' } });
    const r = await hook('POST', '/hooks/git', body, 'application/json', { 'x-gitea-event': 'push', 'x-github-event': 'push', 'x-gitea-signature': sign(body) });
    expect(r.status).toBe(202);
    expect(r.json.refreshed).toEqual(['default/gitea-app']);
    expect(await refreshedAt('gitea-app')).toBeDefined();
  });

  it('a GitLab push with the right token refreshes its Application; a branch mismatch refreshes nothing', async () => {
    const payload = (branch: string) =>
      JSON.stringify({ object_kind: 'push', ref: `refs/heads/${branch}`, project: { git_http_url: 'https://gitlab.example.com/group/api.git', git_ssh_url: 'git@gitlab.example.com:group/api.git', web_url: 'https://gitlab.example.com/group/api', default_branch: 'main' } });
    const miss = await hook('POST', '/hooks/git', payload('main'), 'application/json', { 'x-gitlab-event': 'Push Hook', 'x-gitlab-token': SECRET });
    expect(miss.status).toBe(200);
    expect(miss.json).toEqual({ refreshed: [] });
    expect(await refreshedAt('gitlab-app')).toBeUndefined();
    const hit = await hook('POST', '/hooks/git', payload('release'), 'application/json', { 'x-gitlab-event': 'Push Hook', 'x-gitlab-token': SECRET });
    expect(hit.status).toBe(202);
    expect(hit.json.refreshed).toEqual(['default/gitlab-app']);
    expect(await refreshedAt('gitlab-app')).toBeDefined();
  });

  it.each<[string, Record<string, string>]>([
    ['a wrong GitHub signature', { 'x-github-event': 'push', 'x-hub-signature-256': `sha256=${'0'.repeat(64)}` }],
    ['a GitHub signature of another body', { 'x-github-event': 'push', 'x-hub-signature-256': `sha256=${sign('{}')}` }],
    ['a wrong Gitea signature', { 'x-gitea-event': 'push', 'x-gitea-signature': 'abc' }],
    ['a wrong GitLab token', { 'x-gitlab-event': 'Push Hook', 'x-gitlab-token': 'guess' }],
    ['no signature at all', { 'x-github-event': 'push' }],
  ])('%s is a 401 Status and refreshes nothing', async (_name, headers) => {
    const body = githubPush('https://github.com/team/other.git', 'main');
    const r = await hook('POST', '/hooks/git', body, 'application/json', headers);
    expect(r.status).toBe(401);
    expect(r.json).toMatchObject({ kind: 'Status', apiVersion: 'v1', status: 'Failure', reason: 'Unauthorized', code: 401 });
    expect(r.text).not.toContain(SECRET);
    expect(await refreshedAt('other')).toBeUndefined();
  });

  it('answers a ping with 200 and an unparsable push with 400', async () => {
    const ping = JSON.stringify({ zen: 'Keep it logically awesome.', hook_id: 1 });
    const pong = await hook('POST', '/hooks/git', ping, 'application/json', { 'x-github-event': 'ping', 'x-hub-signature-256': `sha256=${sign(ping)}` });
    expect(pong.status).toBe(200);
    expect(pong.json).toEqual({ refreshed: [] });
    const junk = '{"ref": ';
    const bad = await hook('POST', '/hooks/git', junk, 'application/json', { 'x-github-event': 'push', 'x-hub-signature-256': `sha256=${sign(junk)}` });
    expect(bad.status).toBe(400);
    expect(bad.json).toMatchObject({ kind: 'Status', reason: 'BadRequest', code: 400 });
  });

  it("accepts GitHub's form-encoded deliveries", async () => {
    const form = `payload=${encodeURIComponent(githubPush('https://github.com/team/other.git', 'main'))}`;
    const r = await hook('POST', '/hooks/git', form, 'application/x-www-form-urlencoded', { 'x-github-event': 'push', 'x-hub-signature-256': `sha256=${sign(form)}` });
    expect(r.status).toBe(202);
    expect(r.json.refreshed).toEqual(['default/other']);
  });
});

describe('POST /hooks/git without a configured secret', () => {
  let backend: TestBackend;
  let server: RunningApiServer;

  beforeAll(async () => {
    backend = await createBackend('postgres');
    server = await startTestServer(backend);
  });
  afterAll(async () => {
    await server?.close();
    await backend?.dispose();
  });

  it('refuses every delivery with a 401', async () => {
    const body = githubPush('https://github.com/team/shop.git', 'main');
    const r = await api(server, null)('POST', '/hooks/git', body, 'application/json', { 'x-github-event': 'push', 'x-hub-signature-256': `sha256=${sign(body)}` });
    expect(r.status).toBe(401);
    expect(r.json).toMatchObject({ kind: 'Status', reason: 'Unauthorized', code: 401 });
  });
});
