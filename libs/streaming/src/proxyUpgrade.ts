import type { IncomingMessage } from 'node:http';
import { connect as netConnect } from 'node:net';
import type { Duplex } from 'node:stream';
import { connect as tlsConnect, type ConnectionOptions } from 'node:tls';

export interface UpgradeTarget {
  /** Where to send the request: scheme, host, port and path; its query is merged before the client's. */
  url: string;
  /** Headers to set (or replace) on the forwarded request, e.g. the proxy's own authorization. */
  headers?: Record<string, string>;
  /** TLS options for https targets. */
  tls?: ConnectionOptions;
  /** Drop the client's query (the target URL carries all parameters). */
  replaceQuery?: boolean;
}

/** Headers that belong to one hop (or to the client's credentials) and are not forwarded. */
const HOP_HEADERS = new Set(['host', 'authorization', 'proxy-authorization', 'keep-alive', 'te', 'trailer', 'transfer-encoding', 'content-length']);

/** The request line and headers of REQ, retargeted at TARGET. Pure, for tests. */
export function upgradeRequestHead(req: Pick<IncomingMessage, 'method' | 'url' | 'rawHeaders'>, target: UpgradeTarget): string {
  const url = new URL(target.url);
  const clientQuery = new URL(req.url ?? '/', 'http://x').searchParams;
  const query = new URLSearchParams(url.search);
  if (!target.replaceQuery) for (const [k, v] of clientQuery) query.append(k, v);
  const qs = query.toString();
  const lines = [`${req.method ?? 'GET'} ${url.pathname}${qs ? `?${qs}` : ''} HTTP/1.1`, `Host: ${url.host}`];
  const replaced = new Set(Object.keys(target.headers ?? {}).map((h) => h.toLowerCase()));
  for (let i = 0; i < req.rawHeaders.length; i += 2) {
    const name = req.rawHeaders[i];
    const lower = name.toLowerCase();
    if (HOP_HEADERS.has(lower) || replaced.has(lower)) continue;
    lines.push(`${name}: ${req.rawHeaders[i + 1]}`);
  }
  for (const [name, value] of Object.entries(target.headers ?? {})) lines.push(`${name}: ${value}`);
  return `${lines.join('\r\n')}\r\n\r\n`;
}

/**
 * Forwards an HTTP upgrade request (SPDY or WebSocket) to TARGET and then splices the two
 * connections, so the target's answer (101 and its protocol, or an error) reaches the client
 * unchanged: kube-apiserver's UpgradeAwareHandler does the same towards the kubelet.
 */
export function proxyUpgrade(req: IncomingMessage, client: Duplex, head: Buffer, target: UpgradeTarget, onError?: (err: Error) => void): void {
  // A client that left while the request was checked has no 'close' left to end the upstream.
  if (client.destroyed) return;
  const url = new URL(target.url);
  const port = Number(url.port || (url.protocol === 'https:' ? 443 : 80));
  const upstream =
    url.protocol === 'https:'
      ? tlsConnect({ host: url.hostname, port, servername: /^[\d.]+$/.test(url.hostname) ? undefined : url.hostname, ...target.tls })
      : netConnect({ host: url.hostname, port });
  let answered = false;
  upstream.once(url.protocol === 'https:' ? 'secureConnect' : 'connect', () => {
    upstream.write(upgradeRequestHead(req, target));
    if (head.length) upstream.write(head);
    upstream.pipe(client);
    client.pipe(upstream);
  });
  upstream.once('data', () => (answered = true));
  upstream.on('error', (err) => {
    onError?.(err);
    if (!answered && client.writable) {
      answered = true;
      const body = `error dialing backend: ${err.message}\n`;
      client.end(`HTTP/1.1 502 Bad Gateway\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
    } else client.destroy();
  });
  upstream.on('close', () => client.destroy());
  client.on('error', () => upstream.destroy());
  client.on('close', () => upstream.destroy());
}

/** Answers an upgrade request that will not be upgraded with a plain HTTP response. */
export function refuseUpgrade(socket: Duplex, status: number, body: string, contentType = 'text/plain; charset=utf-8'): void {
  if (!socket.writable) return;
  const reason = { 400: 'Bad Request', 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found', 500: 'Internal Server Error', 502: 'Bad Gateway', 503: 'Service Unavailable' }[status] ?? 'Error';
  socket.end(`HTTP/1.1 ${status} ${reason}\r\nContent-Type: ${contentType}\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
}
