import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Received {
  deliveryId: string;
  event: string;
  signatureValid: boolean;
  body: {
    involvedObject: Record<string, string>;
    severity: string;
    timestamp: string;
    message: string;
    reason: string;
    metadata: Record<string, string>;
    reportingController: string;
    reportingInstance: string;
  };
}

const REOPEN_DEADLINE_MS = 5000;

/** One listen() attempt on 127.0.0.1; rejects with the listen error (the server can listen again after one). */
function listen(server: Server, port: number): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const onError = (err: Error) => {
      server.off('listening', onListening);
      reject(err);
    };
    const onListening = () => {
      server.off('error', onError);
      resolve();
    };
    server.once('error', onError);
    server.once('listening', onListening);
    server.listen(port, '127.0.0.1');
  });
}

/**
 * A webhook receiver on 127.0.0.1, as a user would run one: it checks X-Signature against the
 * raw body with the shared secret and answers 2xx. It can go down (`close`) and come back on the
 * same port (`open`), or answer with another status.
 */
export class Receiver {
  readonly received: Received[] = [];
  status = 200;
  delayMs = 0;
  port = 0;
  private server: Server | undefined;
  private readonly waiters = new Set<() => void>();

  constructor(private readonly secret?: string) {}

  get url(): string {
    return `http://127.0.0.1:${this.port}/hooks/skiff`;
  }

  async open(): Promise<void> {
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const raw = Buffer.concat(chunks);
        const sig = String(req.headers['x-signature'] ?? '');
        const expected = this.secret ? `sha256=${createHmac('sha256', this.secret).update(raw).digest('hex')}` : '';
        const signatureValid = !!this.secret && sig.length === expected.length && timingSafeEqual(Buffer.from(sig), Buffer.from(expected));
        const answer = () => {
          if (this.status >= 200 && this.status < 300 && req.headers['content-type'] === 'application/json') {
            this.received.push({ deliveryId: String(req.headers['x-skiff-delivery']), event: String(req.headers['x-skiff-event']), signatureValid, body: JSON.parse(raw.toString('utf8')) as Received['body'] });
            for (const w of this.waiters) w();
          }
          res.writeHead(this.status).end();
        };
        if (this.delayMs) setTimeout(answer, this.delayMs);
        else answer();
      });
    });
    server.keepAliveTimeout = 100;
    if (this.port === 0) await listen(server, 0);
    else await this.reopen(server);
    this.port = (server.address() as AddressInfo).port;
    this.server = server;
  }

  /**
   * Listens again on the port the receiver had. While it was down (refusing connections) the port
   * was free, so something else may hold it for a moment: retry EADDRINUSE until a deadline.
   */
  private async reopen(server: Server): Promise<void> {
    const deadline = performance.now() + REOPEN_DEADLINE_MS;
    for (;;) {
      try {
        return await listen(server, this.port);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw err;
        if (performance.now() > deadline) {
          throw new Error(`receiver could not come back on 127.0.0.1:${this.port}: still in use by something else after ${REOPEN_DEADLINE_MS} ms`, { cause: err });
        }
        await new Promise((r) => setTimeout(r, 100));
      }
    }
  }

  async close(): Promise<void> {
    const s = this.server;
    this.server = undefined;
    if (!s) return;
    s.closeAllConnections();
    await new Promise<void>((resolve) => s.close(() => resolve()));
  }

  /** Resolves once `n` deliveries have arrived. */
  waitFor(n: number, ms = 20_000): Promise<void> {
    return new Promise((resolve, reject) => {
      const check = () => {
        if (this.received.length >= n) {
          done();
          resolve();
        }
      };
      const timer = setTimeout(() => {
        done();
        reject(new Error(`timed out waiting for ${n} deliveries (got ${this.received.length})`));
      }, ms);
      const done = () => {
        clearTimeout(timer);
        this.waiters.delete(check);
      };
      this.waiters.add(check);
      check();
    });
  }

  ids(): string[] {
    return this.received.map((r) => r.deliveryId);
  }
}
