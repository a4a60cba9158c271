import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningApiServer } from '../src/index.js';
import { api, createBackend, kubectlFor, selfSignedCert, startTestServer, type TestBackend } from './harness.js';

// Ingress, IngressClass and EndpointSlice as kubectl 1.32 sees them against a real API server.

describe('networking.k8s.io and discovery.k8s.io kinds', () => {
  let backend: TestBackend;
  let server: RunningApiServer;
  let dir: string;
  let call: ReturnType<typeof api>;
  let kubectl: ReturnType<typeof kubectlFor>;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'skiff-networking-'));
    const tls = selfSignedCert(dir);
    backend = await createBackend('postgres');
    server = await startTestServer(backend, { tls });
    kubectl = kubectlFor(dir, server, tls.cert);
    process.env.NODE_TLS_REJECT_UNAUTHORIZED = '0';
    call = api(server);
  });
  afterAll(async () => {
    await server?.close();
    await backend?.dispose();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('starts with the default IngressClass skiff', async () => {
    const r = await kubectl(['get', 'ingressclass']);
    expect(r.code, r.out).toBe(0);
    expect(r.stdout.split('\n')[0].split(/\s+/)).toEqual(['NAME', 'CONTROLLER', 'PARAMETERS', 'AGE']);
    expect(r.stdout).toMatch(/^skiff\s+skiff\.dev\/ingress\s+<none>\s+\d+s$/m);
    const cls = await call('GET', '/apis/networking.k8s.io/v1/ingressclasses/skiff');
    expect(cls.json.metadata.annotations).toEqual({ 'ingressclass.kubernetes.io/is-default-class': 'true' });
  });

  it('creates an Ingress with kubectl create ingress, fills the default class, and prints the Table kubectl prints', async () => {
    const created = await kubectl(['create', 'ingress', 'site', '--rule=a.example/api*=api:80', '--rule=b.example/=web:http,tls=site-cert']);
    expect(created.code, created.out).toBe(0);
    const ing = (await call('GET', '/apis/networking.k8s.io/v1/namespaces/default/ingresses/site')).json;
    expect(ing.spec.ingressClassName).toBe('skiff');
    expect(ing.spec.rules[0].http.paths[0]).toEqual({ path: '/api', pathType: 'Prefix', backend: { service: { name: 'api', port: { number: 80 } } } });
    expect(ing.spec.tls).toEqual([{ hosts: ['b.example'], secretName: 'site-cert' }]);

    const status = await call('PATCH', '/apis/networking.k8s.io/v1/namespaces/default/ingresses/site/status', { status: { loadBalancer: { ingress: [{ ip: '127.0.0.1' }] } } }, 'application/merge-patch+json');
    expect(status.status, status.text).toBe(200);
    const r = await kubectl(['get', 'ing']);
    expect(r.code, r.out).toBe(0);
    expect(r.stdout.split('\n')[0].split(/\s+/)).toEqual(['NAME', 'CLASS', 'HOSTS', 'ADDRESS', 'PORTS', 'AGE']);
    expect(r.stdout).toMatch(/^site\s+skiff\s+a\.example,b\.example\s+127\.0\.0\.1\s+80, 443\s+\d+s$/m);
  });

  it('keeps status out of main-resource writes', async () => {
    const r = await call('PATCH', '/apis/networking.k8s.io/v1/namespaces/default/ingresses/site', { status: { loadBalancer: { ingress: [{ ip: '10.9.9.9' }] } }, metadata: { labels: { a: 'b' } } }, 'application/merge-patch+json');
    expect(r.status).toBe(200);
    expect(r.json.status.loadBalancer.ingress).toEqual([{ ip: '127.0.0.1' }]);
  });

  it('refuses an invalid Ingress with Kubernetes field causes', async () => {
    const file = join(dir, 'bad.yaml');
    writeFileSync(
      file,
      JSON.stringify({
        apiVersion: 'networking.k8s.io/v1',
        kind: 'Ingress',
        metadata: { name: 'bad' },
        spec: { rules: [{ host: 'a.example', http: { paths: [{ path: 'api', pathType: 'Prefix', backend: { service: { name: 'api' } } }, { path: '/', backend: { service: { name: 'web', port: { number: 80 } } } }] } }] },
      }),
    );
    const r = await kubectl(['apply', '-f', file]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('The Ingress "bad" is invalid:');
    expect(r.stderr).toContain('spec.rules[0].http.paths[0].path: Invalid value: "api": must be an absolute path');
    expect(r.stderr).toContain('spec.rules[0].http.paths[0].backend: Required value: port name or number is required');
    expect(r.stderr).toContain('spec.rules[0].http.paths[1].pathType: Required value: pathType must be specified');
  });

  it('serves IngressClasses cluster-wide, keeping the controller immutable', async () => {
    const made = await call('POST', '/apis/networking.k8s.io/v1/ingressclasses', { apiVersion: 'networking.k8s.io/v1', kind: 'IngressClass', metadata: { name: 'other' }, spec: { controller: 'example.com/other', parameters: { kind: 'Config', name: 'c' } } });
    expect(made.status, made.text).toBe(201);
    expect(made.json.spec.parameters.scope).toBe('Cluster');
    const changed = await call('PATCH', '/apis/networking.k8s.io/v1/ingressclasses/other', { spec: { controller: 'example.com/else' } }, 'application/merge-patch+json');
    expect(changed.status).toBe(422);
    expect(changed.json.details.causes).toEqual([{ reason: 'FieldValueInvalid', message: 'Invalid value: "example.com/else": field is immutable', field: 'spec.controller' }]);
    const r = await kubectl(['get', 'ingressclass', 'other']);
    expect(r.stdout).toMatch(/^other\s+example\.com\/other\s+Config\/c\s+\d+s$/m);
  });

  it('serves EndpointSlices with kubectl columns and defaulted ports', async () => {
    const slice = {
      apiVersion: 'discovery.k8s.io/v1',
      kind: 'EndpointSlice',
      metadata: { name: 'web-abc', labels: { 'kubernetes.io/service-name': 'web' } },
      addressType: 'IPv4',
      endpoints: ['127.1.0.1', '127.1.0.2', '127.1.0.3', '127.1.0.4'].map((ip) => ({ addresses: [ip], conditions: { ready: true } })),
      ports: [{ port: 8080 }],
    };
    const made = await call('POST', '/apis/discovery.k8s.io/v1/namespaces/default/endpointslices', slice);
    expect(made.status, made.text).toBe(201);
    expect(made.json.ports).toEqual([{ name: '', port: 8080, protocol: 'TCP' }]);
    const r = await kubectl(['get', 'endpointslices']);
    expect(r.code, r.out).toBe(0);
    expect(r.stdout.split('\n')[0].split(/\s+/)).toEqual(['NAME', 'ADDRESSTYPE', 'PORTS', 'ENDPOINTS', 'AGE']);
    expect(r.stdout).toMatch(/^web-abc\s+IPv4\s+8080\s+127\.1\.0\.1,127\.1\.0\.2,127\.1\.0\.3 \+ 1 more\.\.\.\s+\d+s$/m);
    const bad = await call('POST', '/apis/discovery.k8s.io/v1/namespaces/default/endpointslices', { ...slice, metadata: { name: 'bad' }, addressType: 'IP' });
    expect(bad.status).toBe(422);
    expect(bad.json.details.causes[0]).toEqual({ reason: 'FieldValueNotSupported', message: 'Unsupported value: "IP": supported values: "FQDN", "IPv4", "IPv6"', field: 'addressType' });
  });

  it('lists the kinds in discovery, Ingress with its short name', async () => {
    const r = await kubectl(['api-resources', '--api-group=networking.k8s.io']);
    expect(r.stdout).toMatch(/^ingressclasses\s+networking\.k8s\.io\/v1\s+false\s+IngressClass$/m);
    expect(r.stdout).toMatch(/^ingresses\s+ing\s+networking\.k8s\.io\/v1\s+true\s+Ingress$/m);
    const d = await kubectl(['api-resources', '--api-group=discovery.k8s.io']);
    expect(d.stdout).toMatch(/^endpointslices\s+discovery\.k8s\.io\/v1\s+true\s+EndpointSlice$/m);
  });
});
