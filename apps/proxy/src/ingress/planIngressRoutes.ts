import type { HTTPIngressPath, Ingress, IngressBackend, IngressClass } from 'kubernetes-types/networking/v1.js';
import type { Backend, ServicePortEndpoints } from '../servicePortEndpoints.js';
import { isServedIngress } from './ingressClasses.js';

/** Where a matched request goes: one Service port and its ready endpoints. */
export interface RouteBackend {
  /** `<namespace>/<name>:<port name or number>`, the Service port's key (as the proxy's listeners use). */
  servicePort: string;
  /** `<namespace>/<name>` of the Service. */
  service: string;
  backends: Backend[];
}

/** One path of one rule, resolved. A route whose backend cannot be resolved still matches, and answers 503. */
export interface IngressRoute {
  /** `<namespace>/<name>` of the Ingress it came from. */
  ingress: string;
  /** As written; `/` for an ImplementationSpecific path left empty. */
  path: string;
  /** ImplementationSpecific is matched as Prefix. */
  pathType: 'Exact' | 'Prefix';
  backend: RouteBackend | { unavailable: string };
}

/** A TLS certificate an Ingress asks for: the Secret and the hosts it is for (SNI names). */
export interface TlsCertificateRef {
  ingress: string;
  /** `<namespace>/<name>` of a `kubernetes.io/tls` Secret. */
  secret: string;
  /** Exact names and `*.wildcards`, lower case. */
  hosts: string[];
}

export interface IngressRouteTable {
  /** Routes by exact host, best first. */
  hosts: Map<string, IngressRoute[]>;
  /** Routes by wildcard suffix (`example.com` for `*.example.com`), best first. */
  wildcards: Map<string, IngressRoute[]>;
  /** Routes of rules without a host, best first. */
  anyHost: IngressRoute[];
  /** The oldest served Ingress's `spec.defaultBackend`, for requests no rule matches. */
  defaultBackend?: IngressRoute;
  tls: TlsCertificateRef[];
  /** `<namespace>/<name>` of every Ingress this controller serves, sorted: they get its address in status. */
  ingresses: string[];
}

export interface RouteMatch {
  route: IngressRoute;
  /** True when no rule matched and the default backend took the request. */
  isDefault: boolean;
}

/**
 * The route table for the Ingresses this controller serves (`isServedIngress`), from Ingresses,
 * IngressClasses and the Service ports' ready endpoints (`servicePortEndpoints`) alone. Pure, so
 * the server swaps tables without touching requests in flight.
 *
 * Ingresses are taken oldest first (then by namespace/name): when two claim the same host, path
 * and type, the older keeps it, as ingress-nginx does. Within a host, routes are ordered by
 * precedence: the longer path first, and Exact before Prefix for the same path (Kubernetes:
 * "longest matching path gets priority; if still equal, Exact over Prefix").
 */
export function planIngressRoutes(ingresses: readonly Ingress[], classes: readonly IngressClass[], servicePorts: readonly ServicePortEndpoints[]): IngressRouteTable {
  const table: IngressRouteTable = { hosts: new Map(), wildcards: new Map(), anyHost: [], tls: [], ingresses: [] };
  const served = ingresses.filter((ing) => !ing.metadata?.deletionTimestamp && isServedIngress(ing, classes)).sort(olderFirst);
  const claimed = new Set<string>();
  for (const ing of served) {
    const namespace = ing.metadata?.namespace ?? 'default';
    const id = `${namespace}/${ing.metadata?.name}`;
    table.ingresses.push(id);
    const spec = ing.spec ?? {};
    if (spec.defaultBackend && !table.defaultBackend) table.defaultBackend = { ingress: id, path: '/', pathType: 'Prefix', backend: resolveBackend(spec.defaultBackend, namespace, servicePorts) };
    for (const rule of spec.rules ?? []) {
      const host = (rule.host ?? '').toLowerCase();
      for (const p of rule.http?.paths ?? []) {
        const route = toRoute(p, id, namespace, servicePorts);
        const claim = `${host} ${route.pathType} ${route.path}`;
        if (claimed.has(claim)) continue;
        claimed.add(claim);
        routesFor(table, host).push(route);
      }
    }
    for (const tls of spec.tls ?? []) {
      if (!tls.secretName) continue;
      // No hosts: the certificate is for the Ingress's own rule hosts.
      const hosts = tls.hosts?.length ? tls.hosts : (spec.rules ?? []).flatMap((r) => (r.host ? [r.host] : []));
      table.tls.push({ ingress: id, secret: `${namespace}/${tls.secretName}`, hosts: hosts.map((h) => h.toLowerCase()) });
    }
  }
  for (const routes of [...table.hosts.values(), ...table.wildcards.values(), table.anyHost]) routes.sort(byPrecedence);
  table.ingresses.sort();
  return table;
}

function routesFor(table: IngressRouteTable, host: string): IngressRoute[] {
  if (!host) return table.anyHost;
  const [map, key] = host.startsWith('*.') ? [table.wildcards, host.slice(2)] : [table.hosts, host];
  let routes = map.get(key);
  if (!routes) map.set(key, (routes = []));
  return routes;
}

