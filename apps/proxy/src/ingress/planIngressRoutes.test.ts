import type { Ingress, IngressClass, IngressRule } from 'kubernetes-types/networking/v1.js';
import { describe, expect, it } from 'vitest';
import type { ServicePortEndpoints } from '../servicePortEndpoints.js';
import { certificateFor, pathMatches, planIngressRoutes, routeRequest } from './planIngressRoutes.js';

const skiffClass: IngressClass = { metadata: { name: 'skiff', annotations: { 'ingressclass.kubernetes.io/is-default-class': 'true' } }, spec: { controller: 'skiff.dev/ingress' } };
const otherClass: IngressClass = { metadata: { name: 'nginx' }, spec: { controller: 'k8s.io/ingress-nginx' } };

function sp(service: string, port: number, name?: string, backends = [{ ip: '127.1.0.1', port: 8080 }]): ServicePortEndpoints {
  const label = name ?? String(port);
  return { key: `default/${service}:${label}`, service: `default/${service}`, port: label, protocol: 'TCP', clusterIP: '127.224.0.1', servicePort: port, backends };
}

function path(p: string, pathType: string, service: string, port: { number?: number; name?: string } = { number: 80 }) {
  return { path: p, pathType, backend: { service: { name: service, port } } };
}

function ingress(name: string, rules: IngressRule[], extra: Partial<NonNullable<Ingress['spec']>> = {}, created = '2026-01-01T00:00:00Z'): Ingress {
  return { metadata: { name, namespace: 'default', creationTimestamp: created }, spec: { ingressClassName: 'skiff', rules, ...extra } };
}

const services = [sp('root', 80), sp('api', 80), sp('exact', 80), sp('a', 80), sp('wild', 80), sp('named', 8443, 'https'), sp('fallback', 80)];

describe('pathMatches', () => {
  // Kubernetes' examples table (concepts/services-networking/ingress#examples).
  it.each([
    ['Prefix', '/', '/anything', true],
    ['Exact', '/foo', '/foo', true],
    ['Exact', '/foo', '/bar', false],
    ['Exact', '/foo', '/foo/', false],
    ['Exact', '/foo/', '/foo', false],
    ['Prefix', '/foo', '/foo', true],
    ['Prefix', '/foo', '/foo/', true],
    ['Prefix', '/foo/', '/foo', true],
    ['Prefix', '/foo/', '/foo/', true],
    ['Prefix', '/aaa/bb', '/aaa/bbb', false],
    ['Prefix', '/aaa/bbb', '/aaa/bbb', true],
    ['Prefix', '/aaa/bbb/', '/aaa/bbb', true],
    ['Prefix', '/aaa/bbb', '/aaa/bbb/', true],
    ['Prefix', '/aaa/bbb', '/aaa/bbb/ccc', true],
    ['Prefix', '/aaa/bbb', '/aaa/bbbxyz', false],
    ['Prefix', '/aaa/bbb/ccc', '/aaa/bbb', false],
  ] as const)('%s %s against %s: %s', (pathType, p, request, want) => {
    expect(pathMatches({ path: p, pathType }, request)).toBe(want);
  });
});

describe('routeRequest', () => {
  const table = planIngressRoutes(
    [
      ingress('main', [
        { http: { paths: [path('/', 'Prefix', 'root'), path('/api', 'Prefix', 'api'), path('/api/exact', 'Exact', 'exact'), path('/aaa', 'Prefix', 'a'), path('/aaa', 'Exact', 'exact')] } },
        { host: 'a.example', http: { paths: [path('/', 'Prefix', 'a')] } },
        { host: '*.wild.example', http: { paths: [path('/', 'ImplementationSpecific', 'wild')] } },
        { host: 'named.example', http: { paths: [path('/x', 'Prefix', 'named', { name: 'https' })] } },
      ]),
    ],
    [skiffClass],
    services,
  );
  it.each([
    ['any host, root', 'b.example', '/', 'default/root:80'],
    ['longest prefix wins', 'b.example', '/api/v1?x=1', 'default/api:80'],
    ['element-wise: /apiv2 is not /api', 'b.example', '/apiv2', 'default/root:80'],
    ['exact beats a shorter prefix', 'b.example', '/api/exact', 'default/exact:80'],
    ['exact path only matches itself', 'b.example', '/api/exact/more', 'default/api:80'],
    ['exact beats prefix of the same path', 'b.example', '/aaa', 'default/exact:80'],
    ['prefix of the same path takes the rest', 'b.example', '/aaa/b', 'default/a:80'],
    ['exact host', 'a.example', '/api', 'default/a:80'],
    ['host header with port and capitals', 'A.Example:8080', '/', 'default/a:80'],
    ['wildcard covers one label', 'x.wild.example', '/deep/path', 'default/wild:80'],
    ['wildcard does not cover two labels', 'y.x.wild.example', '/', 'default/root:80'],
    ['wildcard does not cover the bare suffix', 'wild.example', '/', 'default/root:80'],
    ['named service port', 'named.example', '/x/y', 'default/named:https'],
    ['a host whose paths miss falls to host-less rules', 'named.example', '/api', 'default/api:80'],
  ])('%s: %s%s -> %s', (_what, host, target, want) => {
    const m = routeRequest(table, host, target);
    expect(m && 'servicePort' in m.route.backend ? m.route.backend.servicePort : undefined).toBe(want);
  });

  it('answers nothing (404) when no rule matches and there is no default backend', () => {
    const t = planIngressRoutes([ingress('only-host', [{ host: 'a.example', http: { paths: [path('/app', 'Prefix', 'a')] } }])], [skiffClass], services);
    expect(routeRequest(t, 'a.example', '/other')).toBeUndefined();
    expect(routeRequest(t, 'b.example', '/app')).toBeUndefined();
    expect(routeRequest(t, undefined, '/app')).toBeUndefined();
  });
});

