/**
 * An HTTP load generator that runs in its own process, so the API server under test has a core of
 * its own instead of sharing an event loop with the client that measures it.
 *
 * `startLoadClient()` forks this file; each `run(load)` sends `load.total` requests with
 * `load.concurrency` in flight over keep-alive connections (one socket per request in flight,
 * HTTP/1.1 written and read directly, see `connect`) and answers how long that took. `{i}` in the path or body is replaced by the request's
 * index, so one load names many objects; `{now}` in the body by the time it is sent (a MicroTime,
 * as in a Lease's renewTime).
 */
import { fork, type ChildProcess } from 'node:child_process';
import { connect as netConnect } from 'node:net';
import { fileURLToPath } from 'node:url';

export interface Load {
  url: string;
  headers: Record<string, string>;
  method: string;
  /** With `{i}` for the request's index. */
  path: string;
  body?: string;
  /** The status every response must have. */
  expect: number;
  total: number;
  /** `{i}` counts 0..cycle-1 and starts again (default: no repeats). */
  cycle?: number;
  concurrency: number;
  /** Give up after this long (default 120 s). */
  timeoutMs?: number;
}

export interface LoadResult {
  done: number;
  seconds: number;
  perSecond: number;
  /** This process's CPU time per request done (µs): what the measuring costs, to compare with the server's. */
  cpuMicros: number;
  /** The first unexpected answer, when there was one (the run stops there). */
  error?: string;
}

export interface LoadClient {
  run(load: Load): Promise<LoadResult>;
  close(): void;
}

