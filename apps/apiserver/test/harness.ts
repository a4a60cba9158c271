import { execFile, execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll } from 'vitest';
import { createTestDatabase } from '@skiff/store';
import { startApiServer, type RunningApiServer } from '../src/index.js';

export const ADMIN_TOKEN = 'test-admin-token';

export type Backend = 'postgres' | 'pglite';

/** Where a test cluster keeps its state: a fresh Postgres database, or a fresh PGlite data dir. */
export interface TestBackend {
  backend: Backend;
  databaseUrl?: string;
  dataDir: string;
  dispose(): Promise<void>;
}

export async function createBackend(backend: Backend): Promise<TestBackend> {
  const dataDir = mkdtempSync(join(tmpdir(), 'skiff-api-'));
  if (backend === 'pglite') {
    return { backend, dataDir, dispose: async () => rmSync(dataDir, { recursive: true, force: true }) };
  }
  const db = await createTestDatabase();
  return {
    backend,
    databaseUrl: db.url,
    dataDir,
    dispose: async () => {
      await db.drop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export async function startTestServer(b: TestBackend, extra: Partial<Parameters<typeof startApiServer>[0]> = {}): Promise<RunningApiServer> {
  return startApiServer({
    databaseUrl: b.databaseUrl,
    dataDir: b.dataDir,
    port: 0,
    tokens: { [ADMIN_TOKEN]: { name: 'admin', groups: ['system:masters'] } },
    logger: pino({ level: process.env.SKIFF_TEST_LOG ?? 'silent' }),
    ...extra,
  });
}

/**
 * A fresh Postgres database and API server for the enclosing describe block: started before its
 * tests, closed and dropped after them. Read `server`, `call` and `backend` inside tests.
 */
export function useTestServer(extra: Parameters<typeof startTestServer>[1] = {}): { readonly backend: TestBackend; readonly server: RunningApiServer; readonly call: ReturnType<typeof api> } {
  let backend: TestBackend | undefined;
  let server: RunningApiServer | undefined;
  let call: ReturnType<typeof api> | undefined;
  beforeAll(async () => {
    backend = await createBackend('postgres');
    server = await startTestServer(backend, extra);
    call = api(server);
  });
  afterAll(async () => {
    await server?.close();
    await backend?.dispose();
  });
  const started = <T>(v: T | undefined): T => {
    if (v === undefined) throw new Error('useTestServer: the server is not started yet (use it inside a test)');
    return v;
  };
  return {
    get backend() {
      return started(backend);
    },
    get server() {
      return started(server);
    },
    get call() {
      return started(call);
    },
  };
}

/**
 * `useTestServer` over TLS with the real kubectl pointed at it: a temp dir (removed after) holding
 * the certificate and kubeconfig, and `run(args)` to call kubectl.
 */
export function useKubectlServer(prefix: string, extra: Parameters<typeof startTestServer>[1] = {}): { readonly backend: TestBackend; readonly server: RunningApiServer; readonly dir: string; readonly run: ReturnType<typeof kubectlFor> } {
  let backend: TestBackend | undefined;
  let server: RunningApiServer | undefined;
  let dir: string | undefined;
  let run: ReturnType<typeof kubectlFor> | undefined;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), prefix));
    const tls = selfSignedCert(dir);
    backend = await createBackend('postgres');
    server = await startTestServer(backend, { tls, ...extra });
    run = kubectlFor(dir, server, tls.cert);
  });
  afterAll(async () => {
    await server?.close();
    await backend?.dispose();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });
  const started = <T>(v: T | undefined): T => {
    if (v === undefined) throw new Error('useKubectlServer: the server is not started yet (use it inside a test)');
    return v;
  };
  return {
    get backend() {
      return started(backend);
    },
    get server() {
      return started(server);
    },
    get dir() {
      return started(dir);
    },
    get run() {
      return started(run);
    },
  };
}

