/**
 * An HTTP load generator that runs in its own process, so the API server under test has a core of
 * its own instead of sharing an event loop with the client that measures it.
 *
 * `startLoadClient()` forks this file; each `run(load)` sends `load.total` requests with
 * `load.concurrency` in flight over keep-alive connections (node:http, one socket per request in
 * flight) and answers how long that took. `{i}` in the path or body is replaced by the request's
 * index, so one load names many objects; `{now}` in the body by the time it is sent (a MicroTime,
 * as in a Lease's renewTime).
 */
import { fork, type ChildProcess } from 'node:child_process';
import { Agent, request } from 'node:http';
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
  const agent = new Agent({ keepAlive: true, maxSockets: load.concurrency });
  const deadline = Date.now() + (load.timeoutMs ?? 120_000);
  const once = (i: number) =>
    new Promise<void>((resolve, reject) => {
      const index = String(load.cycle ? i % load.cycle : i);
      const body = load.body?.replaceAll('{i}', index).replaceAll('{now}', microTime());
      const req = request({ host: target.hostname, port: target.port, method: load.method, path: load.path.replaceAll('{i}', index), headers: load.headers, agent }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => (res.statusCode === load.expect ? resolve() : reject(new Error(`${load.method} ${load.path}: ${res.statusCode} ${Buffer.concat(chunks).toString().slice(0, 300)}`))));
        res.on('error', reject);
      });
      req.on('error', reject);
      req.end(body);
    });
  let next = 0;
  let done = 0;
  let error: string | undefined;
  const started = performance.now();
  const cpu = process.cpuUsage();
  await Promise.all(
    Array.from({ length: load.concurrency }, async () => {
      while (next < load.total && !error && Date.now() < deadline) {
        try {
          await once(next++);
          done++;
        } catch (err) {
          error ??= (err as Error).message;
        }
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  const used = process.cpuUsage(cpu);
  agent.destroy();
  if (!error && done < load.total) error = `timed out after ${done} of ${load.total} requests`;
  return { done, seconds, perSecond: done / seconds, cpuMicros: (used.user + used.system) / Math.max(done, 1), error };
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
