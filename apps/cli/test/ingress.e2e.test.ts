import { execFileSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { join } from 'node:path';
import type { TLSSocket } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, kubectlOk, startCluster, type TestCluster } from './cluster.js';

/** Two Deployments whose pods answer `<app> <pod name>`, each behind its own Service. */
function apps(): string {
  return ['a', 'b']
    .map(
      (app) => `
apiVersion: apps/v1
kind: Deployment
metadata: {name: web-${app}, namespace: default}
spec:
  replicas: 1
  selector: {matchLabels: {app: web-${app}}}
  template:
    metadata: {labels: {app: web-${app}}}
    spec:
      terminationGracePeriodSeconds: 1
      containers:
        - name: web
          image: web:${app}
          command: ["node", "-e", "require('http').createServer((q, r) => r.end('${app} ' + process.env.POD_NAME + ' ' + q.url)).listen(8080, process.env.POD_IP); process.on('SIGTERM', () => process.exit(0))"]
          ports: [{name: http, containerPort: 8080}]
          readinessProbe: {httpGet: {path: /, port: http}, periodSeconds: 1}
---
apiVersion: v1
kind: Service
metadata: {name: web-${app}, namespace: default}
spec:
  selector: {app: web-${app}}
  ports: [{name: http, port: 80, targetPort: http}]
`,
    )
    .join('---');
}

// No ingressClassName: the default IngressClass `skiff` is filled in by the API server.
const INGRESS = `
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: site, namespace: default}
spec:
  tls: [{hosts: [a.example], secretName: site-tls}]
  rules:
    - host: a.example
      http: {paths: [{path: /, pathType: Prefix, backend: {service: {name: web-a, port: {name: http}}}}]}
    - http: {paths: [{path: /api, pathType: Prefix, backend: {service: {name: web-b, port: {number: 80}}}}]}
`;

function get(port: number, host: string, path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, path, headers: { host }, agent: false, timeout: 5000 }, (res) => {
      let body = '';
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end();
  });
}

function getTls(port: number, servername: string, path: string): Promise<{ body: string; cert: X509Certificate }> {
  return new Promise((resolve, reject) => {
    // The certificate is self-signed: the test checks that it is the Secret's, not that it chains.
    const req = httpsRequest({ host: '127.0.0.1', port, path, servername, headers: { host: servername }, rejectUnauthorized: false, agent: false, timeout: 5000 }, (res) => {
      const peer = (res.socket as TLSSocket).getPeerX509Certificate();
      let body = '';
      res.on('data', (d) => (body += d));
      res.on('end', () => (peer ? resolve({ body, cert: peer }) : reject(new Error('no peer certificate'))));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end();
  });
}

describe('Ingress through skiff up', () => {
  let cluster: TestCluster;
  let ports: { http: number; https: number };
  let certPem: string;

  beforeAll(async () => {
    cluster = await startCluster({ nodes: 1 });
    ports = JSON.parse(readFileSync(join(cluster.dataDir, 'run', 'ingress.json'), 'utf8')) as { http: number; https: number };
    expect(cluster.output()).toContain(`ingress: http://127.0.0.1:${ports.http} and https://127.0.0.1:${ports.https}`);
    const certFile = join(cluster.dataDir, 'a.example.crt');
    const keyFile = join(cluster.dataDir, 'a.example.key');
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=a.example', '-addext', 'subjectAltName=DNS:a.example', '-keyout', keyFile, '-out', certFile], { stdio: 'ignore' });
    certPem = readFileSync(certFile, 'utf8');
    await kubectlOk(cluster, ['create', 'secret', 'tls', 'site-tls', '--cert', certFile, '--key', keyFile]);
    await kubectlOk(cluster, ['apply', '-f', '-'], apps());
    await kubectlOk(cluster, ['apply', '-f', '-'], INGRESS);
  }, 300_000);
  afterAll(async () => {
    await cluster?.stop();
  });

  it('routes Host a.example to one Service and /api to another, and shows the address', async () => {
    const a = await eventually('a.example routed', async () => {
      const r = await get(ports.http, 'a.example', '/page').catch(() => undefined);
      return r?.status === 200 ? r.body : undefined;
    }, 60_000);
    expect(a).toMatch(/^a web-a-[a-z0-9]+-[a-z0-9]+ \/page$/);
    const b = await eventually('/api routed', async () => {
      const r = await get(ports.http, 'other.example', '/api/items').catch(() => undefined);
      return r?.status === 200 ? r.body : undefined;
    }, 60_000);
    expect(b).toMatch(/^b web-b-[a-z0-9]+-[a-z0-9]+ \/api\/items$/);
    expect((await get(ports.http, 'other.example', '/apiary')).status).toBe(404);

    const table = await eventually('the address in status', async () => {
      const out = await kubectlOk(cluster, ['get', 'ingress', 'site']);
      return /127\.0\.0\.1/.test(out) ? out : undefined;
    }, 30_000);
    expect(table).toMatch(/^site\s+skiff\s+a\.example\s+127\.0\.0\.1\s+80, 443\s+\S+$/m);
    // The routing above went by the endpointslice controller's slices.
    expect(await kubectlOk(cluster, ['get', 'endpointslices', '-l', 'kubernetes.io/service-name=web-a', '-o', 'jsonpath={.items[0].endpoints[0].conditions.ready}'])).toBe('true');
  });

  it('answers HTTPS for a.example with the TLS Secret’s certificate', async () => {
    const want = new X509Certificate(certPem);
    const res = await eventually('the Secret certificate served', async () => {
      const r = await getTls(ports.https, 'a.example', '/secure').catch(() => undefined);
      return r && r.cert.fingerprint256 === want.fingerprint256 ? r : undefined;
    }, 30_000);
    expect(res.cert.subject).toBe('CN=a.example');
    expect(res.body).toMatch(/^a web-a-\S+ \/secure$/);
  });
});