/** P, or a rejection naming WHAT when it has not settled after MS (a close that hangs fails the test instead of timing it out). */
export async function within<T>(ms: number, what: string, p: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`${what} did not finish within ${ms} ms`)), ms)));
  try {
    return await Promise.race([p, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** A small HTTP client for raw API calls. */
export function api(server: { url: string }, token: string | null = ADMIN_TOKEN) {
  return async (method: string, path: string, body?: unknown, contentType = 'application/json', headers: Record<string, string> = {}) => {
    const res = await fetch(server.url + path, {
      method,
      headers: {
        ...(token ? { authorization: `Bearer ${token}` } : {}),
        ...(body !== undefined ? { 'content-type': contentType } : {}),
        ...headers,
      },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });
    const text = await res.text();
    let json: any;
    try {
      json = JSON.parse(text);
    } catch {
      json = undefined;
    }
    return { status: res.status, json, text, headers: res.headers };
  };
}

/** The JSON objects of a newline-delimited stream (a watch), as they arrive. */
export async function* jsonLines(body: AsyncIterable<Uint8Array>): AsyncGenerator<any> {
  const decoder = new TextDecoder();
  let buf = '';
  for await (const chunk of body) {
    buf += decoder.decode(chunk, { stream: true });
    let nl: number;
    while ((nl = buf.indexOf('\n')) >= 0) {
      yield JSON.parse(buf.slice(0, nl));
      buf = buf.slice(nl + 1);
    }
  }
}

/** Reads a raw watch stream until `count` events arrived (or it ended, or `timeoutMs` passed). */
export async function readWatch(url: string, count: number, timeoutMs = 10_000): Promise<any[]> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), timeoutMs);
  const res = await fetch(url, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` }, signal: controller.signal });
  const events: any[] = [];
  try {
    for await (const event of jsonLines(res.body as unknown as AsyncIterable<Uint8Array>)) {
      events.push(event);
      if (events.length >= count) break;
    }
  } catch (err) {
    if ((err as Error).name !== 'AbortError') throw err;
  } finally {
    clearTimeout(timer);
    controller.abort();
  }
  return events;
}

export function configMap(name: string, data: Record<string, string> = { a: '1' }, namespace = 'default') {
  return { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace }, data };
}

export function deployment(name: string, replicas = 1, namespace = 'default') {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace },
    spec: {
      replicas,
      selector: { matchLabels: { app: name } },
      template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'main', image: 'busybox:1', command: ['sleep', '1000'] }] } },
    },
  };
}

/** A self-signed serving certificate for 127.0.0.1: kubectl sends bearer tokens over TLS only. */
export function selfSignedCert(dir: string): { cert: string; key: string } {
  const certFile = join(dir, 'tls.crt');
  const keyFile = join(dir, 'tls.key');
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', keyFile, '-out', certFile], { stdio: 'ignore' });
  return { cert: readFileSync(certFile, 'utf8'), key: readFileSync(keyFile, 'utf8') };
}

/** Writes a kubeconfig for `server` (serving `cert`) as the admin, and returns a runner of the real kubectl with it. */
export function kubectlFor(dir: string, server: { url: string }, cert: string) {
  const kubeconfig = join(dir, 'config');
  writeFileSync(
    kubeconfig,
    JSON.stringify({
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [{ name: 't', cluster: { server: server.url, 'certificate-authority-data': Buffer.from(cert).toString('base64') } }],
      users: [{ name: 't', user: { token: ADMIN_TOKEN } }],
      contexts: [{ name: 't', context: { cluster: 't', user: 't', namespace: 'default' } }],
      'current-context': 't',
    }),
  );
  return (args: string[]) =>
    new Promise<{ code: number; out: string; stdout: string; stderr: string }>((resolve) =>
      execFile('kubectl', args, { env: { ...process.env, KUBECONFIG: kubeconfig }, timeout: 60_000 }, (err, stdout, stderr) =>
        resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, out: `${stdout}${stderr}`, stdout, stderr }),
      ),
    );
}
