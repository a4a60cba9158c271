import { createServer as createHttpServer, request as httpRequest, type IncomingHttpHeaders, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { connect, type Socket } from 'node:net';
import { createSecureContext, type SecureContext } from 'node:tls';
import type { Logger } from 'pino';
import type { Backend } from '../servicePortEndpoints.js';
import { ServicePortBalancer } from '../servicePortBalancer.js';
import { certificateFor, routeRequest, type IngressRouteTable, type RouteBackend } from './planIngressRoutes.js';

/** A certificate and key in PEM, as a `kubernetes.io/tls` Secret holds them (`tls.crt`, `tls.key`). */
export interface TlsKeyPair {
  cert: string;
  key: string;
}

export interface IngressServerOptions {
  /** Where to listen (default 127.0.0.1). */
  address?: string;
  /** 0 picks a free port. */
  httpPort: number;
  /** 0 picks a free port; undefined: no HTTPS listener. */
  httpsPort?: number;
  /** Served when no Ingress has a certificate for the SNI name. */
  defaultCertificate: TlsKeyPair;
  log: Logger;
  connectTimeoutMs?: number;
  now?: () => number;
}

const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'te', 'trailer', 'upgrade', 'proxy-authorization', 'proxy-authenticate']);

/**
 * The ingress controller's data path: HTTP and HTTPS listeners that route each request by the
 * current route table (`planIngressRoutes` + `routeRequest`) to one ready endpoint of the matched
 * Service port, round-robin, skipping an endpoint that refuses (as the TCP proxy does). No rule
 * matches: 404; the rule's Service has no port or no ready endpoint: 503; every endpoint failed: 502.
 * HTTPS picks the certificate by SNI from the Secrets the table names, else the default one.
 * `apply` swaps the table and certificates; requests in flight keep their backend.
 */
export class IngressServer {
  private table: IngressRouteTable = { hosts: new Map(), wildcards: new Map(), anyHost: [], tls: [], ingresses: [] };
  private readonly balancers = new Map<string, ServicePortBalancer>();
  private contexts = new Map<string, SecureContext>();
  private readonly defaultContext: SecureContext;
  private http?: Server;
  private https?: Server;
  private readonly sockets = new Set<Socket>();
  private readonly connectTimeoutMs: number;

  constructor(private readonly opts: IngressServerOptions) {
    this.defaultContext = createSecureContext(opts.defaultCertificate);
    this.connectTimeoutMs = opts.connectTimeoutMs ?? 1000;
  }

  get httpPort(): number | undefined {
    return portOf(this.http);
  }

  get httpsPort(): number | undefined {
    return portOf(this.https);
  }

  async start(): Promise<void> {
    const address = this.opts.address ?? '127.0.0.1';
    const handler = (req: IncomingMessage, res: ServerResponse) => this.handle(req, res);
    this.http = createHttpServer(handler);
    this.http.on('upgrade', (req: IncomingMessage, socket: Socket, head: Buffer) => this.upgrade(req, socket, head, 'http'));
    await listen(this.http, address, this.opts.httpPort);
    if (this.opts.httpsPort !== undefined) {
      const https = createHttpsServer({ SNICallback: (name, cb) => cb(null, this.contextFor(name)), ...this.opts.defaultCertificate }, handler);
      https.on('upgrade', (req: IncomingMessage, socket: Socket, head: Buffer) => this.upgrade(req, socket, head, 'https'));
      this.https = https;
      await listen(https, address, this.opts.httpsPort);
    }
    this.opts.log.info({ address, httpPort: this.httpPort, httpsPort: this.httpsPort }, 'ingress listening');
  }

