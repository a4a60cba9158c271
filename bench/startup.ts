import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import https from 'node:https';
import { createServer } from 'node:net';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { fmt } from './stats.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
/** Neither start may take longer than this; a stuck one fails the section, never hangs the run. */
const TIMEOUT_MS = 180_000;
const GOAL_API_MS = 3000;
const GOAL_HEALTHY_MS = 15_000;

interface StartTimes {
  apiReadyMs: number;
  healthyMs: number;
}

/**
 * Start-up: `npm start` (the compiled bundles of dist/) against the same `skiff up` run from its
 * TypeScript sources under tsx, as `npm start` ran before, in the same run. Each is a first start
 * in a new data dir (certificates, database, example repository all made) with process pods and
 * two nodes; measured from the command's spawn to /readyz answering 200, and to the example
 * Application `demo` reporting Healthy. The compiled one is measured after a build (so
 * the build is not counted) but through `npm start`, whose up-to-date check is counted.
 */
export async function startupBench(): Promise<void> {
  const built = spawnSync(process.execPath, ['scripts/build.mjs'], { cwd: ROOT, stdio: 'inherit' });
  if (built.status !== 0) throw new Error('scripts/build.mjs failed');
  // These figures move with the machine's load more than most: say what it was.
  console.log(`(load average ${loadavg().map((l) => l.toFixed(1)).join(' / ')} over 1 / 5 / 15 min, ${cpus().length} cores)`);
  console.log(`                        API ready    example Healthy`);
  const compiled = await timeStart('npm start', (dataDir, port) => ['npm', ['start', '--', ...upArgs(dataDir, port)]]);
  const met = compiled.apiReadyMs < GOAL_API_MS && compiled.healthyMs < GOAL_HEALTHY_MS;
  console.log(`npm start (compiled)  ${fmt(compiled.apiReadyMs).padStart(8)} ms  ${fmt(compiled.healthyMs).padStart(11)} ms   goal < ${fmt(GOAL_API_MS)} ms / < ${fmt(GOAL_HEALTHY_MS)} ms: ${met ? 'met' : 'NOT met'}`);
  // The sources also start from the build's database template (dist/pglite-template): this line is
  // what compiling saves, not what the template saves.
  const fromSource = await timeStart('tsx', (dataDir, port) => [process.execPath, ['--import', 'tsx', join(ROOT, 'apps/cli/src/main.ts'), 'up', ...upArgs(dataDir, port)]]);
  console.log(`tsx (from source)     ${fmt(fromSource.apiReadyMs).padStart(8)} ms  ${fmt(fromSource.healthyMs).padStart(11)} ms   compiled is ${fmt(fromSource.apiReadyMs / compiled.apiReadyMs, 1)}x / ${fmt(fromSource.healthyMs / compiled.healthyMs, 1)}x faster`);
  console.log(`(load average ${loadavg().map((l) => l.toFixed(1)).join(' / ')} at the end)`);
}

function upArgs(dataDir: string, port: number): string[] {
  return ['--data-dir', dataDir, '--port', String(port), '--runtime', 'process', '--nodes', '2'];
}

/** Runs one `skiff up` in its own process group in a new data dir, times it, and stops it as Ctrl-C does. */
async function timeStart(label: string, command: (dataDir: string, port: number) => [string, string[]]): Promise<StartTimes> {
  const dataDir = mkdtempSync(join(tmpdir(), 'skiff-bench-startup-'));
  const [file, args] = command(dataDir, await freePort());
  const url = `https://127.0.0.1:${args[args.indexOf('--port') + 1]}`;
  const started = performance.now();
  const child = spawn(file, args, { cwd: ROOT, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (out += d));
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
  const failFast = () => (child.exitCode !== null ? `${label}: skiff up exited (${child.exitCode}):\n${out}` : undefined);
  try {
    const caFile = join(dataDir, 'pki', 'ca.crt');
    await until(`${label}: the API server to be ready`, async () => existsSync(caFile) && (await get(url, '/readyz', readFileSync(caFile, 'utf8'))).status === 200, failFast);
    const apiReadyMs = performance.now() - started;
    const tokenFile = join(dataDir, 'admin.token');
    await until(`${label}: the example Application to be Healthy`, async () => {
      const r = await get(url, '/apis/skiff.dev/v1alpha1/namespaces/default/applications/demo', readFileSync(caFile, 'utf8'), readFileSync(tokenFile, 'utf8').trim());
      return r.status === 200 && (JSON.parse(r.body) as { status?: { health?: { status?: string } } }).status?.health?.status === 'Healthy';
    }, failFast);
    return { apiReadyMs, healthyMs: performance.now() - started };
  } finally {
    // Ctrl-C: SIGINT to the whole group; skiff up stops its components, then exits.
    if (child.exitCode === null) process.kill(-child.pid!, 'SIGINT');
    const killer = setTimeout(() => process.kill(-child.pid!, 'SIGKILL'), 30_000);
    await exited;
    clearTimeout(killer);
    rmSync(dataDir, { recursive: true, force: true });
  }
}

async function until(what: string, check: () => Promise<boolean>, failFast: () => string | undefined): Promise<void> {
  const deadline = Date.now() + TIMEOUT_MS;
  for (;;) {
    const failure = failFast();
    if (failure) throw new Error(failure);
    if (await check().catch(() => false)) return;
    if (Date.now() > deadline) throw new Error(`timed out after ${TIMEOUT_MS} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

function get(url: string, path: string, ca: string, token?: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = https.get(url + path, { ca, timeout: 2000, headers: token ? { authorization: `Bearer ${token}` } : {} }, (res) => {
      let body = '';
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.on('timeout', () => req.destroy(new Error('timeout')));
  });
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}
