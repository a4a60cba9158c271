import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { pickListenPort } from '../src/listenPort.js';
import { alive } from './cluster.js';

const CLI = fileURLToPath(new URL('../src/main.ts', import.meta.url));

describe('skiff up', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'skiff-up-fails-'));
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it('stops the components it had started when its start fails half-way', async () => {
    // The example repository cannot be made: a file sits where its directory goes. That fails
    // after the API server, the controllers and the node agent are running.
    writeFileSync(join(dataDir, 'repo'), 'not a directory\n');
    const child = spawn(process.execPath, ['--import', 'tsx', CLI, 'up', '--data-dir', dataDir, '--port', String(await pickListenPort()), '--nodes', '1'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    const code = await new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
    expect(code, out).toBe(1);
    expect(out).toMatch(/skiff up: .*repo/);
    const runDir = join(dataDir, 'run');
    const pids = existsSync(runDir) ? readdirSync(runDir).filter((f) => f.endsWith('.pid')).map((f) => [f, Number(readFileSync(join(runDir, f), 'utf8'))] as const) : [];
    expect(pids.map(([f]) => f).sort()).toEqual(['apiserver.pid', 'controller-manager.pid', 'git-watcher.pid', 'node-1.pid', 'notifier.pid', 'proxy.pid', 'scheduler.pid']);
    expect(pids.filter(([, pid]) => alive(pid))).toEqual([]);
  }, 150_000);
});
