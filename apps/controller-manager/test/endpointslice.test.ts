import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KubeObject } from '@skiff/apimachinery';
import type { Endpoint } from 'kubernetes-types/discovery/v1.js';
import { ENDPOINTS, ENDPOINTSLICES, PODS, SERVICES } from '../src/resources.js';
import { TestCluster } from './cluster.js';
import { metricValue } from './metrics.js';

const slicesOf = (c: TestCluster, service: string, managedBy = 'endpointslice-controller.k8s.io') =>
  c.list(ENDPOINTSLICES).filter((s) => s.metadata.labels?.['kubernetes.io/service-name'] === service && s.metadata.labels?.['endpointslice.kubernetes.io/managed-by'] === managedBy);
const endpointsOf = (slices: KubeObject[]) => slices.flatMap((s) => (s.endpoints as Endpoint[] | undefined) ?? []);
const addresses = (slices: KubeObject[], filter: (e: Endpoint) => boolean = () => true) =>
  endpointsOf(slices)
    .filter(filter)
    .map((e) => e.addresses[0])
    .sort();
const ready = (e: Endpoint) => e.conditions?.ready === true;

function service(name: string, selector: Record<string, string> | undefined, clusterIP = '127.230.1.1'): KubeObject {
  return { apiVersion: 'v1', kind: 'Service', metadata: { name, namespace: 'default', labels: { team: 'a' } }, spec: { ...(selector ? { selector } : {}), clusterIP, ports: [{ name: 'http', port: 80, targetPort: 'web' }] } };
}

async function runningPod(c: TestCluster, name: string, ip: string, isReady: boolean, labels: Record<string, string> = { app: 'web' }): Promise<KubeObject> {
  const pod = await c.client.create(PODS, { apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'default', labels }, spec: { containers: [{ name: 'main', image: 'x', command: ['x'], ports: [{ name: 'web', containerPort: 8080 }] }] } });
  await c.setPodReady(pod, isReady);
  await c.client.patch(PODS, 'default', name, { status: { podIP: ip } }, 'merge', { subresource: 'status' });
  return pod;
}

