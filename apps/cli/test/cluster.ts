import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import https from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { pickListenPort } from '../src/listenPort.js';

const CLI = fileURLToPath(new URL('../src/main.ts', import.meta.url));
const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

/**
 * Node's arguments for the CLI: its sources under tsx, or (`compiled`) the bundle `npm start` runs,
 * built first when missing or stale (scripts/build.mjs, a quick check when it is current).
 */
async function cliCommand(compiled: boolean): Promise<string[]> {
  if (!compiled) return ['--import', 'tsx', CLI];
  await new Promise<void>((resolve, reject) =>
    execFile(process.execPath, [join(ROOT, 'scripts', 'build.mjs')], { cwd: ROOT }, (err, _out, stderr) => (err ? reject(new Error(`build failed: ${stderr}`)) : resolve())),
  );
  return ['--enable-source-maps', join(ROOT, 'dist', 'cli.js')];
}

/** Whether a process with this pid exists (signal 0). */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

export interface TestCluster {
  url: string;
  /** The `skiff up` process. */
  pid: number;
  kubeconfig: string;
  dataDir: string;
  output(): string;
  stop(): Promise<void>;
}

/** Runs `skiff up` the way a user does, in a temp data dir, and waits for its "kubeconfig:" line. */
/**
 * `runtime` defaults to `process`: the suites written for process pods (host commands, no images)
 * run that way; container suites ask for `containerd`.
 */
/** `processGroup`: `skiff up` leads its own process group (pid = pgid), as in a terminal, for tests that signal the group. */
export async function startCluster(opts: { env?: NodeJS.ProcessEnv; nodes?: number; dataDir?: string; example?: boolean; runtime?: 'process' | 'containerd'; args?: string[]; processGroup?: boolean; compiled?: boolean } = {}): Promise<TestCluster> {
  const dataDir = opts.dataDir ?? mkdtempSync(join(tmpdir(), 'skiff-e2e-'));
  const port = await pickListenPort();
  const args = ['--data-dir', dataDir, '--port', String(port), '--nodes', String(opts.nodes ?? 2), '--runtime', opts.runtime ?? 'process', ...(opts.example ? [] : ['--no-example']), ...(opts.args ?? [])];
  const child: ChildProcess = spawn(process.execPath, [...(await cliCommand(!!opts.compiled)), 'up', ...args], {
    env: { ...process.env, ...opts.env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: !!opts.processGroup,
  });
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  let ready = false;
  const kubeconfig = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGTERM'); // its handler stops every component it started
      reject(new Error(`skiff up did not get ready in 90 s:\n${out}`));
    }, 90_000);
    const onData = () => {
      const m = /kubeconfig: (\S+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        ready = true;
        resolve(m[1]);
      }
    };
    child.stdout!.on('data', onData);
    child.on('exit', (code) => {
      clearTimeout(timer);
      // A start that failed leaves nothing behind: the temp data dir this helper made goes too.
      if (!ready && !opts.dataDir) rmSync(dataDir, { recursive: true, force: true });
      reject(new Error(`skiff up exited with ${code}:\n${out}`));
    });
  });
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
  // `skiff up` does not wait for its node agents; a test that spreads pods over the nodes does.
  const nodes = opts.nodes ?? 2;
  if (nodes > 0) {
    await eventually(`${nodes} Ready nodes`, async () => {
      const list = JSON.parse((await kubectl({ kubeconfig }, ['get', 'nodes', '-o', 'json'])).stdout || '{"items":[]}') as { items: { status?: { conditions?: { type: string; status: string }[] } }[] };
      return list.items.filter((n) => n.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True')).length === nodes;
    }, 90_000).catch(async (err: Error) => {
      if (child.exitCode === null) child.kill('SIGTERM');
      await exited;
      throw new Error(`${err.message}\n${out}`);
    });
  }
  return {
    url: `https://127.0.0.1:${port}`,
    pid: child.pid!,
    kubeconfig,
    dataDir,
    output: () => out,
    stop: async () => {
      if (child.exitCode === null) child.kill('SIGTERM');
      await exited;
      if (!opts.dataDir) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the real kubectl against the cluster; never throws on a non-zero exit. */
export function kubectl(cluster: Pick<TestCluster, 'kubeconfig'>, args: string[], input?: string): Promise<Run> {
  return new Promise((resolve) => {
    // Longer than any `--timeout` a test gives kubectl itself (rollout status --timeout=90s).
    const child = execFile('kubectl', args, { env: { ...process.env, KUBECONFIG: cluster.kubeconfig }, timeout: 150_000 }, (err, stdout, stderr) => {
      const killed = err && (err as { killed?: boolean }).killed ? `kubectl killed after 150 s\n` : '';
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout: String(stdout), stderr: killed + String(stderr) });
    });
    if (input !== undefined) {
      child.stdin!.end(input);
    }
  });
}

/** kubectl that must succeed. */
export async function kubectlOk(cluster: Pick<TestCluster, 'kubeconfig'>, args: string[], input?: string): Promise<string> {
  const r = await kubectl(cluster, args, input);
  if (r.code !== 0) throw new Error(`kubectl ${args.join(' ')} failed (${r.code}):\n${r.stderr}\n${r.stdout}`);
  return r.stdout;
}

export async function eventually<T>(what: string, fn: () => Promise<T | undefined | false>, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v !== undefined && v !== false) return v as T;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last ? `: ${(last as Error).message}` : ''}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** An HTTPS request to the cluster, trusting its CA (the API server serves TLS only). */
export function request(cluster: Pick<TestCluster, 'url' | 'dataDir'>, path: string, token?: string): Promise<{ status: number; body: string }> {
  const ca = readFileSync(join(cluster.dataDir, 'pki', 'ca.crt'), 'utf8');
  return new Promise((resolve, reject) => {
    const req = https.get(cluster.url + path, { ca, headers: token ? { authorization: `Bearer ${token}` } : {} }, (res) => {
      let body = '';
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
  });
}