  /**
   * Takes a new route table. `certificates` maps `<namespace>/<name>` of the Secrets the table
   * names to their key pair; a Secret missing or unreadable leaves its hosts on the default certificate.
   */
  apply(table: IngressRouteTable, certificates: ReadonlyMap<string, TlsKeyPair>): void {
    this.table = table;
    const live = new Set<string>();
    for (const route of [...table.hosts.values(), ...table.wildcards.values(), table.anyHost].flat().concat(table.defaultBackend ? [table.defaultBackend] : [])) {
      if (!('servicePort' in route.backend)) continue;
      const { servicePort, backends } = route.backend;
      live.add(servicePort);
      let balancer = this.balancers.get(servicePort);
      if (!balancer) this.balancers.set(servicePort, (balancer = new ServicePortBalancer(this.opts.now)));
      balancer.update(backends);
    }
    for (const key of this.balancers.keys()) if (!live.has(key)) this.balancers.delete(key);
    const contexts = new Map<string, SecureContext>();
    for (const ref of table.tls) {
      const pair = certificates.get(ref.secret);
      if (!pair || contexts.has(ref.secret)) continue;
      try {
        contexts.set(ref.secret, createSecureContext(pair));
      } catch (err) {
        this.opts.log.warn({ secret: ref.secret, ingress: ref.ingress, err: (err as Error).message }, 'TLS secret not usable; its hosts get the default certificate');
      }
    }
    this.contexts = contexts;
  }

  async close(): Promise<void> {
    const servers = [this.http, this.https].filter((s): s is Server => !!s);
    for (const s of this.sockets) s.destroy();
    await Promise.all(
      servers.map(
        (s) =>
          new Promise<void>((resolve) => {
            s.close(() => resolve());
            s.closeAllConnections();
          }),
      ),
    );
  }

  private contextFor(serverName: string): SecureContext {
    const ref = certificateFor(this.table, serverName);
    return (ref && this.contexts.get(ref.secret)) || this.defaultContext;
  }

  /** The matched backend, or the status to answer with. */
  private resolve(req: IncomingMessage): { backend: RouteBackend; balancer: ServicePortBalancer } | { status: number; reason: string } {
    const match = routeRequest(this.table, req.headers.host, req.url ?? '/');
    if (!match) return { status: 404, reason: 'default backend - 404' };
    const backend = match.route.backend;
    if (!('servicePort' in backend)) return { status: 503, reason: `503 Service Unavailable: ${backend.unavailable}` };
    const balancer = this.balancers.get(backend.servicePort);
    if (!balancer || balancer.size === 0) return { status: 503, reason: `503 Service Unavailable: no ready endpoints for ${backend.servicePort}` };
    return { backend, balancer };
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const target = this.resolve(req);
    if ('status' in target) {
      res.writeHead(target.status, { 'content-type': 'text/plain; charset=utf-8' }).end(`${target.reason}\n`);
      req.resume();
      return;
    }
    const clientIp = req.socket.remoteAddress ?? '';
    const proto = 'encrypted' in req.socket ? 'https' : 'http';
    this.connectFirst(target.balancer, clientIp, (socket) => {
      if (!socket) {
        res.writeHead(502, { 'content-type': 'text/plain; charset=utf-8' }).end(`502 Bad Gateway: no endpoint of ${target.backend.servicePort} accepted the connection\n`);
        req.resume();
        return;
      }
      const upstream = httpRequest({ createConnection: () => socket, method: req.method, path: req.url, headers: forwardedHeaders(req, proto), setHost: false });
      upstream.on('response', (up) => {
        res.writeHead(up.statusCode ?? 502, up.statusMessage, responseHeaders(up.headers));
        up.pipe(res);
      });
      upstream.on('error', (err) => {
        this.opts.log.debug({ servicePort: target.backend.servicePort, err: err.message }, 'ingress upstream failed');
        if (!res.headersSent) res.writeHead(502, { 'content-type': 'text/plain; charset=utf-8' }).end('502 Bad Gateway\n');
        else res.destroy();
      });
      res.on('close', () => {
        if (!res.writableFinished) upstream.destroy();
      });
      req.pipe(upstream);
    });
  }

