import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { alive, eventually, kubectlOk, startCluster, type TestCluster } from './cluster.js';

/** What the README's Quick start runs: `npm start` is the compiled CLI (dist/cli.js), whose components run from their bundles. */
describe('the compiled skiff up (npm start)', () => {
  let cluster: TestCluster;
  let pids: [string, number][] = [];

  beforeAll(async () => {
    cluster = await startCluster({ compiled: true, example: true, nodes: 1 });
    const runDir = join(cluster.dataDir, 'run');
    pids = readdirSync(runDir).filter((f) => f.endsWith('.pid')).map((f) => [f.replace(/\.pid$/, ''), Number(readFileSync(join(runDir, f), 'utf8'))]);
  }, 180_000);
  afterAll(async () => cluster?.stop());

  it('runs every component from its bundle, syncs the example to Healthy, and stops them all', async () => {
    expect(pids.map(([name]) => name).sort()).toEqual(['apiserver', 'controller-manager', 'git-watcher', 'node-1', 'notifier', 'proxy', 'scheduler']);
    for (const [name, pid] of pids) {
      const argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
      expect(argv.some((a) => /\/dist\/[a-z-]+\.js$/.test(a)), `${name}: ${argv.join(' ')}`).toBe(true);
      expect(argv, name).not.toContain('tsx');
    }
    await eventually('the example Application Synced and Healthy', async () => {
      const app = JSON.parse(await kubectlOk(cluster, ['get', 'application', 'demo', '-n', 'default', '-o', 'json'])) as { status?: { sync?: { status?: string }; health?: { status?: string } } };
      return app.status?.sync?.status === 'Synced' && app.status?.health?.status === 'Healthy';
    }, 120_000);
    await cluster.stop();
    expect(pids.filter(([, pid]) => alive(pid))).toEqual([]);
    expect(existsSync(cluster.dataDir)).toBe(false);
  }, 240_000);
});