describe('EndpointSlice controller', () => {
  let c: TestCluster;
  beforeAll(async () => {
    c = await TestCluster.start(['endpointslice', 'endpointslicemirroring']);
    c.watch(SERVICES);
    c.watch(ENDPOINTS);
    c.watch(ENDPOINTSLICES);
  });
  afterAll(async () => {
    await c?.stop();
  });

  it('creates slices from empty: a placeholder, then endpoints with conditions, ports, nodeName and targetRef', async () => {
    await c.client.create(SERVICES, service('web', { app: 'web' }));
    await c.until('placeholder slice', () => slicesOf(c, 'web').length === 1);
    const placeholder = slicesOf(c, 'web')[0];
    expect(placeholder.endpoints ?? []).toEqual([]);
    expect(placeholder.ports).toBeUndefined();

    const a = await runningPod(c, 'a', '127.6.0.1', true);
    await runningPod(c, 'b', '127.6.0.2', false);
    await c.until('a and b', () => addresses(slicesOf(c, 'web')).join() === '127.6.0.1,127.6.0.2');
    const [slice] = slicesOf(c, 'web');
    expect(slice.addressType).toBe('IPv4');
    expect(slice.ports).toEqual([{ name: 'http', port: 8080, protocol: 'TCP' }]);
    expect(slice.metadata.labels).toEqual({ team: 'a', 'kubernetes.io/service-name': 'web', 'endpointslice.kubernetes.io/managed-by': 'endpointslice-controller.k8s.io' });
    expect(slice.metadata.ownerReferences).toEqual([expect.objectContaining({ kind: 'Service', name: 'web', controller: true })]);
    expect(endpointsOf([slice]).find((e) => e.addresses[0] === '127.6.0.1')).toEqual({
      addresses: ['127.6.0.1'],
      conditions: { ready: true, serving: true, terminating: false },
      nodeName: 'node-1',
      targetRef: { kind: 'Pod', namespace: 'default', name: 'a', uid: a.metadata.uid },
    });
    expect(addresses(slicesOf(c, 'web'), ready)).toEqual(['127.6.0.1']);
  });

  it('converges after changes: readiness, labels, termination, and more than 100 endpoints', async () => {
    await c.setPodReady(c.get(PODS, 'b')!, true);
    await c.until('b ready', () => addresses(slicesOf(c, 'web'), ready).join() === '127.6.0.1,127.6.0.2');
    await c.client.patch(PODS, 'default', 'a', { metadata: { labels: { app: 'elsewhere' } } });
    await c.until('a gone by label', () => addresses(slicesOf(c, 'web')).join() === '127.6.0.2');
    // A finalizer keeps b terminating, so the slice shows it as Kubernetes does: not ready, still serving.
    await c.client.patch(PODS, 'default', 'b', { metadata: { finalizers: ['test.skiff.dev/hold'] } });
    await c.client.delete(PODS, 'default', 'b');
    await c.until('b terminating', () => endpointsOf(slicesOf(c, 'web')).some((e) => e.addresses[0] === '127.6.0.2' && e.conditions?.terminating === true));
    expect(endpointsOf(slicesOf(c, 'web'))[0].conditions).toEqual({ ready: false, serving: true, terminating: true });
    // The kubelet's last word: the pod is gone once its node confirms, and the finalizer is lifted.
    await c.client.patch(PODS, 'default', 'b', { metadata: { finalizers: null } });
    await c.client.delete(PODS, 'default', 'b', { gracePeriodSeconds: 0 });
    await c.until('b gone', () => slicesOf(c, 'web').length === 1 && endpointsOf(slicesOf(c, 'web')).length === 0);

    for (let i = 1; i <= 105; i++) await runningPod(c, `p${i}`, `127.7.0.${i}`, true, { app: 'many' });
    await c.client.create(SERVICES, service('many', { app: 'many' }, '127.230.1.2'));
    await c.until('105 endpoints in two slices', () => slicesOf(c, 'many').length === 2 && addresses(slicesOf(c, 'many'), ready).length === 105, 60_000);
    expect(slicesOf(c, 'many').map((s) => (s.endpoints as Endpoint[]).length).sort((x, y) => x - y)).toEqual([5, 100]);
  });

  it('a second pass over converged slices writes nothing', async () => {
    const before = slicesOf(c, 'many').map((s) => s.metadata.resourceVersion).sort();
    const runs = await metricValue(c.cm?.registry, 'skiff_reconcile_total', { controller: 'endpointslice' });
    await c.client.patch(SERVICES, 'default', 'many', { metadata: { annotations: { touched: 'yes' } } });
    await c.until('another pass', async () => (await metricValue(c.cm?.registry, 'skiff_reconcile_total', { controller: 'endpointslice' })) > runs);
    const after = (await c.client.list(ENDPOINTSLICES, { namespace: 'default' })).items.filter((s) => s.metadata.labels?.['kubernetes.io/service-name'] === 'many').map((s) => s.metadata.resourceVersion).sort();
    expect(after).toEqual(before);
  });

  it('leaves slices it does not manage alone, and mirrors a selectorless Service’s Endpoints', async () => {
    const mine = await c.client.create(ENDPOINTSLICES, {
      apiVersion: 'discovery.k8s.io/v1',
      kind: 'EndpointSlice',
      metadata: { name: 'web-by-hand', namespace: 'default', labels: { 'kubernetes.io/service-name': 'web', 'endpointslice.kubernetes.io/managed-by': 'someone-else' } },
      addressType: 'IPv4',
      endpoints: [{ addresses: ['127.9.9.9'] }],
    });
    await c.client.create(SERVICES, service('external', undefined, '127.230.1.3'));
    await c.client.create(ENDPOINTS, { apiVersion: 'v1', kind: 'Endpoints', metadata: { name: 'external', namespace: 'default' }, subsets: [{ addresses: [{ ip: '127.9.0.1' }], notReadyAddresses: [{ ip: '127.9.0.2' }], ports: [{ name: 'pg', port: 5432 }] }] });
    const mirrored = 'endpointslicemirroring-controller.k8s.io';
    await c.until('mirrored slice', () => addresses(slicesOf(c, 'external', mirrored)).join() === '127.9.0.1,127.9.0.2');
    expect(addresses(slicesOf(c, 'external', mirrored), ready)).toEqual(['127.9.0.1']);
    expect(slicesOf(c, 'external')).toEqual([]);
    await c.client.patch(SERVICES, 'default', 'web', { metadata: { annotations: { touched: 'yes' } } });
    await runningPod(c, 'again', '127.6.0.9', true);
    await c.until('web has again', () => addresses(slicesOf(c, 'web')).includes('127.6.0.9'));
    expect((await c.client.get(ENDPOINTSLICES, 'default', 'web-by-hand')).metadata.resourceVersion).toBe(mine.metadata.resourceVersion);

    await c.client.delete(SERVICES, 'default', 'web');
    await c.until('web slices gone', () => slicesOf(c, 'web').length === 0);
    expect(c.get(ENDPOINTSLICES, 'web-by-hand')).toBeDefined();
    await c.client.delete(ENDPOINTS, 'default', 'external');
    await c.until('mirror gone', () => slicesOf(c, 'external', mirrored).length === 0);
  });

  // Neither controller has an input that can never succeed: every failure (a conflict with another
  // writer, a stale cache's AlreadyExists, the API server away) is worth retrying, so there is no
  // terminal path to test.
});
