import { X509Certificate } from 'node:crypto';
import { request } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { TLSSocket } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { INGRESSES, SECRETS, selfSignedCertificate } from '../src/index.js';
import { makeEndpointSlices, makeService } from '../src/testing/builders.js';
import { ProxyCluster, until } from './proxyCluster.js';

// The ingress controller inside the proxy, against a real API server: Ingresses, IngressClasses,
// TLS Secrets and EndpointSlices in, HTTP/HTTPS routing and Ingress status out.

let c: ProxyCluster;
const cert = selfSignedCertificate('secure.example', ['secure.example']);

function get(port: number, host: string, path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, headers: { host }, agent: false, timeout: 5000 }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('timeout', () => req.destroy(new Error('timed out')));
    req.on('error', reject);
    req.end();
  });
}

function getTls(port: number, servername: string): Promise<{ body: string; cert: X509Certificate }> {
  return new Promise((resolve, reject) => {
    const req = httpsRequest({ host: '127.0.0.1', port, path: '/', servername, headers: { host: servername }, rejectUnauthorized: false, agent: false, timeout: 5000 }, (res) => {
      const peer = (res.socket as TLSSocket).getPeerX509Certificate();
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () => (peer ? resolve({ body, cert: peer }) : reject(new Error('no peer certificate'))));
    });
    req.on('error', reject);
    req.end();
  });
}

const path = (p: string, service: string) => ({ path: p, pathType: 'Prefix', backend: { service: { name: service, port: { number: 80 } } } });

beforeAll(async () => {
  c = await ProxyCluster.start({ ingressHttpPort: 0, ingressHttpsPort: 0 });
  await c.startBackends([c.podIp(1), c.podIp(2)]);
  for (const [name, n] of [['site', 1], ['api', 2]] as const) {
    await c.createService(makeService(name).clusterIP(c.serviceIp(n)).port(80).build());
    await c.putEndpointSlices(makeEndpointSlices(name, [{ addresses: [c.podIp(n)], ports: [{ port: 8080 }] }]));
  }
  await c.client.create(SECRETS, { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'secure-tls', namespace: 'default' }, type: 'kubernetes.io/tls', data: { 'tls.crt': Buffer.from(cert.cert).toString('base64'), 'tls.key': Buffer.from(cert.key).toString('base64') } });
});
afterAll(() => c?.stop());

describe('ingress controller', () => {
  it('routes by host and path to the Services, and writes its address into the Ingress status', async () => {
    await c.client.create(INGRESSES, {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'Ingress',
      metadata: { name: 'site', namespace: 'default' },
      spec: { tls: [{ hosts: ['secure.example'], secretName: 'secure-tls' }], rules: [{ host: 'a.example', http: { paths: [path('/', 'site')] } }, { host: 'secure.example', http: { paths: [path('/', 'site')] } }, { http: { paths: [path('/api', 'api')] } }] },
    });
    // No class given: the API server's DefaultIngressClass admission names `skiff`, this controller's.
    expect(((await c.client.get(INGRESSES, 'default', 'site')).spec as { ingressClassName?: string }).ingressClassName).toBe('skiff');
    const port = c.proxy.ingressHttpPort!;
    await until('routing', async () => (await get(port, 'a.example', '/').catch(() => ({ body: '' }))).body === c.podIp(1));
    expect((await get(port, 'b.example', '/api/x')).body).toBe(c.podIp(2));
    expect((await get(port, 'b.example', '/other')).status).toBe(404);
    await until('status', async () => ((await c.client.get(INGRESSES, 'default', 'site')).status as { loadBalancer?: { ingress?: unknown } } | undefined)?.loadBalancer?.ingress !== undefined);
    expect((await c.client.get(INGRESSES, 'default', 'site')).status).toEqual({ loadBalancer: { ingress: [{ ip: '127.0.0.1' }] } });
  });

  it('serves the TLS Secret named in spec.tls by SNI', async () => {
    await until('certificate', async () => (await getTls(c.proxy.ingressHttpsPort!, 'secure.example')).cert.fingerprint256 === new X509Certificate(cert.cert).fingerprint256);
    expect((await getTls(c.proxy.ingressHttpsPort!, 'secure.example')).body).toBe(c.podIp(1));
  });

  it('follows the EndpointSlices: a Service whose endpoints leave answers 503', async () => {
    await c.putEndpointSlices(makeEndpointSlices('api', [{ addresses: [], notReady: [c.podIp(2)], ports: [{ port: 8080 }] }]));
    await until('503', async () => (await get(c.proxy.ingressHttpPort!, 'b.example', '/api')).status === 503);
  });

  it('leaves an Ingress of another class alone', async () => {
    await c.client.create(INGRESSES, { apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', metadata: { name: 'theirs', namespace: 'default' }, spec: { ingressClassName: 'nginx', rules: [{ host: 'theirs.example', http: { paths: [path('/', 'site')] } }] } });
    await until('seen', () => c.proxy.ingressRoutes() !== undefined && (c.proxy.ingressRoutes()!.ingresses.includes('default/site')));
    await c.proxy.settled();
    expect(c.proxy.ingressRoutes()!.ingresses).not.toContain('default/theirs');
    expect((await get(c.proxy.ingressHttpPort!, 'theirs.example', '/')).status).toBe(404);
    expect((await c.client.get(INGRESSES, 'default', 'theirs')).status ?? {}).toEqual({});
  });
});
