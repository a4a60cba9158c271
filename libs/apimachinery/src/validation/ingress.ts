import type { KubeObject } from '../types.js';
import { dns1035LabelErrors, dns1123LabelErrors, dns1123SubdomainErrors, maxLenError, pathSegmentNameErrors, portNameErrors, portNumberErrors, regexError } from '../names.js';
import { FieldPath, forbidden, IMMUTABLE, invalid, invalidEach, notSupported, required, tooLong, type FieldErrors } from './fieldErrors.js';
import { isIP } from './service.js';
import { arr, int, isObject, obj, str, type Json } from './values.js';

/** Kubernetes' Ingress and IngressClass validation (pkg/apis/networking/validation), networking.k8s.io/v1. */

export const PATH_TYPES = ['Exact', 'ImplementationSpecific', 'Prefix'];
const INVALID_PATH_SEQUENCES = ['//', '/./', '/../', '%2f', '%2F'];
const INVALID_PATH_SUFFIXES = ['/..', '/.'];
const INGRESS_CLASS_ANNOTATION = 'kubernetes.io/ingress.class';
const MAX_CONTROLLER_LENGTH = 250;
const PARAMETER_SCOPES = ['Cluster', 'Namespace'];

const DNS1123_SUBDOMAIN_FMT = '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*';
const WILDCARD_FMT = `\\*\\.${DNS1123_SUBDOMAIN_FMT}`;
const wildcard = new RegExp(`^${WILDCARD_FMT}$`);
const HTTP_PATH_FMT = "[A-Za-z0-9/\\-._~%!$&'()*+,;=:]+";
const httpPath = new RegExp(`^${HTTP_PATH_FMT}$`);

/** `*.example.com`: a wildcard label, then a DNS subdomain (IsWildcardDNS1123Subdomain). */
export function wildcardDns1123SubdomainErrors(value: string): string[] {
  const errs: string[] = [];
  if (value.length > 253) errs.push(maxLenError(253));
  if (!wildcard.test(value)) {
    errs.push(
      regexError(
        "a wildcard DNS-1123 subdomain must start with '*.', followed by a valid DNS subdomain, which must consist of lower case alphanumeric characters, '-' or '.' and end with an alphanumeric character",
        WILDCARD_FMT,
        '*.example.com',
      ),
    );
  }
  return errs;
}

function hostErrors(host: string): string[] {
  return host.includes('*') ? wildcardDns1123SubdomainErrors(host) : dns1123SubdomainErrors(host);
}

/** ValidateIngressCreate / ValidateIngressUpdate: the spec, and the class annotation agreeing with the field. */
export function validateIngress(ing: KubeObject, errs: FieldErrors): void {
  const path = FieldPath.root('spec');
  const spec = obj(ing.spec, path, errs);
  const rules = arr(spec.rules, path.child('rules'), errs);
  if (rules.length === 0 && spec.defaultBackend === undefined) errs.push(invalid(path, null, 'either `defaultBackend` or `rules` must be specified'));
  if (spec.defaultBackend !== undefined) validateBackend(spec.defaultBackend, path.child('defaultBackend'), errs);
  rules.forEach((raw, i) => validateRule(raw, path.child('rules').index(i), errs));
  arr(spec.tls, path.child('tls'), errs).forEach((raw, i) => {
    const p = path.child('tls').index(i);
    const tls = obj(raw, p, errs);
    arr(tls.hosts, p.child('hosts'), errs).forEach((h, j) => {
      const host = str(h, p.child('hosts').index(j), errs);
      errs.push(...invalidEach(p.child('hosts').index(j), host, hostErrors(host)));
    });
    const secretName = str(tls.secretName, p.child('secretName'), errs);
    if (secretName) errs.push(...invalidEach(p.child('secretName'), secretName, dns1123SubdomainErrors(secretName)));
  });
  const className = spec.ingressClassName === undefined ? undefined : str(spec.ingressClassName, path.child('ingressClassName'), errs);
  if (className !== undefined) errs.push(...invalidEach(path.child('ingressClassName'), className, dns1123SubdomainErrors(className)));
  const annotation = ing.metadata.annotations?.[INGRESS_CLASS_ANNOTATION];
  if (annotation !== undefined && className !== undefined && annotation !== className) {
    errs.push(invalid(FieldPath.root('annotations').child(INGRESS_CLASS_ANNOTATION), annotation, 'must match `ingressClassName` when both are specified'));
  }
}