describe('planIngressRoutes', () => {
  it('serves only Ingresses of our class, the default class taking classless ones', () => {
    const mine = ingress('mine', [{ http: { paths: [path('/', 'Prefix', 'root')] } }]);
    const theirs = { ...ingress('theirs', []), spec: { ingressClassName: 'nginx', rules: [] } };
    const legacy = { metadata: { name: 'legacy', namespace: 'default', annotations: { 'kubernetes.io/ingress.class': 'nginx' } }, spec: { rules: [] } };
    const classless = { metadata: { name: 'classless', namespace: 'default' }, spec: { rules: [] } };
    const unknownClass = { ...ingress('unknown', []), spec: { ingressClassName: 'missing', rules: [] } };
    expect(planIngressRoutes([mine, theirs, legacy, classless, unknownClass], [skiffClass, otherClass], services).ingresses).toEqual(['default/classless', 'default/mine']);
    // Without a default class of ours, a classless Ingress belongs to nobody here.
    expect(planIngressRoutes([classless], [{ ...skiffClass, metadata: { name: 'skiff' } }], services).ingresses).toEqual([]);
  });

  it('gives a host and path two Ingresses claim to the older one', () => {
    const newer = ingress('newer', [{ host: 'a.example', http: { paths: [path('/', 'Prefix', 'api')] } }], {}, '2026-02-01T00:00:00Z');
    const older = ingress('older', [{ host: 'a.example', http: { paths: [path('/', 'Prefix', 'a'), path('/more', 'Prefix', 'root')] } }], {}, '2026-01-01T00:00:00Z');
    const t = planIngressRoutes([newer, older], [skiffClass], services);
    expect(t.hosts.get('a.example')!.map((r) => `${r.ingress} ${r.path}`)).toEqual(['default/older /more', 'default/older /']);
    expect(t.ingresses).toEqual(['default/newer', 'default/older']);
  });

  it('takes the oldest default backend, and routes unresolvable backends to a 503 marker', () => {
    const resource = { path: '/res', pathType: 'Prefix', backend: { resource: { kind: 'Bucket', name: 'b' } } };
    const newer = ingress('b', [], { defaultBackend: { service: { name: 'api', port: { number: 80 } } } }, '2026-03-01T00:00:00Z');
    const older = ingress('a', [{ http: { paths: [path('/gone', 'Prefix', 'missing'), resource] } }], { defaultBackend: { service: { name: 'fallback', port: { number: 80 } } } }, '2026-02-01T00:00:00Z');
    const t = planIngressRoutes([newer, older], [skiffClass], services);
    const miss = routeRequest(t, 'x', '/nothing');
    expect(miss?.isDefault).toBe(true);
    expect(miss?.route.backend).toMatchObject({ servicePort: 'default/fallback:80' });
    expect(routeRequest(t, 'x', '/gone/1')?.route.backend).toEqual({ unavailable: 'service default/missing has no port 80' });
    expect(routeRequest(t, 'x', '/res')?.route.backend).toMatchObject({ unavailable: expect.stringContaining('Bucket') });
  });

  it('collects TLS certificates by host, defaulting to the rule hosts', () => {
    const t = planIngressRoutes(
      [
        ingress('tls', [{ host: 'a.example', http: { paths: [path('/', 'Prefix', 'a')] } }, { host: 'B.example', http: { paths: [path('/', 'Prefix', 'a')] } }], {
          tls: [{ hosts: ['*.wild.example'], secretName: 'wild-cert' }, { secretName: 'site-cert' }, { hosts: ['nosecret.example'] }],
        }),
      ],
      [skiffClass],
      services,
    );
    expect(t.tls).toEqual([
      { ingress: 'default/tls', secret: 'default/wild-cert', hosts: ['*.wild.example'] },
      { ingress: 'default/tls', secret: 'default/site-cert', hosts: ['a.example', 'b.example'] },
    ]);
    expect(certificateFor(t, 'b.example')?.secret).toBe('default/site-cert');
    expect(certificateFor(t, 'x.wild.example')?.secret).toBe('default/wild-cert');
    expect(certificateFor(t, 'y.x.wild.example')).toBeUndefined();
    expect(certificateFor(t, undefined)).toBeUndefined();
  });

  it('leaves out Ingresses being deleted', () => {
    const live = ingress('going', [{ http: { paths: [path('/', 'Prefix', 'root')] } }]);
    const going: Ingress = { ...live, metadata: { ...live.metadata, deletionTimestamp: '2026-01-02T00:00:00Z' } };
    expect(planIngressRoutes([going], [skiffClass], services).ingresses).toEqual([]);
  });
});
