import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../types.js';
import { defaultEndpointSlice, validateEndpointSlice, validateEndpointSliceUpdate } from './endpointSlice.js';
import type { FieldErrors } from './fieldErrors.js';
import { defaultIngressClassSpec, validateIngress, validateIngressClass, validateIngressClassUpdate } from './ingress.js';

const svc = (name = 'web', port: Record<string, unknown> = { number: 80 }) => ({ service: { name, port } });
const ingress = (spec: Record<string, unknown>, annotations?: Record<string, string>): KubeObject => ({ apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', metadata: { name: 'i', namespace: 'default', ...(annotations ? { annotations } : {}) }, spec });
const rule = (path: Record<string, unknown>, host?: string) => ({ ...(host ? { host } : {}), http: { paths: [path] } });
const causes = (f: (o: KubeObject, e: FieldErrors) => void, o: KubeObject) => {
  const errs: FieldErrors = [];
  f(o, errs);
  return errs.map((c) => `${c.field}: ${c.message}`);
};

describe('validateIngress', () => {
  it.each([
    ['a valid Ingress', { ingressClassName: 'skiff', rules: [rule({ path: '/api', pathType: 'Prefix', backend: svc() }, 'a.example')], tls: [{ hosts: ['a.example', '*.b.example'], secretName: 'cert' }] }, []],
    ['no rules and no default backend', {}, ['spec: Invalid value: null: either `defaultBackend` or `rules` must be specified']],
    ['pathType missing', { rules: [rule({ path: '/', backend: svc() })] }, ['spec.rules[0].http.paths[0].pathType: Required value: pathType must be specified']],
    ['pathType unknown', { rules: [rule({ path: '/', pathType: 'Regex', backend: svc() })] }, ['spec.rules[0].http.paths[0].pathType: Unsupported value: "Regex": supported values: "Exact", "ImplementationSpecific", "Prefix"']],
    ['relative Prefix path', { rules: [rule({ path: 'api', pathType: 'Prefix', backend: svc() })] }, ['spec.rules[0].http.paths[0].path: Invalid value: "api": must be an absolute path']],
    ['Exact path with //', { rules: [rule({ path: '/a//b', pathType: 'Exact', backend: svc() })] }, ["spec.rules[0].http.paths[0].path: Invalid value: \"/a//b\": must not contain '//'"]],
    ['path ending in /..', { rules: [rule({ path: '/a/..', pathType: 'Prefix', backend: svc() })] }, ["spec.rules[0].http.paths[0].path: Invalid value: \"/a/..\": cannot end with '/..'"]],
    ['empty ImplementationSpecific path', { rules: [rule({ pathType: 'ImplementationSpecific', backend: svc() })] }, []],
    ['no paths', { rules: [{ host: 'a.example', http: { paths: [] } }] }, ['spec.rules[0].http.paths: Required value']],
    ['IP host', { rules: [rule({ path: '/', pathType: 'Prefix', backend: svc() }, '10.0.0.1')] }, ['spec.rules[0].host: Invalid value: "10.0.0.1": must be a DNS name, not an IP address']],
    ['bad wildcard host', { rules: [rule({ path: '/', pathType: 'Prefix', backend: svc() }, 'a.*.example')] }, [expect.stringContaining("spec.rules[0].host: Invalid value: \"a.*.example\": a wildcard DNS-1123 subdomain must start with '*.'")]],
    ['service without port', { rules: [rule({ path: '/', pathType: 'Prefix', backend: svc('web', {}) })] }, ['spec.rules[0].http.paths[0].backend: Required value: port name or number is required']],
    ['service port name and number', { rules: [rule({ path: '/', pathType: 'Prefix', backend: svc('web', { name: 'http', number: 80 }) })] }, ['spec.rules[0].http.paths[0].backend: Invalid value: "": cannot set both port name & port number']],
    ['service name not a DNS-1035 label', { defaultBackend: svc('1web') }, [expect.stringContaining('spec.defaultBackend.service.name: Invalid value: "1web": a DNS-1035 label must consist of')]],
    ['port number out of range', { defaultBackend: svc('web', { number: 70000 }) }, ['spec.defaultBackend.service.port.number: Invalid value: 70000: must be between 1 and 65535, inclusive']],
    ['both resource and service', { defaultBackend: { ...svc(), resource: { kind: 'Bucket', name: 'b' } } }, ['spec.defaultBackend: Invalid value: "": cannot set both resource and service backends']],
    ['neither resource nor service', { defaultBackend: {} }, ['spec.defaultBackend: Invalid value: "": resource or service backend is required']],
    ['resource without name', { defaultBackend: { resource: { kind: 'Bucket' } } }, ['spec.defaultBackend.resource.name: Required value']],
    ['bad TLS secret name', { defaultBackend: svc(), tls: [{ secretName: 'Bad_Name' }] }, [expect.stringContaining('spec.tls[0].secretName: Invalid value: "Bad_Name": a lowercase RFC 1123 subdomain')]],
    ['bad class name', { defaultBackend: svc(), ingressClassName: 'Skiff' }, [expect.stringContaining('spec.ingressClassName: Invalid value: "Skiff"')]],
  ])('%s', (_what, spec, want) => {
    expect(causes(validateIngress, ingress(spec))).toEqual(want);
  });

  it('refuses a class annotation that disagrees with ingressClassName', () => {
    expect(causes(validateIngress, ingress({ defaultBackend: svc(), ingressClassName: 'skiff' }, { 'kubernetes.io/ingress.class': 'nginx' }))).toEqual(['annotations.kubernetes.io/ingress.class: Invalid value: "nginx": must match `ingressClassName` when both are specified']);
  });
});

describe('validateIngressClass', () => {
  const ic = (spec: Record<string, unknown>): KubeObject => ({ apiVersion: 'networking.k8s.io/v1', kind: 'IngressClass', metadata: { name: 'c' }, spec });
  it.each([
    ['valid', { controller: 'skiff.dev/ingress' }, []],
    ['no controller', {}, ['spec.controller: Required value']],
    ['controller without a domain', { controller: 'ingress' }, ['spec.controller: Invalid value: "ingress": must be a domain-prefixed path (such as "acme.io/foo")']],
    ['parameters without scope', { controller: 'a.io/b', parameters: { kind: 'K', name: 'n' } }, ['spec.parameters.scope: Required value']],
    ['namespace scope without namespace', { controller: 'a.io/b', parameters: { kind: 'K', name: 'n', scope: 'Namespace' } }, ["spec.parameters.namespace: Required value: `parameters.scope` is set to 'Namespace'"]],
    ['cluster scope with namespace', { controller: 'a.io/b', parameters: { kind: 'K', name: 'n', scope: 'Cluster', namespace: 'x' } }, ["spec.parameters.namespace: Forbidden: `parameters.scope` is set to 'Cluster'"]],
  ])('%s', (_what, spec, want) => {
    expect(causes(validateIngressClass, ic(spec))).toEqual(want);
  });

  it('keeps the controller immutable and defaults the parameters scope', () => {
    const errs: FieldErrors = [];
    validateIngressClassUpdate(ic({ controller: 'a.io/x' }), ic({ controller: 'a.io/y' }), errs);
    expect(errs.map((c) => `${c.field}: ${c.message}`)).toEqual(['spec.controller: Invalid value: "a.io/x": field is immutable']);
    const withParams = ic({ controller: 'a.io/b', parameters: { kind: 'K', name: 'n' } });
    defaultIngressClassSpec(withParams);
    expect((withParams.spec as { parameters: { scope: string } }).parameters.scope).toBe('Cluster');
  });
});

describe('validateEndpointSlice', () => {
  const slice = (extra: Record<string, unknown>): KubeObject => ({ apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice', metadata: { name: 's', namespace: 'default' }, addressType: 'IPv4', endpoints: [], ...extra });
  it.each([
    ['valid, loopback allowed', { endpoints: [{ addresses: ['127.1.0.1'], hostname: 'a' }], ports: [{ name: 'http', port: 80, protocol: 'TCP' }] }, []],
    ['no addressType', { addressType: undefined }, ['addressType: Required value']],
    ['unknown addressType', { addressType: 'IP' }, ['addressType: Unsupported value: "IP": supported values: "FQDN", "IPv4", "IPv6"']],
    ['endpoint without addresses', { endpoints: [{ addresses: [] }] }, ['endpoints[0].addresses: Required value: must contain at least 1 address']],
    ['not an IPv4 address', { endpoints: [{ addresses: ['fd00::1'] }] }, ['endpoints[0].addresses[0]: Invalid value: "fd00::1": must be a valid IPv4 address']],
    ['duplicate port names', { ports: [{ name: 'a', protocol: 'TCP' }, { name: 'a', protocol: 'UDP' }] }, ['ports[1].name: Duplicate value: "a"']],
    ['port without protocol', { ports: [{ name: 'a' }] }, ['ports[0].protocol: Required value']],
    ['too many endpoints', { endpoints: Array.from({ length: 1001 }, () => ({ addresses: ['127.1.0.1'] })) }, ['endpoints: Too many: 1001: must have at most 1000 items']],
  ])('%s', (_what, extra, want) => {
    expect(causes(validateEndpointSlice, slice(extra))).toEqual(want);
  });

  it('defaults port names and protocols, and keeps addressType immutable', () => {
    const s = slice({ ports: [{ port: 80 }] });
    defaultEndpointSlice(s);
    expect(s.ports).toEqual([{ name: '', port: 80, protocol: 'TCP' }]);
    const errs: FieldErrors = [];
    validateEndpointSliceUpdate(slice({ addressType: 'IPv6' }), slice({}), errs);
    expect(errs.map((c) => `${c.field}: ${c.message}`)).toEqual(['addressType: Invalid value: "IPv6": field is immutable']);
  });
});
