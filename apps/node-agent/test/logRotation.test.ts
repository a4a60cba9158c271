import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kubectlFor, selfSignedCert } from '../../apiserver/test/harness.js';
import { PODS, hostPids, pod, removeDir, startAgent, startCluster, uniqueMarker, waitFor, type TestAgent, type TestCluster } from './cluster.js';

/** A running container's log is rotated by size, and `kubectl logs` reads the end and follows across rotations. */
describe('container log rotation', () => {
  let cluster: TestCluster;
  let agent: TestAgent;
  let dir: string;
  let kubectl: ReturnType<typeof kubectlFor>;
  const MAX = 64 * 1024;
  const marker = uniqueMarker('chatty');

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'skiff-logrotation-'));
    const tls = selfSignedCert(dir);
    cluster = await startCluster({ tls });
    kubectl = kubectlFor(dir, cluster, tls.cert);
    agent = await startAgent(cluster, { ca: tls.cert, containerLogMaxSizeBytes: MAX, containerLogMaxFiles: 3, containerLogMonitorIntervalMs: 100 });
    // About 250 kB/s of numbered 72-byte lines: a rotation every few checks.
    await cluster.admin.create(
      PODS,
      pod('chatty', agent.nodeName, {
        containers: [{ name: 'app', image: 'x', command: [process.execPath, '-e', "let i = 0; setInterval(() => { for (let k = 0; k < 20; k++) console.log('n ' + String(++i).padStart(8, '0') + ' ' + 'x'.repeat(60)); }, 5);", marker] }],
      }),
    );
  });
  afterAll(async () => {
    await agent?.close({ stopPods: true });
    await cluster?.close();
    removeDir(agent?.dataDir ?? '');
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  /** The container's log directory: pods/<uid>/logs/app. */
  function logDir(): string | undefined {
    const pods = join(agent.dataDir, 'pods');
    for (const uid of readdirSync(pods)) {
      const d = join(pods, uid, 'logs', 'app');
      try {
        if (statSync(d).isDirectory()) return d;
      } catch {
        // not this pod's
      }
    }
    return undefined;
  }
  const logFiles = () => readdirSync(logDir() ?? agent.dataDir).filter((f) => !f.endsWith('.idx')).sort();
  const numbers = (text: string) => text.trim().split('\n').map((l) => Number(l.split(' ')[1]));

  it('keeps at most --container-log-max-files files, the older rotated ones gzipped', async () => {
    await waitFor('two rotations', () => logDir() && logFiles().length === 3 && logFiles().some((f) => f.endsWith('.gz')));
    const names = new Set<string>();
    // Through several more rotations, never more than 3 files, each bounded in size.
    await waitFor('more rotations', () => {
      const files = logFiles();
      expect(files.length).toBeLessThanOrEqual(3);
      expect(files).toContain('0.log');
      for (const f of files) names.add(f);
      return names.size >= 6;
    });
    const newest = logFiles().filter((f) => f !== '0.log' && !f.endsWith('.gz'));
    expect(newest).toHaveLength(1);
    expect(statSync(join(logDir()!, newest[0])).size).toBeLessThan(4 * MAX);
  });

  it('answers kubectl logs --tail and --limit-bytes from the live file', async () => {
    const tail = await kubectl(['logs', 'chatty', '--tail=5']);
    expect(tail.code).toBe(0);
    const n = numbers(tail.stdout);
    expect(n).toHaveLength(5);
    expect(n).toEqual(n.map((_, i) => n[0] + i));
    const limited = await kubectl(['logs', 'chatty', '--limit-bytes=100']);
    expect(limited.stdout).toHaveLength(100);
    expect(limited.stdout).toMatch(/^n \d{8} x+\nn \d{8} x/);
  });

  it('kubectl logs -f follows across rotations', async () => {
    const follower = spawn('kubectl', ['logs', '-f', 'chatty', '--tail=1'], { env: { ...process.env, KUBECONFIG: join(dir, 'config') }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    follower.stdout.on('data', (d: Buffer) => (out += d.toString()));
    const exited = new Promise((r) => follower.once('exit', r));
    // A rotated file is named by when it was rotated (and gains .gz later).
    const rotations = () => new Set(logFiles().map((f) => f.replace(/\.gz$/, '')));
    const atStart = rotations();
    await waitFor('two rotations while following', () => [...rotations()].filter((f) => !atStart.has(f)).length >= 2, 30_000);
    const seen = out.length;
    await waitFor('lines after them', () => out.length > seen + 10_000);
    // The stream ends when the container does, and kubectl with it.
    for (const pid of hostPids(marker)) process.kill(pid, 'SIGKILL');
    expect(await exited).toBe(0);
    const n = numbers(out.slice(0, out.lastIndexOf('\n')));
    expect(n.length).toBeGreaterThan(MAX / 72);
    expect(n.slice(1).every((v, i) => v > n[i])).toBe(true);
    // copytruncate may lose what the container writes in the instant of the truncate: a burst at most.
    const gaps = n.slice(1).map((v, i) => v - n[i] - 1).filter((g) => g > 0);
    expect(gaps.length).toBeLessThanOrEqual(1);
    expect(gaps.every((g) => g <= 20)).toBe(true);
  });
});