export function startLoadClient(): LoadClient {
  const child: ChildProcess = fork(fileURLToPath(import.meta.url), ['--load-client'], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  let pending: { resolve: (r: LoadResult) => void; reject: (e: Error) => void } | undefined;
  child.on('message', (m) => {
    const p = pending;
    pending = undefined;
    p?.resolve(m as LoadResult);
  });
  child.on('exit', (code) => {
    pending?.reject(new Error(`load client exited with ${code}`));
    pending = undefined;
  });
  return {
    run: (load) =>
      new Promise((resolve, reject) => {
        if (pending) return reject(new Error('one load at a time'));
        pending = { resolve, reject };
        child.send(load);
      }),
    close: () => {
      child.kill();
    },
  };
}

async function runLoad(load: Load): Promise<LoadResult> {
  const target = new URL(load.url);
  const deadline = Date.now() + (load.timeoutMs ?? 120_000);
  const host = target.hostname;
  const port = Number(target.port);
  const fixedHeaders = Object.entries({ host: `${host}:${port}`, connection: 'keep-alive', ...load.headers })
    .map(([k, v]) => `${k}: ${v}\r\n`)
    .join('');
  let next = 0;
  let done = 0;
  let error: string | undefined;
  const started = performance.now();
  const cpu = process.cpuUsage();
  await Promise.all(
    Array.from({ length: load.concurrency }, async () => {
      let connection: Connection | undefined;
      while (next < load.total && !error && Date.now() < deadline) {
        const i = next++;
        const index = String(load.cycle ? i % load.cycle : i);
        const body = load.body?.replaceAll('{i}', index).replaceAll('{now}', microTime());
        const head = `${load.method} ${load.path.replaceAll('{i}', index)} HTTP/1.1\r\n${fixedHeaders}${body === undefined ? '' : `content-length: ${Buffer.byteLength(body)}\r\n`}\r\n`;
        try {
          connection ??= await connect(host, port);
          const res = await connection.exchange(body === undefined ? head : head + body);
          if (!res.keepAlive) connection = undefined;
          if (res.status !== load.expect) throw new Error(`${load.method} ${load.path}: ${res.status} ${res.body.toString().slice(0, 300)}`);
          done++;
        } catch (err) {
          error ??= (err as Error).message;
        }
      }
      connection?.close();
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  const used = process.cpuUsage(cpu);
  if (!error && done < load.total) error = `timed out after ${done} of ${load.total} requests`;
  return { done, seconds, perSecond: done / seconds, cpuMicros: (used.user + used.system) / Math.max(done, 1), error };
}

interface Response {
  status: number;
  body: Buffer;
  keepAlive: boolean;
}

interface Connection {
  /** Sends one request and reads its response (one at a time per connection). */
  exchange(request: string): Promise<Response>;
  close(): void;
}

/** A body of `length` bytes from `start`, once all of it has arrived. */
function sizedBody(buf: Buffer, start: number, length: number): { body: Buffer; end: number } | undefined {
  return buf.length < start + length ? undefined : { body: buf.subarray(start, start + length), end: start + length };
}

/** A chunked body from `start` (no trailers), once its last chunk has arrived. */
function chunkedBody(buf: Buffer, start: number): { body: Buffer; end: number } | undefined {
  const chunks: Buffer[] = [];
  for (let at = start; ; ) {
    const line = buf.indexOf('\r\n', at);
    if (line < 0) return undefined;
    const size = parseInt(buf.subarray(at, line).toString('latin1'), 16);
    const data = line + 2;
    if (buf.length < data + size + 2) return undefined;
    if (size === 0) return { body: Buffer.concat(chunks), end: data + 2 };
    chunks.push(buf.subarray(data, data + size));
    at = data + size + 2;
  }
}

/**
 * One keep-alive HTTP/1.1 connection with the least client work per request: the request is
 * written as one string and of the answer only the status line, the body's framing
 * (Content-Length or chunked) and Connection are read, so the load client costs a small part of
 * what the server spends on the same request.
 */
function connect(host: string, port: number): Promise<Connection> {
  return new Promise((resolve, reject) => {
    const socket = netConnect({ host, port, noDelay: true });
    let buffered: Buffer = Buffer.alloc(0);
    let waiting: { resolve(r: Response): void; reject(e: Error): void } | undefined;
    const fail = (err: Error) => {
      const w = waiting;
      waiting = undefined;
      w?.reject(err);
    };
    const parse = () => {
      const end = buffered.indexOf('\r\n\r\n');
      if (end < 0 || !waiting) return;
      const head = buffered.subarray(0, end).toString('latin1');
      const status = Number(head.slice(9, 12));
      const length = /\r\ncontent-length: *(\d+)/i.exec(head);
      const read = length ? sizedBody(buffered, end + 4, Number(length[1])) : /\r\ntransfer-encoding: *chunked/i.test(head) ? chunkedBody(buffered, end + 4) : undefined;
      if (!read) return;
      buffered = buffered.subarray(read.end);
      const w = waiting;
      waiting = undefined;
      w.resolve({ status, body: read.body, keepAlive: !/\r\nconnection: *close/i.test(head) });
    };
    socket.on('data', (chunk: Buffer) => {
      buffered = buffered.length ? Buffer.concat([buffered, chunk]) : chunk;
      parse();
    });
    socket.on('error', (err) => fail(err));
    socket.on('close', () => fail(new Error('the server closed the connection')));
    socket.once('connect', () =>
      resolve({
        exchange: (request) =>
          new Promise((res, rej) => {
            waiting = { resolve: res, reject: rej };
            socket.write(request);
          }),
        close: () => socket.destroy(),
      }),
    );
    socket.once('error', reject);
  });
}

/** Kubernetes' MicroTime: RFC 3339 with microseconds. */
function microTime(): string {
  const ms = performance.timeOrigin + performance.now();
  const micros = String(Math.floor(ms * 1000) % 1_000_000).padStart(6, '0');
  return `${new Date(ms).toISOString().slice(0, 19)}.${micros}Z`;
}

if (process.argv.includes('--load-client')) {
  process.on('message', (load: Load) => {
    void runLoad(load).then((r) => process.send!(r));
  });
  process.on('disconnect', () => process.exit(0));
}
