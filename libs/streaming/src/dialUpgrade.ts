import http from 'node:http';
import https from 'node:https';
import type { Duplex } from 'node:stream';

export interface UpgradeRequest {
  url: string;
  method?: string;
  /** Must include `connection: Upgrade` and `upgrade: ...` (this adds them for SPDY if absent). */
  headers: Record<string, string>;
  /** Extra TLS options for https URLs (ca, servername...). */
  tls?: https.RequestOptions;
  timeoutMs?: number;
}

export interface Upgraded {
  socket: Duplex;
  headers: http.IncomingHttpHeaders;
}

export class UpgradeFailedError extends Error {
  constructor(
    readonly statusCode: number,
    readonly body: string,
    readonly headers: http.IncomingHttpHeaders,
  ) {
    super(`upgrade refused with HTTP ${statusCode}${body ? `: ${body.trim()}` : ''}`);
  }
}

/**
 * Sends an HTTP/1.1 upgrade request and resolves with the raw socket once the server answers
 * 101 Switching Protocols; any other answer rejects with its status and body.
 */
export function dialUpgrade(req: UpgradeRequest): Promise<Upgraded> {
  const url = new URL(req.url);
  const mod = url.protocol === 'https:' ? https : http;
  return new Promise((resolve, reject) => {
    const r = mod.request(url, {
      method: req.method ?? 'POST',
      headers: { connection: 'Upgrade', ...req.headers },
      timeout: req.timeoutMs ?? 30_000,
      ...(url.protocol === 'https:' ? req.tls : {}),
    });
    r.on('upgrade', (res, socket, head) => {
      socket.setTimeout(0);
      if (head.length) socket.unshift(head);
      resolve({ socket, headers: res.headers });
    });
    r.on('response', (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => reject(new UpgradeFailedError(res.statusCode ?? 0, Buffer.concat(chunks).toString('utf8'), res.headers)));
      res.on('error', reject);
    });
    r.on('timeout', () => r.destroy(new Error(`no answer from ${url.host} within ${(req.timeoutMs ?? 30_000) / 1000}s`)));
    r.on('error', reject);
    r.end();
  });
}
