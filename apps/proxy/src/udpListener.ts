import { createSocket, type RemoteInfo, type Socket } from 'node:dgram';
import type { Logger } from 'pino';
import type { ProxyMetrics } from './metrics.js';
import type { ListenerPlan } from './planListeners.js';
import { backendKey, type Backend } from './servicePortEndpoints.js';

/**
 * How long a client's UDP session lives without a datagram either way: the kernel's conntrack
 * timeout for UDP (nf_conntrack_udp_timeout), so a Service behaves alike in both proxy modes.
 */
export const DEFAULT_UDP_IDLE_TIMEOUT_MS = 30_000;

/** Where a new session from a client goes; `backend` is absent when the Service port has no endpoints. */
export interface UdpRoute {
  labels: { service: string; port: string };
  backend?: Backend;
}

export interface UdpListenerOptions {
  log: Logger;
  metrics: ProxyMetrics;
  /** Picks the backend for a new session (round-robin, or the client's pin under ClientIP affinity). */
  route(plan: ListenerPlan, clientIp: string): UdpRoute;
  idleTimeoutMs?: number;
}

interface Session {
  backend: Backend;
  labels: { service: string; port: string };
  /** Sends to the backend; what comes back on it goes to the client from the Service's address. */
  socket: Socket;
  idle: NodeJS.Timeout;
}

/**
 * One UDP Service address, proxied as kube-proxy's userspace mode did: each client address and
 * port gets a session, its own socket to the backend chosen on its first datagram, so the
 * backend's replies find their way back. A session ends after an idle timeout, or when its
 * backend leaves the Service's endpoints (as kube-proxy clears conntrack entries), so the
 * client's next datagram picks a backend in rotation.
 */
export class UdpListener {
  private readonly socket: Socket;
  private readonly sessions = new Map<string, Session>();
  private readonly idleTimeoutMs: number;
  private closed = false;

  constructor(
    public plan: ListenerPlan,
    private readonly opts: UdpListenerOptions,
  ) {
    this.idleTimeoutMs = opts.idleTimeoutMs ?? DEFAULT_UDP_IDLE_TIMEOUT_MS;
    this.socket = createSocket(family(plan.host));
    this.socket.on('message', (msg, client) => this.fromClient(msg, client));
  }

  get sessionCount(): number {
    return this.sessions.size;
  }

  open(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.socket.once('error', reject);
      this.socket.bind({ address: this.plan.host, port: this.plan.port, exclusive: true }, () => {
        this.socket.off('error', reject);
        this.socket.on('error', (err) => this.opts.log.warn({ listener: this.plan.key, err: err.message }, 'udp listener error'));
        resolve();
      });
    });
  }

  /** Ends the sessions whose backend is not among `present` (backend keys). */
  dropSessionsExcept(present: ReadonlySet<string>): void {
    for (const [client, s] of this.sessions) if (!present.has(backendKey(s.backend))) this.endSession(client, s);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const [client, s] of this.sessions) this.endSession(client, s);
    this.socket.close();
  }

  private fromClient(msg: Buffer, client: RemoteInfo): void {
    const key = `${client.address}:${client.port}`;
    const session = this.sessions.get(key) ?? this.startSession(key, client);
    if (!session) return;
    session.idle.refresh();
    session.socket.send(msg, session.backend.port, session.backend.ip);
  }

  private startSession(key: string, client: RemoteInfo): Session | undefined {
    const { labels, backend } = this.opts.route(this.plan, client.address);
    if (!backend) {
      // Nothing to forward to: the datagram is dropped, as a Service without endpoints drops it.
      this.opts.metrics.connections.inc({ ...labels, result: 'no_endpoints' });
      return undefined;
    }
    const socket = createSocket(family(backend.ip));
    const session: Session = { backend, labels, socket, idle: setTimeout(() => this.endSession(key, session), this.idleTimeoutMs) };
    session.idle.unref();
    socket.on('error', (err) => this.opts.log.debug({ listener: this.plan.key, endpoint: backendKey(backend), err: err.message }, 'udp session error'));
    socket.on('message', (reply, from) => {
      // The socket is not connected, so only the backend's own datagrams are passed back.
      if (from.address !== backend.ip || from.port !== backend.port || this.closed) return;
      session.idle.refresh();
      this.socket.send(reply, client.port, client.address);
    });
    this.sessions.set(key, session);
    this.opts.metrics.connections.inc({ ...labels, result: 'forwarded' });
    this.opts.metrics.activeConnections.inc(labels);
    return session;
  }

  private endSession(key: string, s: Session): void {
    if (this.sessions.get(key) !== s) return;
    this.sessions.delete(key);
    clearTimeout(s.idle);
    s.socket.close();
    this.opts.metrics.activeConnections.dec(s.labels);
  }
}

function family(ip: string): 'udp4' | 'udp6' {
  return ip.includes(':') ? 'udp6' : 'udp4';
}
