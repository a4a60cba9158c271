import { timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import type { Logger } from 'pino';
import { refuseUpgrade } from '@skiff/streaming';
import { isStreamingPath } from './streamingServer.js';
import { readLog, type LogQuery } from '../logs/containerLogs.js';
import { followLog } from '../logs/followLog.js';
import type { LogTarget } from '../pods/podManager.js';

/**
 * The agent's HTTP endpoint (kubelet's port): `GET /containerLogs/{namespace}/{pod}/{container}`
 * for `kubectl logs` (the API server proxies to it with the node's token), `GET /pods`,
 * `GET /stats/summary` (the kubelet's summary API: node, pod and container usage), and an
 * unauthenticated `GET /healthz`.
 */

/** How long the cpu rates of a summary were measured over (ms): the summary API itself has no field for it. */
export const STATS_WINDOW_HEADER = 'x-skiff-stats-window-ms';

export interface AgentServerOptions {
  host: string;
  port: number;
  /** Bearer tokens accepted. */
  tokens: string[];
  logs(namespace: string, pod: string, container: string, previous: boolean): LogTarget;
  pods(): unknown[];
  /** The summary API (`GET /stats/summary`) and the window its cpu rates cover. */
  stats?: () => { summary: unknown; windowMs: number };
  /** Serves exec, attach and port-forward upgrades (see streamingServer.ts). */
  streaming?: (req: IncomingMessage, socket: Duplex, head: Buffer) => void;
  log: Logger;
}

export interface AgentServer {
  port: number;
  close(): Promise<void>;
}

function authorized(req: IncomingMessage, tokens: string[]): boolean {
  const m = /^Bearer (.+)$/i.exec(req.headers.authorization ?? '');
  if (!m) return false;
  const given = Buffer.from(m[1]);
  return tokens.some((t) => {
    const want = Buffer.from(t);
    return want.length === given.length && timingSafeEqual(want, given);
  });
}

function text(res: ServerResponse, status: number, body: string): void {
  res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8' });
  res.end(body.endsWith('\n') ? body : `${body}\n`);
}

function intParam(q: URLSearchParams, name: string): number | undefined | 'invalid' {
  const v = q.get(name);
  if (v === null || v === '') return undefined;
  if (!/^-?\d+$/.test(v)) return 'invalid';
  return Number(v);
}

function boolParam(q: URLSearchParams, name: string): boolean {
  const v = q.get(name);
  return v === 'true' || v === '1';
}

async function serveLogs(res: ServerResponse, url: URL, opts: AgentServerOptions): Promise<void> {
  const parts = url.pathname.split('/').slice(2).map(decodeURIComponent);
  if (parts.length !== 3 || parts.some((p) => !p)) return text(res, 404, 'expected /containerLogs/{namespace}/{pod}/{container}');
  const [namespace, pod, container] = parts;
  const q = url.searchParams;
  const tailLines = intParam(q, 'tailLines');
  const limitBytes = intParam(q, 'limitBytes');
  const sinceSeconds = intParam(q, 'sinceSeconds');
  for (const [name, v] of [['tailLines', tailLines], ['limitBytes', limitBytes], ['sinceSeconds', sinceSeconds]] as const) {
    if (v === 'invalid' || (typeof v === 'number' && v < 0)) return text(res, 400, `${name} must be a non-negative integer`);
  }
  const query: LogQuery = {
    tailLines: tailLines as number | undefined,
    limitBytes: limitBytes as number | undefined,
    sinceSeconds: sinceSeconds as number | undefined,
    timestamps: boolParam(q, 'timestamps'),
  };
  const target = opts.logs(namespace, pod, container, boolParam(q, 'previous'));
  if (!target.ok) return text(res, target.status, target.message);
  query.format = target.format;

  const { data, end } = readLog(target.file, query);
  res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-cache' });
  if (!boolParam(q, 'follow') || (query.limitBytes !== undefined && data.length >= query.limitBytes)) {
    res.end(data);
    return;
  }
  res.write(data);
  const abort = new AbortController();
  res.on('close', () => abort.abort());
  const remaining = query.limitBytes !== undefined ? query.limitBytes - data.length : Infinity;
  await followLog(target.file, end, query, (chunk) => res.write(chunk), target.until, abort.signal, remaining);
  res.end();
}

export function startAgentServer(opts: AgentServerOptions): Promise<AgentServer> {
  const sockets = new Set<import('node:net').Socket>();
  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://agent');
    void (async () => {
      if (req.method !== 'GET' && req.method !== 'HEAD' && !isStreamingPath(url.pathname)) return text(res, 405, 'method not allowed');
      if (url.pathname === '/healthz') return text(res, 200, 'ok');
      if (!authorized(req, opts.tokens)) return text(res, 401, 'Unauthorized');
      if (url.pathname.startsWith('/containerLogs/')) return serveLogs(res, url, opts);
      if (isStreamingPath(url.pathname)) return text(res, 400, 'Upgrade request required');
      if (url.pathname === '/stats/summary' || url.pathname === '/stats/summary/') {
        if (!opts.stats) return text(res, 404, '404 page not found');
        const { summary, windowMs } = opts.stats();
        res.writeHead(200, { 'content-type': 'application/json', [STATS_WINDOW_HEADER]: String(windowMs) });
        res.end(JSON.stringify(summary));
        return;
      }
      if (url.pathname === '/pods') {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ apiVersion: 'v1', kind: 'PodList', metadata: {}, items: opts.pods() }));
        return;
      }
      return text(res, 404, '404 page not found');
    })().catch((err: Error) => {
      opts.log.warn({ err: err.message, path: url.pathname }, 'agent HTTP request failed');
      if (!res.headersSent) text(res, 500, err.message);
      else res.destroy();
    });
  });
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on('error', () => socket.destroy());
    const url = new URL(req.url ?? '/', 'http://agent');
    if (!authorized(req, opts.tokens)) return refuseUpgrade(socket, 401, 'Unauthorized\n');
    if (!isStreamingPath(url.pathname) || !opts.streaming) return refuseUpgrade(socket, 404, '404 page not found\n');
    opts.streaming(req, socket, head);
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host, () => {
      server.off('error', reject);
      resolve({
        port: (server.address() as AddressInfo).port,
        close: () =>
          new Promise<void>((done) => {
            server.close(() => done());
            for (const s of sockets) s.destroy();
          }),
      });
    });
  });
}
