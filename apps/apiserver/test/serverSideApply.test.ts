import { describe, expect, it } from 'vitest';
import { api, useTestServer } from './harness.js';

/** The manifest of the Python client's apps-deployment.yaml, which its e2e suite creates and then applies. */
function nginxApp(replicas = 3) {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'nginx-app', namespace: 'default' },
    spec: {
      replicas,
      selector: { matchLabels: { app: 'nginx' } },
      template: { metadata: { labels: { app: 'nginx' } }, spec: { containers: [{ name: 'nginx', image: 'nginx:1.15.4', ports: [{ containerPort: 80 }] }] } },
    },
  };
}

const PATH = '/apis/apps/v1/namespaces/default/deployments';
const APPLY = 'application/apply-patch+yaml';

describe('server-side apply shares fields set to equal values and refuses different ones', () => {
  const t = useTestServer();
  const call: ReturnType<typeof api> = (...args) => t.call(...args);

  const owners = (obj: { metadata: { managedFields?: { manager: string; operation: string; fieldsV1: object }[] } }, field: string) =>
    (obj.metadata.managedFields ?? []).filter((m) => JSON.stringify(m.fieldsV1).includes(`"f:${field}"`)).map((m) => `${m.manager}/${m.operation}`);

  it('create, then apply of the same manifest by another manager: no conflict, both own the fields', async () => {
    const created = await call('POST', PATH, nginxApp(), 'application/json', { 'user-agent': 'OpenAPI-Generator/31.0.0/python' });
    expect(created.status).toBe(201);
    const applied = await call('PATCH', `${PATH}/nginx-app?fieldManager=python-client`, nginxApp(), APPLY);
    expect(applied.status).toBe(200);
    expect(applied.json.spec.replicas).toBe(3);
    expect(owners(applied.json, 'replicas')).toEqual(['OpenAPI-Generator/Update', 'python-client/Apply']);
    expect(owners(applied.json, 'image')).toEqual(['OpenAPI-Generator/Update', 'python-client/Apply']);
    const again = await call('PATCH', `${PATH}/nginx-app?fieldManager=python-client`, nginxApp(), APPLY);
    expect(again.status).toBe(200);
    expect(again.json.metadata.resourceVersion).toBe(applied.json.metadata.resourceVersion);
  });

  it('a different value is a 409 naming the owner and the field, as kube-apiserver words it', async () => {
    const first = await call('PATCH', `${PATH}/shared?fieldManager=mgr1`, { ...nginxApp(2), metadata: { name: 'shared' } }, APPLY);
    expect(first.status).toBe(201);
    const conflict = await call('PATCH', `${PATH}/shared?fieldManager=mgr2`, { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'shared' }, spec: { replicas: 5 } }, APPLY);
    expect(conflict.status).toBe(409);
    expect(conflict.json).toEqual({
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: 'Apply failed with 1 conflict: conflict with "mgr1": .spec.replicas',
      reason: 'Conflict',
      details: { causes: [{ reason: 'FieldManagerConflict', message: 'conflict with "mgr1"', field: '.spec.replicas' }] },
      code: 409,
    });
    const same = await call('PATCH', `${PATH}/shared?fieldManager=mgr2`, { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'shared' }, spec: { replicas: 2 } }, APPLY);
    expect(same.status).toBe(200);
    expect(owners(same.json, 'replicas')).toEqual(['mgr1/Apply', 'mgr2/Apply']);
    const forced = await call('PATCH', `${PATH}/shared?fieldManager=mgr2&force=true`, { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'shared' }, spec: { replicas: 5 } }, APPLY);
    expect(forced.status).toBe(200);
    expect(forced.json.spec.replicas).toBe(5);
    expect(owners(forced.json, 'replicas')).toEqual(['mgr2/Apply']);
  });

  it('a field its only applier leaves out is removed; a shared one stays with the other manager', async () => {
    const cm = (data: Record<string, string>) => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'prune' }, data });
    const cmPath = '/api/v1/namespaces/default/configmaps/prune';
    expect((await call('PATCH', `${cmPath}?fieldManager=a`, cm({ x: '1', y: '2' }), APPLY)).status).toBe(201);
    expect((await call('PATCH', `${cmPath}?fieldManager=b`, cm({ y: '2' }), APPLY)).status).toBe(200);
    const dropped = await call('PATCH', `${cmPath}?fieldManager=a`, cm({}), APPLY);
    expect(dropped.status).toBe(200);
    expect(dropped.json.data).toEqual({ y: '2' });
    expect(owners(dropped.json, 'y')).toEqual(['b/Apply']);
  });
});