  /** WebSocket and other upgrades: the request head goes to the backend, then bytes flow both ways. */
  private upgrade(req: IncomingMessage, client: Socket, head: Buffer, proto: 'http' | 'https'): void {
    client.on('error', () => client.destroy());
    const target = this.resolve(req);
    if ('status' in target) {
      client.end(`HTTP/1.1 ${target.status} ${target.status === 404 ? 'Not Found' : 'Service Unavailable'}\r\nconnection: close\r\ncontent-length: 0\r\n\r\n`);
      return;
    }
    this.connectFirst(target.balancer, client.remoteAddress ?? '', (socket) => {
      if (!socket) {
        client.end('HTTP/1.1 502 Bad Gateway\r\nconnection: close\r\ncontent-length: 0\r\n\r\n');
        return;
      }
      const headers = { ...forwardedHeaders(req, proto), connection: 'Upgrade', upgrade: req.headers.upgrade ?? '' };
      const lines = [`${req.method} ${req.url} HTTP/1.1`, ...Object.entries(headers).flatMap(([k, v]) => (v === undefined ? [] : (Array.isArray(v) ? v : [v]).map((x) => `${k}: ${x}`)))];
      socket.write(`${lines.join('\r\n')}\r\n\r\n`);
      if (head.length) socket.write(head);
      this.sockets.add(client);
      client.once('close', () => this.sockets.delete(client));
      socket.on('error', () => client.destroy());
      client.on('close', () => socket.destroy());
      socket.on('close', () => client.destroy());
      socket.pipe(client);
      client.pipe(socket);
    });
  }

  /** Connects to the first candidate endpoint that accepts within the timeout; undefined when none does. */
  private connectFirst(balancer: ServicePortBalancer, clientIp: string, done: (socket: Socket | undefined) => void): void {
    const candidates = balancer.candidates(clientIp);
    const attempt = (i: number): void => {
      if (i === candidates.length) return done(undefined);
      tryConnect(candidates[i], this.connectTimeoutMs, (socket) => {
        if (!socket) return attempt(i + 1);
        this.sockets.add(socket);
        socket.once('close', () => this.sockets.delete(socket));
        done(socket);
      });
    };
    attempt(0);
  }
}

function tryConnect(target: Backend, timeoutMs: number, done: (socket: Socket | undefined) => void): void {
  const socket = connect({ host: target.ip, port: target.port, noDelay: true });
  let settled = false;
  const settle = (ok: boolean) => {
    if (settled) return;
    settled = true;
    socket.setTimeout(0);
    if (ok) done(socket);
    else {
      socket.destroy();
      done(undefined);
    }
  };
  socket.setTimeout(timeoutMs, () => settle(false));
  socket.once('error', () => settle(false));
  socket.once('connect', () => settle(true));
}

/** The client's headers minus hop-by-hop ones, plus the X-Forwarded-* every ingress controller adds. */
function forwardedHeaders(req: IncomingMessage, proto: string): Record<string, string | string[] | undefined> {
  const out: Record<string, string | string[] | undefined> = {};
  for (const [k, v] of Object.entries(req.headers)) if (!HOP_BY_HOP.has(k)) out[k] = v;
  const client = req.socket.remoteAddress ?? '';
  const prior = req.headers['x-forwarded-for'];
  out['x-forwarded-for'] = prior ? `${Array.isArray(prior) ? prior.join(', ') : prior}, ${client}` : client;
  out['x-forwarded-host'] = req.headers.host ?? '';
  out['x-forwarded-proto'] = proto;
  out['x-real-ip'] = client;
  return out;
}

function responseHeaders(headers: IncomingHttpHeaders): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const [k, v] of Object.entries(headers)) if (v !== undefined && !HOP_BY_HOP.has(k)) out[k] = v;
  return out;
}

function listen(server: Server, host: string, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host, port, exclusive: true }, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

function portOf(server: Server | undefined): number | undefined {
  const a = server?.address();
  return a && typeof a === 'object' ? a.port : undefined;
}
