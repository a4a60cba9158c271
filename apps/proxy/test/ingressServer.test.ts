import { X509Certificate, randomInt } from 'node:crypto';
import { createServer, request, type Server } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { TLSSocket } from 'node:tls';
import type { Ingress, IngressClass } from 'kubernetes-types/networking/v1.js';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_CERTIFICATE_CN, IngressServer, planIngressRoutes, selfSignedCertificate, selfSignedDefaultCertificate, type ServicePortEndpoints, type TlsKeyPair } from '../src/index.js';

// Backends on addresses of a random 127.x /24 so test files running side by side never collide.
const net = `127.233.${randomInt(1, 255)}`;
const ip = (n: number) => `${net}.${n}`;
const servers: Server[] = [];
let ingress: IngressServer;
const siteCert = selfSignedCertificate('a.example', ['a.example']);
const wildCert = selfSignedCertificate('*.wild.example', ['*.wild.example']);

/** An HTTP server answering `<name> <method> <path> <x-forwarded-proto>` and echoing the request body. */
async function backend(address: string, name: string): Promise<void> {
  const s = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => res.end(`${name} ${req.method} ${req.url} ${req.headers['x-forwarded-proto']} ${req.headers['x-forwarded-host']}${body ? ` ${body}` : ''}`));
  });
  await new Promise<void>((resolve, reject) => {
    s.once('error', reject);
    s.listen(8080, address, () => resolve());
  });
  servers.push(s);
}

function sp(service: string, backends: string[]): ServicePortEndpoints {
  return { key: `default/${service}:80`, service: `default/${service}`, port: '80', protocol: 'TCP', clusterIP: '127.224.0.1', servicePort: 80, backends: backends.map((b) => ({ ip: b, port: 8080 })) };
}

const skiff: IngressClass = { metadata: { name: 'skiff' }, spec: { controller: 'skiff.dev/ingress' } };
const to = (service: string) => ({ service: { name: service, port: { number: 80 } } });
const ing: Ingress = {
  metadata: { name: 'site', namespace: 'default', creationTimestamp: '2026-01-01T00:00:00Z' },
  spec: {
    ingressClassName: 'skiff',
    tls: [
      { hosts: ['a.example'], secretName: 'site-tls' },
      { hosts: ['*.wild.example'], secretName: 'wild-tls' },
    ],
    rules: [
      { host: 'a.example', http: { paths: [{ path: '/', pathType: 'Prefix', backend: to('site') }] } },
      {
        http: {
          paths: [
            { path: '/api', pathType: 'Prefix', backend: to('api') },
            { path: '/empty', pathType: 'Exact', backend: to('empty') },
            { path: '/refusing', pathType: 'Prefix', backend: to('refusing') },
          ],
        },
      },
    ],
  },
};

function get(port: number, host: string, path: string, opts: { method?: string; body?: string } = {}): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method: opts.method ?? 'GET', headers: { host }, agent: false, timeout: 5000 }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('timeout', () => req.destroy(new Error('timed out')));
    req.on('error', reject);
    req.end(opts.body);
  });
}

function getTls(port: number, servername: string | undefined, path: string): Promise<{ status: number; body: string; cert: X509Certificate }> {
  return new Promise((resolve, reject) => {
    // Certificates are self-signed: the test checks which one is served, not a chain.
    const req = httpsRequest({ host: '127.0.0.1', port, path, headers: { host: servername ?? 'no-sni.example' }, servername, rejectUnauthorized: false, agent: false, timeout: 5000 }, (res) => {
      const raw = (res.socket as TLSSocket).getPeerX509Certificate();
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => (raw ? resolve({ status: res.statusCode ?? 0, body, cert: raw }) : reject(new Error('no peer certificate'))));
    });
    req.on('timeout', () => req.destroy(new Error('timed out')));
    req.on('error', reject);
    req.end();
  });
}

