import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, createBackend, startTestServer, type TestBackend } from './harness.js';
import type { RunningApiServer } from '../src/index.js';

describe('the kubernetes Service', () => {
  let backend: TestBackend;
  let server: RunningApiServer;

  beforeAll(async () => {
    backend = await createBackend('postgres');
    server = await startTestServer(backend, { serviceClusterIpRange: '10.240.7.0/24', advertiseAddress: '127.0.0.2' });
  });
  afterAll(async () => {
    await server?.close();
    await backend?.dispose();
  });

  it('points the first address of the service range, port 443, at the advertised address', async () => {
    const call = api(server);
    const svc = await (await call('GET', '/api/v1/namespaces/default/services/kubernetes')).json;
    expect(svc.spec).toMatchObject({ clusterIP: '10.240.7.1', ports: [{ name: 'https', port: 443, protocol: 'TCP', targetPort: server.port }] });
    expect(svc.spec.selector).toBeUndefined();
    const ep = await (await call('GET', '/api/v1/namespaces/default/endpoints/kubernetes')).json;
    expect(ep.subsets).toEqual([{ addresses: [{ ip: '127.0.0.2' }], ports: [{ name: 'https', port: server.port, protocol: 'TCP' }] }]);
    // Not mirrored: the proxy reads slices, so the API server writes this one itself.
    expect(ep.metadata.labels).toEqual({ 'endpointslice.kubernetes.io/skip-mirror': 'true' });
    const slice = await (await call('GET', '/apis/discovery.k8s.io/v1/namespaces/default/endpointslices/kubernetes')).json;
    expect(slice).toMatchObject({
      metadata: { labels: { 'kubernetes.io/service-name': 'kubernetes' } },
      addressType: 'IPv4',
      endpoints: [{ addresses: ['127.0.0.2'], conditions: { ready: true } }],
      ports: [{ name: 'https', port: server.port, protocol: 'TCP' }],
    });
  });

  it('answers on the advertised address too', async () => {
    const res = await fetch(`http://127.0.0.2:${server.port}/healthz`);
    expect(res.status).toBe(200);
  });

  it('moves the Endpoints when a restarted server advertises another address, keeping the Service', async () => {
    const uid = (await api(server)('GET', '/api/v1/namespaces/default/services/kubernetes')).json.metadata.uid;
    await server.close();
    server = await startTestServer(backend, { serviceClusterIpRange: '10.240.7.0/24', advertiseAddress: '127.0.0.3' });
    const call = api(server);
    const svc = await (await call('GET', '/api/v1/namespaces/default/services/kubernetes')).json;
    expect(svc.metadata.uid).toBe(uid);
    const ep = await (await call('GET', '/api/v1/namespaces/default/endpoints/kubernetes')).json;
    expect(ep.subsets[0].addresses).toEqual([{ ip: '127.0.0.3' }]);
    const slice = await (await call('GET', '/apis/discovery.k8s.io/v1/namespaces/default/endpointslices/kubernetes')).json;
    expect(slice.endpoints).toEqual([{ addresses: ['127.0.0.3'], conditions: { ready: true } }]);
  });
});