function toRoute(p: HTTPIngressPath, ingress: string, namespace: string, servicePorts: readonly ServicePortEndpoints[]): IngressRoute {
  const pathType = p.pathType === 'Exact' ? 'Exact' : 'Prefix';
  return { ingress, path: p.path || '/', pathType, backend: resolveBackend(p.backend, namespace, servicePorts) };
}

/**
 * A Service backend resolves to the Service port with that number, or that name; anything else
 * (a resource backend, a Service without a ClusterIP or without the port) is unavailable: its
 * requests get 503 rather than falling through to another rule.
 */
export function resolveBackend(backend: IngressBackend, namespace: string, servicePorts: readonly ServicePortEndpoints[]): RouteBackend | { unavailable: string } {
  if (!backend.service) return { unavailable: `resource backends are not served by this controller (${backend.resource?.kind ?? 'unknown'})` };
  const service = `${namespace}/${backend.service.name}`;
  const { name, number } = backend.service.port ?? {};
  const sp = servicePorts.find((s) => s.service === service && (s.protocol === 'TCP') && (number ? s.servicePort === number : s.port === name));
  if (!sp) return { unavailable: `service ${service} has no port ${number ?? name ?? '(none)'}` };
  return { servicePort: sp.key, service, backends: sp.backends };
}

function olderFirst(a: Ingress, b: Ingress): number {
  const ta = a.metadata?.creationTimestamp ?? '';
  const tb = b.metadata?.creationTimestamp ?? '';
  if (ta !== tb) return ta < tb ? -1 : 1;
  return `${a.metadata?.namespace}/${a.metadata?.name}`.localeCompare(`${b.metadata?.namespace}/${b.metadata?.name}`);
}

/** Longer paths first (trailing slashes of a Prefix do not count: `/foo/` is `/foo`); then Exact before Prefix. */
function byPrecedence(a: IngressRoute, b: IngressRoute): number {
  const la = significantLength(a);
  const lb = significantLength(b);
  if (la !== lb) return lb - la;
  if (a.pathType !== b.pathType) return a.pathType === 'Exact' ? -1 : 1;
  return 0;
}

function significantLength(r: IngressRoute): number {
  return r.pathType === 'Prefix' ? r.path.replace(/\/+$/, '').length : r.path.length;
}

/**
 * Whether a request path matches a route's path. Exact: the same string. Prefix: element by
 * element on `/`, ignoring a trailing slash on either side: `/foo/bar` matches `/foo/bar`,
 * `/foo/bar/` and `/foo/bar/baz`, but not `/foo/barbaz`; `/` matches everything.
 */
export function pathMatches(route: Pick<IngressRoute, 'path' | 'pathType'>, requestPath: string): boolean {
  if (route.pathType === 'Exact') return route.path === requestPath;
  const want = elements(route.path);
  const got = elements(requestPath);
  if (want.length > got.length) return false;
  return want.every((e, i) => got[i] === e);
}

function elements(path: string): string[] {
  return path.split('/').filter((e) => e !== '');
}

/**
 * Where a request goes. Host first, most specific first: the exact host's routes, then a
 * `*.suffix` wildcard covering exactly one more label (`*.example.com` takes `a.example.com`, not
 * `example.com` or `a.b.example.com`), then rules without a host; within each, the first route
 * (best precedence) whose path matches. Nothing matched: the default backend, or undefined (404).
 * The host is the request's Host header (a port or trailing dot dropped, case ignored); the path
 * is the request target without its query.
 */
export function routeRequest(table: IngressRouteTable, hostHeader: string | undefined, target: string): RouteMatch | undefined {
  const host = normalizeHost(hostHeader);
  const path = target.split('?')[0].split('#')[0] || '/';
  const candidates: IngressRoute[][] = [];
  if (host) {
    const exact = table.hosts.get(host);
    if (exact) candidates.push(exact);
    const dot = host.indexOf('.');
    if (dot > 0) {
      const wild = table.wildcards.get(host.slice(dot + 1));
      if (wild) candidates.push(wild);
    }
  }
  candidates.push(table.anyHost);
  for (const routes of candidates) {
    const route = routes.find((r) => pathMatches(r, path));
    if (route) return { route, isDefault: false };
  }
  return table.defaultBackend ? { route: table.defaultBackend, isDefault: true } : undefined;
}

export function normalizeHost(hostHeader: string | undefined): string {
  if (!hostHeader) return '';
  let host = hostHeader.trim().toLowerCase();
  if (host.startsWith('[')) return host.slice(0, host.indexOf(']') + 1);
  const colon = host.lastIndexOf(':');
  if (colon >= 0) host = host.slice(0, colon);
  return host.replace(/\.$/, '');
}

/**
 * The Secret whose certificate answers a TLS ClientHello for `serverName`: an exact host first,
 * then a wildcard one label deep; undefined means the default certificate.
 */
export function certificateFor(table: Pick<IngressRouteTable, 'tls'>, serverName: string | undefined): TlsCertificateRef | undefined {
  const name = normalizeHost(serverName);
  if (!name) return undefined;
  const exact = table.tls.find((t) => t.hosts.includes(name));
  if (exact) return exact;
  const dot = name.indexOf('.');
  if (dot <= 0) return undefined;
  const wildcard = `*.${name.slice(dot + 1)}`;
  return table.tls.find((t) => t.hosts.includes(wildcard));
}