function validateRule(raw: unknown, path: FieldPath, errs: FieldErrors): void {
  const rule = obj(raw, path, errs);
  const host = str(rule.host, path.child('host'), errs);
  if (host) {
    if (isIP(host)) errs.push(invalid(path.child('host'), host, 'must be a DNS name, not an IP address'));
    errs.push(...invalidEach(path.child('host'), host, hostErrors(host)));
  }
  if (rule.http === undefined) return;
  const http = obj(rule.http, path.child('http'), errs);
  const paths = arr(http.paths, path.child('http', 'paths'), errs);
  if (paths.length === 0) errs.push(required(path.child('http', 'paths')));
  paths.forEach((p, i) => validatePath(p, path.child('http', 'paths').index(i), errs));
}

function validatePath(raw: unknown, path: FieldPath, errs: FieldErrors): void {
  const p = obj(raw, path, errs);
  if (p.pathType === undefined || p.pathType === null) {
    errs.push(required(path.child('pathType'), 'pathType must be specified'));
    return;
  }
  const pathType = str(p.pathType, path.child('pathType'), errs);
  const value = str(p.path, path.child('path'), errs);
  if (pathType === 'Exact' || pathType === 'Prefix') {
    if (!value.startsWith('/')) errs.push(invalid(path.child('path'), value, 'must be an absolute path'));
    if (value) {
      for (const seq of INVALID_PATH_SEQUENCES) if (value.includes(seq)) errs.push(invalid(path.child('path'), value, `must not contain '${seq}'`));
      for (const suffix of INVALID_PATH_SUFFIXES) if (value.endsWith(suffix)) errs.push(invalid(path.child('path'), value, `cannot end with '${suffix}'`));
    }
  } else if (pathType === 'ImplementationSpecific') {
    if (value && !value.startsWith('/')) errs.push(invalid(path.child('path'), value, 'must be an absolute path'));
  } else {
    errs.push(notSupported(path.child('pathType'), pathType, PATH_TYPES));
  }
  validateBackend(p.backend, path.child('backend'), errs);
}

/** validateIngressBackend: exactly one of a Service (name and port name or number) or a resource. */
function validateBackend(raw: unknown, path: FieldPath, errs: FieldErrors): void {
  const backend = obj(raw, path, errs);
  const hasResource = isObject(backend.resource);
  const hasService = isObject(backend.service);
  if (hasResource && hasService) {
    errs.push(invalid(path, '', 'cannot set both resource and service backends'));
    return;
  }
  if (hasResource) {
    validateTypedReference(backend.resource as Json, path.child('resource'), errs);
    return;
  }
  if (!hasService) {
    errs.push(invalid(path, '', 'resource or service backend is required'));
    return;
  }
  const service = backend.service as Json;
  const name = str(service.name, path.child('service', 'name'), errs);
  if (!name) errs.push(required(path.child('service', 'name')));
  else errs.push(...invalidEach(path.child('service', 'name'), name, dns1035LabelErrors(name)));
  const port = obj(service.port, path.child('service', 'port'), errs);
  const portName = str(port.name, path.child('service', 'port', 'name'), errs);
  const portNumber = int(port.number, path.child('service', 'port', 'number'), errs) ?? 0;
  if (portName && portNumber) errs.push(invalid(path, '', 'cannot set both port name & port number'));
  else if (portName) errs.push(...invalidEach(path.child('service', 'port', 'name'), portName, portNameErrors(portName)));
  else if (portNumber) errs.push(...invalidEach(path.child('service', 'port', 'number'), portNumber, portNumberErrors(portNumber)));
  else errs.push(required(path, 'port name or number is required'));
}

function validateTypedReference(ref: Json, path: FieldPath, errs: FieldErrors): void {
  const apiGroup = ref.apiGroup === undefined ? undefined : str(ref.apiGroup, path.child('apiGroup'), errs);
  if (apiGroup !== undefined) errs.push(...invalidEach(path.child('apiGroup'), apiGroup, dns1123SubdomainErrors(apiGroup)));
  for (const field of ['kind', 'name'] as const) {
    const value = str(ref[field], path.child(field), errs);
    if (!value) errs.push(required(path.child(field)));
    else errs.push(...invalidEach(path.child(field), value, pathSegmentNameErrors(value)));
  }
}