beforeAll(async () => {
  await backend(ip(1), 'site-1');
  await backend(ip(2), 'site-2');
  await backend(ip(3), 'api');
  ingress = new IngressServer({ httpPort: 0, httpsPort: 0, defaultCertificate: selfSignedDefaultCertificate(), log: pino({ level: 'silent' }) });
  await ingress.start();
  const table = planIngressRoutes([ing], [skiff], [sp('site', [ip(1), ip(2)]), sp('api', [ip(3)]), sp('empty', []), sp('refusing', [ip(9)])]);
  const certs = new Map<string, TlsKeyPair>([
    ['default/site-tls', siteCert],
    ['default/wild-tls', wildCert],
  ]);
  ingress.apply(table, certs);
});

afterAll(async () => {
  await ingress?.close();
  await Promise.all(servers.map((s) => new Promise<void>((r) => s.close(() => r()))));
});

describe('ingress HTTP', () => {
  it('routes by host, round-robin over the Service endpoints, with X-Forwarded headers', async () => {
    const bodies = new Set<string>();
    for (let i = 0; i < 4; i++) bodies.add((await get(ingress.httpPort!, 'a.example', '/x?q=1')).body);
    expect([...bodies].sort()).toEqual(['site-1 GET /x?q=1 http a.example', 'site-2 GET /x?q=1 http a.example']);
  });

  it('routes by path for other hosts, passing method and body through', async () => {
    expect(await get(ingress.httpPort!, 'b.example', '/api/items', { method: 'POST', body: 'hello' })).toEqual({ status: 200, body: 'api POST /api/items http b.example hello' });
  });

  it('answers 404 when no rule matches, 503 without ready endpoints, 502 when every endpoint refuses', async () => {
    expect((await get(ingress.httpPort!, 'b.example', '/apiv2')).status).toBe(404);
    expect((await get(ingress.httpPort!, 'b.example', '/empty')).status).toBe(503);
    expect((await get(ingress.httpPort!, 'b.example', '/refusing')).status).toBe(502);
  });

  it('follows a new table at once', async () => {
    const next = planIngressRoutes([ing], [skiff], [sp('site', [ip(2)]), sp('api', [ip(3)]), sp('empty', [ip(1)]), sp('refusing', [ip(9)])]);
    ingress.apply(next, new Map([['default/site-tls', siteCert]]));
    expect((await get(ingress.httpPort!, 'b.example', '/empty')).body).toBe('site-1 GET /empty http b.example');
    for (let i = 0; i < 3; i++) expect((await get(ingress.httpPort!, 'a.example', '/')).body).toBe('site-2 GET / http a.example');
  });
});

describe('ingress HTTPS', () => {
  it('serves the Secret certificate of the SNI name and routes the request', async () => {
    const res = await getTls(ingress.httpsPort!, 'a.example', '/secure');
    expect(res.cert.subject).toBe('O=Skiff\nCN=a.example');
    expect(res.cert.fingerprint256).toBe(new X509Certificate(siteCert.cert).fingerprint256);
    expect(res.status).toBe(200);
    expect(res.body).toMatch(/^site-\d GET \/secure https a\.example$/);
  });

  it('falls back to the default certificate for names no Ingress covers, for no SNI, and for a Secret that left', async () => {
    for (const name of ['b.example', undefined, 'x.wild.example']) {
      const res = await getTls(ingress.httpsPort!, name, '/api');
      expect(res.cert.subject).toContain(`CN=${DEFAULT_CERTIFICATE_CN}`);
      expect(res.status).toBe(200);
    }
  });

  it('serves a wildcard certificate for one label under it', async () => {
    ingress.apply(planIngressRoutes([ing], [skiff], [sp('api', [ip(3)])]), new Map([['default/wild-tls', wildCert]]));
    const res = await getTls(ingress.httpsPort!, 'x.wild.example', '/api');
    expect(res.cert.fingerprint256).toBe(new X509Certificate(wildCert.cert).fingerprint256);
    expect(res.body).toBe('api GET /api https x.wild.example');
  });
});
