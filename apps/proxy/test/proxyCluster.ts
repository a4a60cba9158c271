import { randomInt } from 'node:crypto';
import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { createServer, request, type Agent, type Server } from 'node:http';
import { connect } from 'node:net';
import type { KubeObject } from '@skiff/apimachinery';
import { ApiClient } from '@skiff/kube-client';
import { pino } from 'pino';
import { ADMIN_TOKEN, createBackend, startTestServer, type TestBackend } from '../../apiserver/test/harness.js';
import { ENDPOINTSLICES, PODS, SERVICES, startProxy, type ProxyOptions, type RunningProxy } from '../src/index.js';

export { ENDPOINTSLICES, PODS, SERVICES };

/**
 * A real API server on a fresh Postgres database and a proxy watching it. Addresses are drawn at
 * random inside 127/8 (a /24 of ClusterIPs, one of pod IPs, one DNS address) so test files running
 * side by side never contend for a listener.
 */
export class ProxyCluster {
  client!: ApiClient;
  proxy!: RunningProxy;
  private backend!: TestBackend;
  private server!: { url: string; close(): Promise<void> };
  private proxyClosed = false;
  private readonly servers: Server[] = [];
  private readonly udpServers: UdpSocket[] = [];
  readonly net = randomInt(1, 255);
  readonly dnsAddress = `127.250.${randomInt(1, 255)}.${randomInt(1, 255)}`;

  /** `server` configures the API server, e.g. the range ClusterIPs are allocated from. */
  static async start(opts: Partial<ProxyOptions> = {}, server: { serviceClusterIpRange?: string } = {}): Promise<ProxyCluster> {
    const c = new ProxyCluster();
    c.backend = await createBackend('postgres');
    c.server = await startTestServer(c.backend, server);
    c.client = new ApiClient({ server: c.server.url, token: ADMIN_TOKEN });
    c.proxy = await startProxy({
      client: c.client,
      dnsAddress: c.dnsAddress,
      dnsPort: randomInt(20_000, 60_000),
      upstreamDns: null,
      log: pino({ level: process.env.SKIFF_TEST_LOG ?? 'silent' }),
      ...opts,
    });
    return c;
  }

  /** Stops the proxy (once) and leaves the API server running. */
  async closeProxy(): Promise<void> {
    if (this.proxyClosed) return;
    this.proxyClosed = true;
    await this.proxy?.close();
  }

  async stop(): Promise<void> {
    await this.closeProxy();
    // Connections are closed at once, not after close(): with a 60 s keepAliveTimeout a
    // kept-alive one would otherwise hold close() up.
    await Promise.all(
      this.servers.map(
        (s) =>
          new Promise<void>((r) => {
            s.close(() => r());
            s.closeAllConnections();
          }),
      ),
    );
    for (const s of this.udpServers) s.close();
    await this.server?.close();
    await this.backend?.dispose();
  }

  /** An address in this cluster's ClusterIP /24 (inside SERVICE_CIDR). */
  serviceIp(n: number): string {
    return `127.224.${this.net}.${n}`;
  }

  /** An address in this cluster's pod /24. */
  podIp(n: number): string {
    return `127.231.${this.net}.${n}`;
  }

  /** HTTP servers that answer every request with their own address. */
  async startBackends(ips: string[], port = 8080): Promise<void> {
    for (const ip of ips) {
      const s = createServer((_req, res) => res.end(ip));
      // Node's default 5 s would close an idle kept-alive connection that a test holds across
      // several steps (the drain test); 60 s outlasts any test's deadline.
      s.keepAliveTimeout = 60_000;
      s.headersTimeout = 65_000;
      await new Promise<void>((resolve, reject) => {
        s.once('error', reject);
        s.listen(port, ip, () => resolve());
      });
      this.servers.push(s);
    }
  }

  /** UDP servers that answer every datagram with `<own address> <datagram>`. */
  async startUdpBackends(ips: string[], port: number): Promise<void> {
    for (const ip of ips) {
      const s = createSocket('udp4');
      s.on('message', (msg, from) => s.send(`${ip} ${msg.toString()}`, from.port, from.address));
      await new Promise<void>((resolve, reject) => {
        s.once('error', reject);
        s.bind(port, ip, () => resolve());
      });
      this.udpServers.push(s);
    }
  }

  async createService(svc: KubeObject): Promise<KubeObject> {
    return this.client.create(SERVICES, svc);
  }

  /** Creates or replaces a Service's EndpointSlices (by name), deleting its other slices. */
  async putEndpointSlices(slices: KubeObject[]): Promise<void> {
    for (const slice of slices) {
      const ns = slice.metadata.namespace ?? 'default';
      const current = await this.client.get(ENDPOINTSLICES, ns, slice.metadata.name!).catch(() => undefined);
      if (current) await this.client.update(ENDPOINTSLICES, { ...slice, metadata: { ...slice.metadata, resourceVersion: current.metadata.resourceVersion } });
      else await this.client.create(ENDPOINTSLICES, slice);
    }
    const service = slices[0]?.metadata.labels?.['kubernetes.io/service-name'];
    if (!service) return;
    const names = new Set(slices.map((s) => s.metadata.name));
    const ns = slices[0].metadata.namespace ?? 'default';
    const existing = await this.client.list(ENDPOINTSLICES, { namespace: ns, labelSelector: `kubernetes.io/service-name=${service}` });
    for (const s of existing.items) if (!names.has(s.metadata.name)) await this.client.delete(ENDPOINTSLICES, ns, s.metadata.name!);
  }
}

/** One HTTP GET on a fresh connection (or on `agent`'s); resolves to the body. */
export function get(host: string, port: number, opts: { localAddress?: string; agent?: Agent } = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = request({ host, port, path: '/', agent: opts.agent ?? false, localAddress: opts.localAddress, timeout: 5000 }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve(body));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error('request timed out')));
    req.on('error', reject);
    req.end();
  });
}

/**
 * A UDP client socket (bound at once, so its address is known) whose `ask` sends one datagram and
 * resolves to the next reply: its text and the address it came from. A lost datagram rejects after 2 s.
 */
export async function udpClient(localAddress = '127.0.0.1'): Promise<{ ask(host: string, port: number, text: string): Promise<{ text: string; from: string }>; close(): void }> {
  const socket = createSocket('udp4');
  await new Promise<void>((resolve) => socket.bind(0, localAddress, () => resolve()));
  return {
    ask: (host, port, text) =>
      new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          socket.off('message', onMessage);
          reject(new Error(`no UDP reply from ${host}:${port} within 2 s`));
        }, 2000);
        const onMessage = (msg: Buffer, from: { address: string; port: number }) => {
          clearTimeout(timer);
          resolve({ text: msg.toString(), from: `${from.address}:${from.port}` });
        };
        socket.once('message', onMessage);
        socket.send(text, port, host);
      }),
    close: () => socket.close(),
  };
}

/** Whether anything accepts a TCP connection at host:port. */
export function accepts(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect({ host, port });
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

export async function counts(n: number, fetch: () => Promise<string>): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  for (let i = 0; i < n; i++) {
    const body = await fetch();
    out.set(body, (out.get(body) ?? 0) + 1);
  }
  return out;
}

/** Re-checks `test` until it holds or the deadline passes; returns the milliseconds it took. */
export async function until(what: string, test: () => boolean | Promise<boolean>, ms = 10_000): Promise<number> {
  const started = performance.now();
  for (;;) {
    if (await test()) return performance.now() - started;
    if (performance.now() - started > ms) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setImmediate(r));
  }
}