/** ValidateIngressStatusUpdate: the addresses the controller writes. */
export function validateIngressStatus(ing: KubeObject, errs: FieldErrors): void {
  const path = FieldPath.root('status', 'loadBalancer', 'ingress');
  const lb = obj(obj(ing.status, FieldPath.root('status'), errs).loadBalancer, FieldPath.root('status', 'loadBalancer'), errs);
  arr(lb.ingress, path, errs).forEach((raw, i) => {
    const p = path.index(i);
    const entry = obj(raw, p, errs);
    const ip = str(entry.ip, p.child('ip'), errs);
    if (ip && !isIP(ip)) errs.push(invalid(p.child('ip'), ip, 'must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)'));
    const hostname = str(entry.hostname, p.child('hostname'), errs);
    if (hostname) {
      errs.push(...invalidEach(p.child('hostname'), hostname, dns1123SubdomainErrors(hostname)));
      if (isIP(hostname)) errs.push(invalid(p.child('hostname'), hostname, 'must be a DNS name, not an IP address'));
    }
  });
}

/** ValidateIngressClass: a domain-prefixed controller and a well-formed parameters reference. */
export function validateIngressClass(ic: KubeObject, errs: FieldErrors): void {
  const path = FieldPath.root('spec');
  const spec = obj(ic.spec, path, errs);
  const controller = str(spec.controller, path.child('controller'), errs);
  if (!controller) errs.push(required(path.child('controller')));
  else {
    if (controller.length > MAX_CONTROLLER_LENGTH) errs.push(tooLong(path.child('controller'), MAX_CONTROLLER_LENGTH));
    validateDomainPrefixedPath(controller, path.child('controller'), errs);
  }
  if (spec.parameters === undefined || spec.parameters === null) return;
  const pp = path.child('parameters');
  const params = obj(spec.parameters, pp, errs);
  validateTypedReference(params, pp, errs);
  if (params.scope === undefined || params.scope === null) {
    errs.push(required(pp.child('scope')));
    return;
  }
  const scope = str(params.scope, pp.child('scope'), errs);
  if (!PARAMETER_SCOPES.includes(scope)) errs.push(notSupported(pp.child('scope'), scope, PARAMETER_SCOPES));
  else if (scope === 'Namespace') {
    const ns = params.namespace === undefined ? undefined : str(params.namespace, pp.child('namespace'), errs);
    if (ns === undefined) errs.push(required(pp.child('namespace'), "`parameters.scope` is set to 'Namespace'"));
    else errs.push(...invalidEach(pp.child('namespace'), ns, dns1123LabelErrors(ns)));
  } else if (params.namespace !== undefined) errs.push(forbidden(pp.child('namespace'), "`parameters.scope` is set to 'Cluster'"));
}

/** IsDomainPrefixedPath: `acme.io/ingress-controller`. */
function validateDomainPrefixedPath(value: string, path: FieldPath, errs: FieldErrors): void {
  const slash = value.indexOf('/');
  const host = slash < 0 ? value : value.slice(0, slash);
  const rest = slash < 0 ? '' : value.slice(slash + 1);
  if (slash < 0 || !host || !rest) {
    errs.push(invalid(path, value, 'must be a domain-prefixed path (such as "acme.io/foo")'));
    return;
  }
  errs.push(...invalidEach(path, host, dns1123SubdomainErrors(host)));
  if (!httpPath.test(rest)) errs.push(invalid(path, rest, regexError('Invalid path', HTTP_PATH_FMT)));
}

/** validateIngressClassSpecUpdate: the controller cannot change. */
export function validateIngressClassUpdate(next: KubeObject, prev: KubeObject, errs: FieldErrors): void {
  const a = (next.spec as Json | undefined)?.controller;
  const b = (prev.spec as Json | undefined)?.controller;
  if (a !== b) errs.push(invalid(FieldPath.root('spec', 'controller'), a ?? '', IMMUTABLE));
}

/** SetDefaults_IngressClass: a parameters reference without a scope is cluster-scoped. */
export function defaultIngressClassSpec(ic: KubeObject): void {
  const params = (ic.spec as Json | undefined)?.parameters;
  if (isObject(params) && params.scope === undefined) params.scope = 'Cluster';
}
