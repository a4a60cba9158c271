import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, configMap, createBackend, deployment, startTestServer, type TestBackend } from './harness.js';
import { findResource } from '@skiff/apimachinery';
import { Admission } from '../src/admission/admission.js';
import type { RunningApiServer } from '../src/index.js';

const NS = '/api/v1/namespaces';

function pod(name: string, resources?: Record<string, unknown>, extra: Record<string, unknown> = {}) {
  return { apiVersion: 'v1', kind: 'Pod', metadata: { name }, spec: { containers: [{ name: 'main', image: 'busybox:1', ...(resources ? { resources } : {}) }], ...extra } };
}

describe('ResourceQuota and LimitRange in the API server', () => {
  let backend: TestBackend;
  let server: RunningApiServer;
  let call: ReturnType<typeof api>;
  let n = 0;

  /** A fresh namespace per test, so quotas of one test never count another's objects. */
  async function namespace(): Promise<string> {
    const name = `q${++n}`;
    expect((await call('POST', NS, { apiVersion: 'v1', kind: 'Namespace', metadata: { name } })).status).toBe(201);
    return name;
  }

  /** Creates a quota and fills its status as the quota controller would (the API server enforces status.hard). */
  async function quota(ns: string, name: string, hard: Record<string, string>, used: Record<string, string>, spec: Record<string, unknown> = {}) {
    const created = await call('POST', `${NS}/${ns}/resourcequotas`, { apiVersion: 'v1', kind: 'ResourceQuota', metadata: { name }, spec: { hard, ...spec } });
    expect(created.status).toBe(201);
    expect(created.json.status).toBeUndefined();
    const status = await call('PUT', `${NS}/${ns}/resourcequotas/${name}/status`, { ...created.json, status: { hard, used } });
    expect(status.status).toBe(200);
    return status.json;
  }

  const used = async (ns: string, name: string) => (await call('GET', `${NS}/${ns}/resourcequotas/${name}`)).json.status.used;

  beforeAll(async () => {
    backend = await createBackend('postgres');
    server = await startTestServer(backend);
    call = api(server);
  });
  afterAll(async () => {
    await server?.close();
    await backend?.dispose();
  });

  it('serves both kinds with short names, validation and a status subresource', async () => {
    const discovery = (await call('GET', '/api/v1')).json.resources as { name: string; shortNames?: string[] }[];
    expect(discovery.find((r) => r.name === 'resourcequotas')?.shortNames).toEqual(['quota']);
    expect(discovery.find((r) => r.name === 'limitranges')?.shortNames).toEqual(['limits']);
    expect(discovery.some((r) => r.name === 'resourcequotas/status')).toBe(true);
    const ns = await namespace();
    const bad = await call('POST', `${NS}/${ns}/resourcequotas`, { apiVersion: 'v1', kind: 'ResourceQuota', metadata: { name: 'bad' }, spec: { hard: { pods: '-1', widgets: '1' } } });
    expect(bad.status).toBe(422);
    expect(bad.json.message).toContain('spec.hard[pods]: Invalid value: "-1": must be greater than or equal to 0');
    expect(bad.json.message).toContain('spec.hard[widgets]: Invalid value: "widgets": must be a standard resource for quota');
    const lr = await call('POST', `${NS}/${ns}/limitranges`, { apiVersion: 'v1', kind: 'LimitRange', metadata: { name: 'lr' }, spec: { limits: [{ type: 'Container', max: { cpu: '1' } }] } });
    expect(lr.status).toBe(201);
    expect(lr.json.spec.limits[0]).toEqual({ type: 'Container', max: { cpu: '1' }, default: { cpu: '1' }, defaultRequest: { cpu: '1' } });
  });

  it('refuses an object past a quota with Kubernetes message and charges status.used otherwise', async () => {
    const ns = await namespace();
    await quota(ns, 'objects', { pods: '2', configmaps: '1', 'count/deployments.apps': '0' }, { pods: '0', configmaps: '0', 'count/deployments.apps': '0' });
    expect((await call('POST', `${NS}/${ns}/pods`, pod('a'))).status).toBe(201);
    expect((await call('POST', `${NS}/${ns}/pods`, pod('b'))).status).toBe(201);
    expect(await used(ns, 'objects')).toEqual({ pods: '2', configmaps: '0', 'count/deployments.apps': '0' });
    const third = await call('POST', `${NS}/${ns}/pods`, pod('c'));
    expect(third.status).toBe(403);
    expect(third.json).toMatchObject({ kind: 'Status', reason: 'Forbidden', code: 403, details: { name: 'c', kind: 'pods' } });
    expect(third.json.message).toBe('pods "c" is forbidden: exceeded quota: objects, requested: pods=1, used: pods=2, limited: pods=2');

    expect((await call('POST', `${NS}/${ns}/configmaps`, configMap('one', { a: '1' }, ns))).status).toBe(201);
    const two = await call('POST', `${NS}/${ns}/configmaps`, configMap('two', { a: '1' }, ns));
    expect(two.json.message).toBe('configmaps "two" is forbidden: exceeded quota: objects, requested: configmaps=1, used: configmaps=1, limited: configmaps=1');
    const dep = await call('POST', `/apis/apps/v1/namespaces/${ns}/deployments`, deployment('web', 1, ns));
    expect(dep.status).toBe(403);
    expect(dep.json.message).toBe('deployments.apps "web" is forbidden: exceeded quota: objects, requested: count/deployments.apps=1, used: count/deployments.apps=0, limited: count/deployments.apps=0');
    // A dry run is checked but not charged.
    const quotaBefore = await used(ns, 'objects');
    expect((await call('POST', `${NS}/${ns}/configmaps?dryRun=All`, configMap('three', { a: '1' }, ns))).status).toBe(403);
    expect(await used(ns, 'objects')).toEqual(quotaBefore);
  });

  it('requires the compute resources a quota limits, and sums them', async () => {
    const ns = await namespace();
    await quota(ns, 'compute', { 'requests.cpu': '1', 'limits.cpu': '2', 'requests.memory': '1Gi' }, { 'requests.cpu': '0', 'limits.cpu': '0', 'requests.memory': '0' });
    const bare = await call('POST', `${NS}/${ns}/pods`, pod('bare'));
    expect(bare.status).toBe(403);
    expect(bare.json.message).toBe('pods "bare" is forbidden: failed quota: compute: must specify limits.cpu for: main; requests.cpu for: main; requests.memory for: main');
    const sized = { requests: { cpu: '600m', memory: '512Mi' }, limits: { cpu: '1' } };
    expect((await call('POST', `${NS}/${ns}/pods`, pod('one', sized))).status).toBe(201);
    expect(await used(ns, 'compute')).toEqual({ 'limits.cpu': '1', 'requests.cpu': '600m', 'requests.memory': '512Mi' });
    const over = await call('POST', `${NS}/${ns}/pods`, pod('two', sized));
    expect(over.status).toBe(403);
    expect(over.json.message).toBe('pods "two" is forbidden: exceeded quota: compute, requested: requests.cpu=600m, used: requests.cpu=600m, limited: requests.cpu=1');
  });

  it('lets only one of many concurrent creates past a quota of 1', async () => {
    const ns = await namespace();
    await quota(ns, 'one', { configmaps: '1' }, { configmaps: '0' });
    const results = await Promise.all(Array.from({ length: 8 }, (_, i) => call('POST', `${NS}/${ns}/configmaps`, configMap(`cm${i}`, { a: '1' }, ns))));
    expect(results.map((r) => r.status).sort()).toEqual([201, 403, 403, 403, 403, 403, 403, 403]);
    expect(await used(ns, 'one')).toEqual({ configmaps: '1' });
    const listed = await call('GET', `${NS}/${ns}/configmaps`);
    expect(listed.json.items).toHaveLength(1);
  });

  it('charges a quota once per admitted object when every charge starts from the same read', async () => {
    // Admission straight on the store: all eight read the quota at one resourceVersion before any
    // charge commits, so all but one charge conflict and re-decide from the fresh quota.
    const ns = await namespace();
    await quota(ns, 'one', { configmaps: '1' }, { configmaps: '0' });
    const admission = new Admission(server.store, { enforce: 'baseline', exemptNamespaces: new Set() });
    const configMaps = findResource('', 'v1', 'configmaps')!;
    const outcomes = await Promise.allSettled(Array.from({ length: 8 }, (_, i) => admission.validate(configMaps, { ...configMap(`cm${i}`, { a: '1' }, ns) }, { dryRun: false })));
    expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(1);
    const refusals = outcomes.flatMap((o) => (o.status === 'rejected' ? [String((o.reason as Error).message)] : []));
    expect(refusals).toHaveLength(7);
    for (const m of refusals) expect(m).toMatch(/^configmaps "cm\d" is forbidden: exceeded quota: one, requested: configmaps=1, used: configmaps=1, limited: configmaps=1$/);
    expect(await used(ns, 'one')).toEqual({ configmaps: '1' });
  });

  it('charges a Service for the node ports an update adds', async () => {
    const ns = await namespace();
    await quota(ns, 'ports', { services: '2', 'services.nodeports': '1' }, { services: '0', 'services.nodeports': '0' });
    const svc = { apiVersion: 'v1', kind: 'Service', metadata: { name: 'web' }, spec: { selector: { app: 'web' }, ports: [{ name: 'a', port: 80 }, { name: 'b', port: 81 }] } };
    expect((await call('POST', `${NS}/${ns}/services`, svc)).status).toBe(201);
    expect(await used(ns, 'ports')).toEqual({ services: '1', 'services.nodeports': '0' });
    const patched = await call('PATCH', `${NS}/${ns}/services/web`, { spec: { type: 'NodePort' } }, 'application/merge-patch+json');
    expect(patched.status).toBe(403);
    expect(patched.json.message).toBe('services "web" is forbidden: exceeded quota: ports, requested: services.nodeports=2, used: services.nodeports=0, limited: services.nodeports=1');
    const onePort = await call('PUT', `${NS}/${ns}/services/web`, { ...svc, spec: { ...svc.spec, type: 'NodePort', ports: [{ name: 'a', port: 80 }] } });
    expect(onePort.status).toBe(200);
    expect(await used(ns, 'ports')).toEqual({ services: '1', 'services.nodeports': '1' });
  });

  it('counts only the pods a scoped quota selects', async () => {
    const ns = await namespace();
    await quota(ns, 'besteffort', { pods: '0' }, { pods: '0' }, { scopes: ['BestEffort'] });
    const bestEffort = await call('POST', `${NS}/${ns}/pods`, pod('be'));
    expect(bestEffort.json.message).toBe('pods "be" is forbidden: exceeded quota: besteffort, requested: pods=1, used: pods=0, limited: pods=0');
    expect((await call('POST', `${NS}/${ns}/pods`, pod('burstable', { requests: { cpu: '100m' } }))).status).toBe(201);
  });

  it('fills container defaults from a LimitRange on pods only, and enforces min, max and ratio', async () => {
    const ns = await namespace();
    const lr = await call('POST', `${NS}/${ns}/limitranges`, {
      apiVersion: 'v1',
      kind: 'LimitRange',
      metadata: { name: 'limits' },
      spec: { limits: [{ type: 'Container', default: { cpu: '500m', memory: '128Mi' }, defaultRequest: { cpu: '250m' }, max: { cpu: '500m' }, min: { cpu: '100m' }, maxLimitRequestRatio: { cpu: '4' } }] },
    });
    expect(lr.status).toBe(201);
    const defaulted = await call('POST', `${NS}/${ns}/pods`, pod('defaulted'));
    expect(defaulted.status).toBe(201);
    expect(defaulted.json.spec.containers[0].resources).toEqual({ requests: { cpu: '250m', memory: '128Mi' }, limits: { cpu: '500m', memory: '128Mi' } });
    expect(defaulted.json.metadata.annotations['kubernetes.io/limit-ranger']).toBe('LimitRanger plugin set: cpu, memory request for container main; cpu, memory limit for container main');
    expect(defaulted.json.status.qosClass).toBe('Burstable');

    const big = await call('POST', `${NS}/${ns}/pods`, pod('big', { limits: { cpu: '1' } }));
    expect(big.status).toBe(403);
    expect(big.json.message).toBe('pods "big" is forbidden: maximum cpu usage per Container is 500m, but limit is 1');
    const ratio = await call('POST', `${NS}/${ns}/pods`, pod('ratio', { requests: { cpu: '100m' }, limits: { cpu: '500m' } }));
    expect(ratio.json.message).toBe('pods "ratio" is forbidden: cpu max limit to request ratio per Container is 4, but provided ratio is 5.000000');
    const both = await call('POST', `${NS}/${ns}/pods`, pod('both', { requests: { cpu: '50m' }, limits: { cpu: '1' } }));
    expect(both.json.message).toBe('pods "both" is forbidden: [minimum cpu usage per Container is 100m, but request is 50m, maximum cpu usage per Container is 500m, but limit is 1, cpu max limit to request ratio per Container is 4, but provided ratio is 20.000000]');

    const dep = await call('POST', `/apis/apps/v1/namespaces/${ns}/deployments`, deployment('web', 1, ns));
    expect(dep.status).toBe(201);
    expect(dep.json.spec.template.spec.containers[0].resources).toEqual({});
  });

  it('enforces a Pod item over the sum of containers', async () => {
    const ns = await namespace();
    expect((await call('POST', `${NS}/${ns}/limitranges`, { apiVersion: 'v1', kind: 'LimitRange', metadata: { name: 'pod' }, spec: { limits: [{ type: 'Pod', max: { memory: '1Gi' } }] } })).status).toBe(201);
    const twoContainers = pod('two', undefined, {
      containers: [
        { name: 'a', image: 'x', resources: { limits: { memory: '768Mi' } } },
        { name: 'b', image: 'x', resources: { limits: { memory: '512Mi' } } },
      ],
    });
    const res = await call('POST', `${NS}/${ns}/pods`, twoContainers);
    expect(res.json.message).toBe('pods "two" is forbidden: maximum memory usage per Pod is 1Gi, but limit is 1280Mi');
  });
});
