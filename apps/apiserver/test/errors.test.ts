import { describe, expect, it } from 'vitest';
import { api, configMap, deployment, useTestServer } from './harness.js';

describe('bad input gets a Kubernetes Status and changes nothing', () => {
  const t = useTestServer();
  const call: ReturnType<typeof api> = (...args) => t.call(...args);

  it('malformed JSON is a 400 BadRequest', async () => {
    const r = await call('POST', '/api/v1/namespaces/default/configmaps', '{"apiVersion": "v1", "kind": ');
    expect(r.status).toBe(400);
    expect(r.json).toMatchObject({ kind: 'Status', apiVersion: 'v1', status: 'Failure', reason: 'BadRequest', code: 400 });
    expect(r.json.message).toMatch(/JSON/);
  });

  it('malformed YAML is a 400 BadRequest', async () => {
    const r = await call('POST', '/api/v1/namespaces/default/configmaps', 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: [x\n', 'application/yaml');
    expect(r.status).toBe(400);
    expect(r.json).toMatchObject({ kind: 'Status', reason: 'BadRequest', code: 400 });
  });

  it('YAML bodies are accepted', async () => {
    const r = await call('POST', '/api/v1/namespaces/default/configmaps', 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: from-yaml\ndata:\n  k: v\n', 'application/yaml');
    expect(r.status).toBe(201);
    expect(r.json.data).toEqual({ k: 'v' });
  });

  it('an invalid object is a 422 with field causes', async () => {
    const bad = deployment('Bad_Name');
    bad.spec.selector.matchLabels = { app: 'other' };
    bad.spec.replicas = -1;
    const r = await call('POST', '/apis/apps/v1/namespaces/default/deployments', bad);
    expect(r.status).toBe(422);
    expect(r.json).toMatchObject({ kind: 'Status', reason: 'Invalid', code: 422, details: { name: 'Bad_Name', group: 'apps', kind: 'Deployment' } });
    const fields = r.json.details.causes.map((c: { field: string }) => c.field);
    expect(fields).toEqual(expect.arrayContaining(['metadata.name', 'spec.replicas', 'spec.template.metadata.labels']));
    const list = await call('GET', '/apis/apps/v1/namespaces/default/deployments');
    expect(list.json.items).toHaveLength(0);
  });

  it('a stale resourceVersion is a 409 Conflict and the stored object is untouched', async () => {
    const created = await call('POST', '/api/v1/namespaces/default/configmaps', configMap('cc', { v: '1' }));
    expect(created.status).toBe(201);
    const first = await call('PUT', '/api/v1/namespaces/default/configmaps/cc', { ...created.json, data: { v: '2' } });
    expect(first.status).toBe(200);
    const stale = await call('PUT', '/api/v1/namespaces/default/configmaps/cc', { ...created.json, data: { v: '3' } });
    expect(stale.status).toBe(409);
    expect(stale.json).toMatchObject({ kind: 'Status', reason: 'Conflict', code: 409 });
    const now = await call('GET', '/api/v1/namespaces/default/configmaps/cc');
    expect(now.json.data).toEqual({ v: '2' });
    expect(now.json.metadata.resourceVersion).toBe(first.json.metadata.resourceVersion);
  });

  it('creating an existing object is a 409 AlreadyExists', async () => {
    await call('POST', '/api/v1/namespaces/default/configmaps', configMap('dup'));
    const r = await call('POST', '/api/v1/namespaces/default/configmaps', configMap('dup'));
    expect(r.status).toBe(409);
    expect(r.json).toMatchObject({ reason: 'AlreadyExists', details: { name: 'dup', kind: 'configmaps' } });
  });

  it('an unknown resource or object is a 404', async () => {
    const unknown = await call('GET', '/api/v1/namespaces/default/widgets');
    expect(unknown.status).toBe(404);
    expect(unknown.json).toMatchObject({ kind: 'Status', reason: 'NotFound' });
    const missing = await call('GET', '/api/v1/namespaces/default/configmaps/nope');
    expect(missing.status).toBe(404);
    expect(missing.json.message).toBe('configmaps "nope" not found');
  });

  it('no token, or a wrong one, is a 401', async () => {
    const none = await api(t.server, null)('GET', '/api/v1/namespaces');
    expect(none.status).toBe(401);
    expect(none.json).toMatchObject({ kind: 'Status', reason: 'Unauthorized', code: 401 });
    const wrong = await api(t.server, 'not-the-token')('GET', '/api/v1/namespaces');
    expect(wrong.status).toBe(401);
    const version = await api(t.server, null)('GET', '/version');
    expect(version.status).toBe(200);
    expect(version.json.major).toBe('1');
  });

  it('a body over the size limit is refused', async () => {
    const big = configMap('big', { blob: 'x'.repeat(4 * 1024 * 1024) });
    const r = await call('POST', '/api/v1/namespaces/default/configmaps', big);
    expect(r.status).toBe(413);
    expect((await call('GET', '/api/v1/namespaces/default/configmaps/big')).status).toBe(404);
  });

  it('creating in a namespace that does not exist is a 404 and stores nothing', async () => {
    const r = await call('POST', '/api/v1/namespaces/ghost/configmaps', configMap('x', {}, 'ghost'));
    expect(r.status).toBe(404);
    expect(r.json.message).toBe('namespaces "ghost" not found');
  });

  it('a failed patch leaves the object as it was', async () => {
    const before = await call('POST', '/apis/apps/v1/namespaces/default/deployments', deployment('keep', 2));
    expect(before.status).toBe(201);
    const r = await call('PATCH', '/apis/apps/v1/namespaces/default/deployments/keep', { spec: { replicas: -5, template: { spec: { containers: [{ name: 'main', image: '' }] } } } }, 'application/strategic-merge-patch+json');
    expect(r.status).toBe(422);
    const after = await call('GET', '/apis/apps/v1/namespaces/default/deployments/keep');
    expect(after.json).toEqual(before.json);
  });

  it('an unsupported patch content type is a 415', async () => {
    const r = await call('PATCH', '/api/v1/namespaces/default/configmaps/cc', 'a=b', 'text/plain');
    expect(r.status).toBe(415);
    expect(r.json.kind).toBe('Status');
  });
});
