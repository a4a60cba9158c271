import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KubeObject } from '@skiff/apimachinery';
import { ENDPOINTS, PODS, SERVICES } from '../src/resources.js';
import { TestCluster } from './cluster.js';
import { metricValue } from './metrics.js';

type Subset = { addresses?: { ip: string }[]; notReadyAddresses?: { ip: string }[]; ports: { port: number; name?: string }[] };
const subsetsOf = (ep: KubeObject | undefined) => ((ep?.subsets ?? []) as Subset[]);
const readyIps = (ep: KubeObject | undefined) => subsetsOf(ep).flatMap((s) => (s.addresses ?? []).map((a) => a.ip)).sort();
const notReadyIps = (ep: KubeObject | undefined) => subsetsOf(ep).flatMap((s) => (s.notReadyAddresses ?? []).map((a) => a.ip)).sort();

function service(name: string, selector: Record<string, string> | undefined, clusterIP = '127.230.0.1'): KubeObject {
  return { apiVersion: 'v1', kind: 'Service', metadata: { name, namespace: 'default' }, spec: { ...(selector ? { selector } : {}), clusterIP, ports: [{ name: 'http', port: 80, targetPort: 'web' }] } };
}

async function runningPod(c: TestCluster, name: string, ip: string, ready: boolean, labels = { app: 'web' }): Promise<KubeObject> {
  const pod = await c.client.create(PODS, { apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'default', labels }, spec: { containers: [{ name: 'main', image: 'x', command: ['x'], ports: [{ name: 'web', containerPort: 8080 }] }] } });
  await c.setPodReady(pod, ready);
  await c.client.patch(PODS, 'default', name, { status: { podIP: ip } }, 'merge', { subresource: 'status' });
  return pod;
}

describe('Endpoints controller', () => {
  let c: TestCluster;
  beforeAll(async () => {
    c = await TestCluster.start(['endpoints']);
    c.watch(SERVICES);
    c.watch(ENDPOINTS);
  });
  afterAll(async () => {
    await c?.stop();
  });

  it('creates Endpoints from empty with ready and not-ready addresses and resolved named ports', async () => {
    await runningPod(c, 'a', '127.5.0.1', true);
    await runningPod(c, 'b', '127.5.0.2', false);
    await c.client.create(SERVICES, service('web', { app: 'web' }));
    // Wait for the addresses themselves: a pod's IP arrives in a second status write.
    await c.until('endpoints', () => readyIps(c.get(ENDPOINTS, 'web')).join() === '127.5.0.1' && notReadyIps(c.get(ENDPOINTS, 'web')).join() === '127.5.0.2');
    const ep = c.get(ENDPOINTS, 'web')!;
    expect(readyIps(ep)).toEqual(['127.5.0.1']);
    expect(notReadyIps(ep)).toEqual(['127.5.0.2']);
    expect(subsetsOf(ep)[0].ports).toEqual([{ name: 'http', port: 8080, protocol: 'TCP' }]);
    expect(ep.metadata.labels?.['endpoints.kubernetes.io/managed-by']).toBe('endpoint-controller');
  });

  it('follows readiness, deletion and label changes', async () => {
    const b = c.get(PODS, 'b')!;
    await c.setPodReady(b, true);
    await c.until('b ready', () => readyIps(c.get(ENDPOINTS, 'web')).join() === '127.5.0.1,127.5.0.2');
    await c.client.patch(PODS, 'default', 'a', { metadata: { labels: { app: 'elsewhere' } } });
    await c.until('a gone by label', () => readyIps(c.get(ENDPOINTS, 'web')).join() === '127.5.0.2');
    await c.client.delete(PODS, 'default', 'b');
    await c.until('b gone once terminating', () => readyIps(c.get(ENDPOINTS, 'web')).length === 0 && notReadyIps(c.get(ENDPOINTS, 'web')).length === 0);
  });

  it('a second pass over converged Endpoints writes nothing', async () => {
    await runningPod(c, 'c', '127.5.0.3', true);
    await c.until('c', () => readyIps(c.get(ENDPOINTS, 'web')).join() === '127.5.0.3');
    const rv = c.get(ENDPOINTS, 'web')!.metadata.resourceVersion;
    const runs = await metricValue(c.cm?.registry, 'skiff_reconcile_total', { controller: 'endpoints' });
    await c.client.patch(SERVICES, 'default', 'web', { metadata: { annotations: { touched: 'yes' } } });
    await c.until('another pass', async () => (await metricValue(c.cm?.registry, 'skiff_reconcile_total', { controller: 'endpoints' })) > runs);
    expect((await c.client.get(ENDPOINTS, 'default', 'web')).metadata.resourceVersion).toBe(rv);
  });

  it('leaves hand-made Endpoints of a Service without a selector alone', async () => {
    await c.client.create(SERVICES, service('external', undefined, '127.230.0.2'));
    const mine = await c.client.create(ENDPOINTS, { apiVersion: 'v1', kind: 'Endpoints', metadata: { name: 'external', namespace: 'default' }, subsets: [{ addresses: [{ ip: '127.9.9.9' }], ports: [{ port: 5432 }] }] });
    await runningPod(c, 'd', '127.5.0.4', true, { app: 'web' });
    await c.until('web has d', () => readyIps(c.get(ENDPOINTS, 'web')).includes('127.5.0.4'));
    await c.client.delete(SERVICES, 'default', 'external');
    await c.until('service gone', () => !c.get(SERVICES, 'external'));
    await c.client.patch(SERVICES, 'default', 'web', { metadata: { annotations: { touched: 'again' } } });
    await c.until('web still fine', () => readyIps(c.get(ENDPOINTS, 'web')).includes('127.5.0.4'));
    expect((await c.client.get(ENDPOINTS, 'default', 'external')).metadata.resourceVersion).toBe(mine.metadata.resourceVersion);
  });

  it('deletes the Endpoints it made when the Service goes', async () => {
    await c.client.delete(SERVICES, 'default', 'web');
    await c.until('endpoints gone', () => !c.get(ENDPOINTS, 'web'));
    expect(c.get(ENDPOINTS, 'external')).toBeDefined();
  });

  // The endpoints controller has no input that can never succeed: every failure (a conflict with
  // another writer, the API server away) is worth retrying, so there is no terminal path to test.
});
