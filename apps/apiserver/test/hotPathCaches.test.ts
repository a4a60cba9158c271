import { tokenSecret, tokenSecretName, TOKEN_NAMESPACE } from '@skiff/apimachinery';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningApiServer } from '../src/index.js';
import { api, createBackend, startTestServer, type TestBackend } from './harness.js';

/** Polls `check` until it holds, failing after `ms`: for what reaches a second server by the change feed. */
async function until(what: string, check: () => Promise<boolean>, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`${what}: not within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/**
 * What the API server caches on the request path (token Secrets, namespaces, quotas, limit ranges,
 * RBAC) is never stale for the next request after a write through the same server returns, and
 * reaches a second server sharing the database through the change feed.
 */
describe('request-path caches', () => {
  let backend: TestBackend;
  let a: RunningApiServer;
  let b: RunningApiServer;
  beforeAll(async () => {
    backend = await createBackend('postgres');
    a = await startTestServer(backend);
    b = await startTestServer(backend);
  });
  afterAll(async () => {
    await a?.close();
    await b?.close();
    await backend?.dispose();
  });
  const SECRETS = `/api/v1/namespaces/${TOKEN_NAMESPACE}/secrets`;

  it('refuses a revoked token on the very next request, and on another server once the feed reports it', async () => {
    for (const [writer, other, token] of [
      [a, b, 'token-revoked-here'],
      [b, a, 'token-revoked-there'],
    ] as const) {
      const admin = api(writer);
      expect((await admin('POST', SECRETS, tokenSecret(token, { name: 'carol', groups: ['system:masters'] }))).status).toBe(201);
      // A token made a moment ago works at once on both servers (a cache miss reads the store).
      expect((await api(writer, token)('GET', '/api/v1/namespaces')).status).toBe(200);
      expect((await api(other, token)('GET', '/api/v1/namespaces')).status).toBe(200);
      expect((await admin('DELETE', `${SECRETS}/${tokenSecretName(token)}`)).status).toBe(200);
      expect((await api(writer, token)('GET', '/api/v1/namespaces')).status).toBe(401);
      await until('the other server refuses the revoked token', async () => (await api(other, token)('GET', '/api/v1/namespaces')).status === 401);
    }
  });

  it('refuses content in a namespace from the request after its delete, and admits it in one just made elsewhere', async () => {
    const call = api(a);
    const cm = (name: string) => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name } });
    expect((await api(b)('POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'fresh' } })).status).toBe(201);
    expect((await call('POST', '/api/v1/namespaces/fresh/configmaps', cm('one'))).status).toBe(201);
    // Without the namespace controller the namespace stays Terminating.
    expect((await call('DELETE', '/api/v1/namespaces/fresh')).status).toBe(200);
    const refused = await call('POST', '/api/v1/namespaces/fresh/configmaps', cm('two'));
    expect(refused.status).toBe(403);
    expect(refused.json.message).toContain('because it is being terminated');
    await until('the other server refuses it too', async () => (await api(b)('POST', '/api/v1/namespaces/fresh/configmaps', cm('three'))).status === 403);
    expect((await call('POST', '/api/v1/namespaces/missing/configmaps', cm('one'))).status).toBe(404);
  });

  it('charges a quota counted a moment ago on the next create, and refuses the one over it', async () => {
    const call = api(a);
    expect((await call('POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'quota' } })).status).toBe(201);
    const quota = { apiVersion: 'v1', kind: 'ResourceQuota', metadata: { name: 'q' }, spec: { hard: { 'count/configmaps': '1' } } };
    const created = await call('POST', '/api/v1/namespaces/quota/resourcequotas', quota);
    expect(created.status).toBe(201);
    // What the quota controller does first: usage known, so admission enforces the quota.
    const counted = { ...created.json, status: { hard: { 'count/configmaps': '1' }, used: { 'count/configmaps': '0' } } };
    expect((await call('PUT', '/api/v1/namespaces/quota/resourcequotas/q/status', counted)).status).toBe(200);
    const cm = (name: string) => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name } });
    expect((await call('POST', '/api/v1/namespaces/quota/configmaps', cm('one'))).status).toBe(201);
    const over = await call('POST', '/api/v1/namespaces/quota/configmaps', cm('two'));
    expect(over.status).toBe(403);
    expect(over.json.message).toContain('exceeded quota');
    // The other server charged the same quota's fresh usage (its cache saw the charge, or the compare-and-swap made it re-read).
    expect((await api(b)('POST', '/api/v1/namespaces/quota/configmaps', cm('three'))).status).toBe(403);
  });

  it('defaults a pod from a LimitRange created just before it', async () => {
    const call = api(a);
    expect((await call('POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'limits' } })).status).toBe(201);
    const range = { apiVersion: 'v1', kind: 'LimitRange', metadata: { name: 'lr' }, spec: { limits: [{ type: 'Container', default: { memory: '64Mi' }, defaultRequest: { memory: '32Mi' } }] } };
    expect((await call('POST', '/api/v1/namespaces/limits/limitranges', range)).status).toBe(201);
    const pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' }, spec: { containers: [{ name: 'c', image: 'busybox' }] } };
    const created = await call('POST', '/api/v1/namespaces/limits/pods', pod);
    expect(created.status).toBe(201);
    expect(created.json.spec.containers[0].resources).toEqual({ limits: { memory: '64Mi' }, requests: { memory: '32Mi' } });
  });

  it('allows and denies by RBAC from the request after a binding is written or deleted', async () => {
    const admin = api(a);
    expect((await admin('POST', SECRETS, tokenSecret('token-of-erin', { name: 'erin', groups: [] }))).status).toBe(201);
    const erin = api(a, 'token-of-erin');
    expect((await erin('GET', '/api/v1/namespaces/default/configmaps')).status).toBe(403);
    const binding = { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'RoleBinding', metadata: { name: 'erin-view' }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'view' }, subjects: [{ kind: 'User', name: 'erin' }] };
    expect((await admin('POST', '/apis/rbac.authorization.k8s.io/v1/namespaces/default/rolebindings', binding)).status).toBe(201);
    expect((await erin('GET', '/api/v1/namespaces/default/configmaps')).status).toBe(200);
    expect((await admin('DELETE', '/apis/rbac.authorization.k8s.io/v1/namespaces/default/rolebindings/erin-view')).status).toBe(200);
    expect((await erin('GET', '/api/v1/namespaces/default/configmaps')).status).toBe(403);
    await until('the other server denies too', async () => (await api(b, 'token-of-erin')('GET', '/api/v1/namespaces/default/configmaps')).status === 403);
  });

  it('applies a Role\'s changed rules from the next request (remembered decisions are forgotten)', async () => {
    const admin = api(a);
    expect((await admin('POST', SECRETS, tokenSecret('token-of-frank', { name: 'frank', groups: [] }))).status).toBe(201);
    const frank = api(a, 'token-of-frank');
    const ROLES = '/apis/rbac.authorization.k8s.io/v1/namespaces/default/roles';
    const role = (verbs: string[]) => ({ apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', metadata: { name: 'reader' }, rules: [{ apiGroups: [''], resources: ['configmaps'], verbs }] });
    const created = await admin('POST', ROLES, role(['get', 'list']));
    expect(created.status).toBe(201);
    const binding = { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'RoleBinding', metadata: { name: 'frank-reader' }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'reader' }, subjects: [{ kind: 'User', name: 'frank' }] };
    expect((await admin('POST', '/apis/rbac.authorization.k8s.io/v1/namespaces/default/rolebindings', binding)).status).toBe(201);
    for (let i = 0; i < 3; i++) expect((await frank('GET', '/api/v1/namespaces/default/configmaps')).status).toBe(200);
    expect((await admin('PUT', `${ROLES}/reader`, { ...role(['get']), metadata: created.json.metadata })).status).toBe(200);
    expect((await frank('GET', '/api/v1/namespaces/default/configmaps')).status).toBe(403);
    await until('the other server denies too', async () => (await api(b, 'token-of-frank')('GET', '/api/v1/namespaces/default/configmaps')).status === 403);
  });
});
