import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

// Apps never import each other: this is apps/cli/test/cluster.ts's startCluster, for the page.
const CLI = fileURLToPath(new URL('../../cli/src/main.ts', import.meta.url));

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => resolve(port));
    });
  });
}

export interface TestCluster {
  url: string;
  kubeconfig: string;
  dataDir: string;
  output(): string;
  stop(): Promise<void>;
}

/** Runs `skiff up` the way a user does (with the example app), and waits for its "kubeconfig:" line. */
export async function startCluster(opts: { nodes?: number } = {}): Promise<TestCluster> {
  const dataDir = mkdtempSync(join(tmpdir(), 'skiff-page-'));
  const port = await freePort();
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', CLI, 'up', '--data-dir', dataDir, '--port', String(port), '--nodes', String(opts.nodes ?? 2)], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  const kubeconfig = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`skiff up did not get ready in 90 s:\n${out}`)), 90_000);
    child.stdout!.on('data', () => {
      const m = /kubeconfig: (\S+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`skiff up exited with ${code}:\n${out}`));
    });
  });
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
  return {
    url: `https://127.0.0.1:${port}`,
    kubeconfig,
    dataDir,
    output: () => out,
    stop: async () => {
      if (child.exitCode === null) child.kill('SIGTERM');
      await exited;
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export function gitIn(dir: string, args: string[]): string {
  return execFileSync('git', ['-C', dir, ...args], {
    env: { ...process.env, GIT_AUTHOR_NAME: 'Dev', GIT_AUTHOR_EMAIL: 'dev@example.com', GIT_COMMITTER_NAME: 'Dev', GIT_COMMITTER_EMAIL: 'dev@example.com' },
  })
    .toString()
    .trim();
}
