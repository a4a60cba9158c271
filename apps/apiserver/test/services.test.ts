import { cidrContains, DNS_SERVICE_IP, NODE_PORT_RANGE } from '@skiff/apimachinery';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { api, createBackend, startTestServer, type TestBackend } from './harness.js';
import type { RunningApiServer } from '../src/index.js';

const SERVICES = '/api/v1/namespaces/default/services';

function service(name: string, spec: Record<string, unknown> = {}) {
  return { apiVersion: 'v1', kind: 'Service', metadata: { name }, spec: { selector: { app: name }, ports: [{ port: 80 }], ...spec } };
}

describe('Service cluster IPs and node ports', () => {
  let backend: TestBackend;
  let servers: RunningApiServer[];
  let call: ReturnType<typeof api>;

  beforeEach(async () => {
    backend = await createBackend('postgres');
    servers = [await startTestServer(backend)];
    call = api(servers[0]);
  });
  afterEach(async () => {
    for (const s of servers) await s.close();
    await backend.dispose();
  });

  /** What Services hold, besides the kubernetes Service's first address of the range, held from the start. */
  const held = async (pool: string) => {
    const values = await servers[0].store.allocations(pool);
    if (pool === 'service-ip') expect(values.delete('127.224.0.1')).toBe(true);
    return values;
  };

  it('gives a Service a free cluster IP in the range, kept by updates that omit it and across a restart', async () => {
    const created = await call('POST', SERVICES, service('web'));
    expect(created.status).toBe(201);
    const ip = created.json.spec.clusterIP as string;
    expect(cidrContains('127.224.0.0/12', ip)).toBe(true);
    expect(created.json.spec).toMatchObject({ clusterIPs: [ip], ipFamilies: ['IPv4'], ipFamilyPolicy: 'SingleStack' });
    expect(await held('service-ip')).toEqual(new Set([ip]));

    // kubectl replace / apply of the original file, which has no clusterIP.
    const replaced = await call('PUT', `${SERVICES}/web`, { ...service('web', { ports: [{ port: 8080 }] }), metadata: { name: 'web', resourceVersion: created.json.metadata.resourceVersion } });
    expect(replaced.status).toBe(200);
    expect(replaced.json.spec).toMatchObject({ clusterIP: ip, clusterIPs: [ip], ports: [{ port: 8080 }] });
    const patched = await call('PATCH', `${SERVICES}/web`, { metadata: { labels: { a: 'b' } } }, 'application/merge-patch+json');
    expect(patched.json.spec.clusterIP).toBe(ip);
    const applied = await call('PATCH', `${SERVICES}/web?fieldManager=kubectl&force=true`, service('web', { ports: [{ port: 8080 }] }), 'application/apply-patch+yaml');
    expect(applied.status, applied.text).toBe(200);
    expect(applied.json.spec.clusterIP).toBe(ip);

    await servers[0].close();
    servers = [await startTestServer(backend)];
    call = api(servers[0]);
    expect((await call('GET', `${SERVICES}/web`)).json.spec.clusterIP).toBe(ip);
    expect(await held('service-ip')).toEqual(new Set([ip]));
    const second = await call('POST', SERVICES, service('other'));
    expect(second.json.spec.clusterIP).not.toBe(ip);
  });

  it('hands out distinct cluster IPs to 200 concurrent creates through two API servers', async () => {
    servers.push(await startTestServer(backend));
    const calls = servers.map((s) => api(s));
    const results = await Promise.all(Array.from({ length: 200 }, (_, i) => calls[i % 2]('POST', SERVICES, service(`svc-${i}`))));
    expect(results.map((r) => r.status)).toEqual(results.map(() => 201));
    const ips = results.map((r) => r.json.spec.clusterIP as string);
    expect(new Set(ips).size).toBe(200);
    expect(ips).not.toContain(DNS_SERVICE_IP);
    expect(await held('service-ip')).toEqual(new Set(ips));
  });

  it('takes a chosen cluster IP only when free and in the range, and the DNS address only when asked for', async () => {
    expect((await call('POST', SERVICES, service('dns', { clusterIP: DNS_SERVICE_IP }))).json.spec.clusterIP).toBe(DNS_SERVICE_IP);
    expect((await call('POST', SERVICES, service('a', { clusterIP: '127.224.0.20' }))).status).toBe(201);

    const taken = await call('POST', SERVICES, service('b', { clusterIP: '127.224.0.20' }));
    expect(taken.status).toBe(422);
    expect(taken.json).toMatchObject({
      reason: 'Invalid',
      details: { causes: [{ reason: 'FieldValueInvalid', field: 'spec.clusterIPs', message: 'Invalid value: []string{"127.224.0.20"}: failed to allocate IP 127.224.0.20: provided IP is already allocated' }] },
    });
    expect(taken.json.message).toBe('Service "b" is invalid: spec.clusterIPs: Invalid value: []string{"127.224.0.20"}: failed to allocate IP 127.224.0.20: provided IP is already allocated');

    const outside = await call('POST', SERVICES, service('c', { clusterIP: '1.2.3.4' }));
    expect(outside.status).toBe(422);
    expect(outside.json.details.causes).toEqual([
      {
        reason: 'FieldValueInvalid',
        field: 'spec.clusterIPs',
        message: 'Invalid value: []string{"1.2.3.4"}: failed to allocate IP 1.2.3.4: the provided IP (1.2.3.4) is not in the valid range. The range of valid IPs is 127.224.0.0/12',
      },
    ]);
    expect((await call('POST', SERVICES, service('d', { clusterIP: '127.224.0.0' }))).status).toBe(422); // the network address

    expect(await held('service-ip')).toEqual(new Set([DNS_SERVICE_IP, '127.224.0.20']));
    expect((await call('GET', `${SERVICES}/b`)).status).toBe(404);
  });

  it('never changes a cluster IP, and frees it when the Service is deleted', async () => {
    const created = await call('POST', SERVICES, service('web', { clusterIP: '127.224.0.30' }));
    const changed = await call('PUT', `${SERVICES}/web`, { ...created.json, spec: { ...created.json.spec, clusterIP: '127.224.0.31', clusterIPs: undefined } });
    expect(changed.status).toBe(422);
    expect(changed.json.details.causes).toEqual([{ reason: 'FieldValueInvalid', field: 'spec.clusterIP', message: 'Invalid value: "127.224.0.31": field is immutable' }]);
    expect(await held('service-ip')).toEqual(new Set(['127.224.0.30']));

    expect((await call('DELETE', `${SERVICES}/web`)).status).toBe(200);
    expect(await held('service-ip')).toEqual(new Set());
    expect((await call('POST', SERVICES, service('again', { clusterIP: '127.224.0.30' }))).status).toBe(201);
  });

  it('refuses an SCTP port the proxy cannot serve, in the Status shape, and takes UDP and a headless SCTP port', async () => {
    const sctp = await call('POST', SERVICES, service('sctp', { type: 'NodePort', ports: [{ name: 'dns', port: 53, protocol: 'UDP' }, { name: 'sig', port: 9999, protocol: 'SCTP' }] }));
    expect(sctp.status).toBe(422);
    expect(sctp.json).toEqual({
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: 'Service "sctp" is invalid: spec.ports[1].protocol: Unsupported value: "SCTP": supported values: "TCP", "UDP"',
      reason: 'Invalid',
      details: { name: 'sctp', kind: 'Service', causes: [{ reason: 'FieldValueNotSupported', message: 'Unsupported value: "SCTP": supported values: "TCP", "UDP"', field: 'spec.ports[1].protocol' }] },
      code: 422,
    });
    expect(await held('node-port')).toEqual(new Set());

    const udp = await call('POST', SERVICES, service('udp', { ports: [{ name: 'dns', port: 53, protocol: 'UDP' }, { name: 'dns-tcp', port: 53, protocol: 'TCP' }] }));
    expect(udp.status).toBe(201);
    // Headless: DNS only, pods reach each other directly, so no proxy stands in the way.
    expect((await call('POST', SERVICES, service('peers', { clusterIP: 'None', ports: [{ port: 9999, protocol: 'SCTP' }] }))).status).toBe(201);
  });

  it('allocates nothing for headless Services, dry runs, or writes that fail validation', async () => {
    const headless = await call('POST', SERVICES, service('headless', { clusterIP: 'None' }));
    expect(headless.status).toBe(201);
    expect(headless.json.spec).toMatchObject({ clusterIP: 'None', clusterIPs: ['None'] });

    const dry = await call('POST', `${SERVICES}?dryRun=All`, service('dry', { type: 'NodePort' }));
    expect(dry.status).toBe(201);
    expect(cidrContains('127.224.0.0/12', dry.json.spec.clusterIP)).toBe(true);

    const invalid = await call('POST', SERVICES, service('bad', { clusterIP: '127.224.0.40', type: 'NodePort', ports: [{ port: 80, nodePort: 30040 }], sessionAffinity: 'Sometimes' }));
    expect(invalid.status).toBe(422);

    expect(await held('service-ip')).toEqual(new Set());
    expect(await held('node-port')).toEqual(new Set());
    expect((await call('POST', SERVICES, service('good', { clusterIP: '127.224.0.40', type: 'NodePort', ports: [{ port: 80, nodePort: 30040 }] }))).status).toBe(201);
  });

  it('gives NodePort Services free node ports, keeps them across updates, and releases them when the type changes', async () => {
    const auto = await call('POST', SERVICES, service('auto', { type: 'NodePort', ports: [{ name: 'http', port: 80 }, { name: 'https', port: 443 }] }));
    expect(auto.status).toBe(201);
    const ports = (auto.json.spec.ports as { nodePort: number }[]).map((p) => p.nodePort);
    for (const p of ports) expect(p >= NODE_PORT_RANGE.min && p <= NODE_PORT_RANGE.max).toBe(true);
    expect(new Set(ports).size).toBe(2);

    const chosen = await call('POST', SERVICES, service('chosen', { type: 'NodePort', ports: [{ port: 80, nodePort: 30080 }] }));
    expect(chosen.json.spec.ports[0].nodePort).toBe(30080);
    const conflict = await call('POST', SERVICES, service('conflict', { type: 'NodePort', ports: [{ port: 80, nodePort: 30080 }] }));
    expect(conflict.status).toBe(422);
    expect(conflict.json.details.causes).toEqual([{ reason: 'FieldValueInvalid', field: 'spec.ports[0].nodePort', message: 'Invalid value: 30080: provided port is already allocated' }]);

    // A replace without nodePorts keeps them, matching ports by number and protocol, or by name.
    const replaced = await call('PUT', `${SERVICES}/auto`, service('auto', { type: 'NodePort', ports: [{ name: 'https', port: 443 }, { name: 'http', port: 8080 }] }));
    expect(replaced.status).toBe(200);
    expect(replaced.json.spec.ports.map((p: { nodePort: number }) => p.nodePort)).toEqual([ports[1], ports[0]]);
    expect(replaced.json.spec.clusterIP).toBe(auto.json.spec.clusterIP);

    const toClusterIP = await call('PATCH', `${SERVICES}/chosen`, { spec: { type: 'ClusterIP' } }, 'application/merge-patch+json');
    expect(toClusterIP.status, toClusterIP.text).toBe(200);
    expect(toClusterIP.json.spec.ports[0].nodePort).toBeUndefined();
    expect(await held('node-port')).toEqual(new Set(ports.map(String)));
    expect((await call('POST', SERVICES, service('conflict', { type: 'NodePort', ports: [{ port: 80, nodePort: 30080 }] }))).status).toBe(201);

    const toNodePort = await call('PATCH', `${SERVICES}/chosen`, { spec: { type: 'NodePort' } }, 'application/merge-patch+json');
    expect(toNodePort.status).toBe(200);
    const newPort = toNodePort.json.spec.ports[0].nodePort as number;
    expect(newPort).not.toBe(30080);
    expect(await held('node-port')).toEqual(new Set([...ports, 30080, newPort].map(String)));

    await call('DELETE', `${SERVICES}/auto`);
    expect(await held('node-port')).toEqual(new Set(['30080', String(newPort)]));
  });

  it('fills a small range completely, without the reserved addresses, then reports it full', async () => {
    await servers[0].close();
    // 127.224.0.8/29: .8 is the network, .15 the broadcast address, .10 the DNS Service's.
    servers = [await startTestServer(backend, { serviceClusterIpRange: '127.224.0.8/29' })];
    call = api(servers[0]);
    const results = await Promise.all(Array.from({ length: 5 }, (_, i) => call('POST', SERVICES, service(`svc-${i}`))));
    expect(results.map((r) => r.status)).toEqual([201, 201, 201, 201, 201]);
    expect(results.map((r) => r.json.spec.clusterIP).sort()).toEqual(['127.224.0.11', '127.224.0.12', '127.224.0.13', '127.224.0.14', '127.224.0.9']);
    const full = await call('POST', SERVICES, service('one-too-many'));
    expect(full.status).toBe(500);
    expect(full.json.message).toMatch(/range is full/);
  });
});
