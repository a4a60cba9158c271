import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { KubeObject } from '@skiff/apimachinery';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { bubblewrapArgs, nodeHostFs } from '../src/runtime/bubblewrapArgs.js';
import { CONFIGMAPS, NODES, PODS, condition, getPod, pod, podStatus, removeDir, startAgent, startCluster, waitFor, type TestAgent, type TestCluster } from './cluster.js';

/** What a container sees of its sandbox, written as JSON to /out/report.json (under $SKIFF_ROOT). */
const REPORT = `
const fs = require('node:fs'); const os = require('node:os');
const root = process.env.SKIFF_ROOT === '/' ? '' : process.env.SKIFF_ROOT;
let rootWritable = true;
try { fs.writeFileSync('/skiff-should-not-exist', 'x'); fs.unlinkSync('/skiff-should-not-exist'); } catch (e) { rootWritable = e.code; }
fs.writeFileSync(root + '/out/report.json', JSON.stringify({
  pid: process.pid,
  hostname: os.hostname(),
  tmp: fs.readdirSync(process.env.TMPDIR || '/tmp'),
  rootWritable,
  config: fs.readFileSync(root + '/etc/app/config/key', 'utf8'),
  processes: fs.readdirSync('/proc').filter((d) => /^\\d+$/.test(d)).length,
  hosts: fs.existsSync('/etc/hosts') ? fs.readFileSync(root + '/etc/hosts', 'utf8') : '',
  env: { SKIFF_ROOT: process.env.SKIFF_ROOT, TMPDIR: process.env.TMPDIR },
}));
setInterval(() => {}, 1000);`;

/** The agent's own probe, synchronously: can this host run a bubblewrap sandbox? */
function bubblewrapWorks(): boolean {
  const res = spawnSync('bwrap', [...bubblewrapArgs({ hostname: 'probe', mounts: [] }, nodeHostFs), '--', 'true']);
  return res.status === 0;
}

function reportPod(name: string, nodeName: string, out: string): KubeObject {
  return pod(name, nodeName, {
    volumes: [
      { name: 'config', configMap: { name: 'iso-config' } },
      { name: 'out', hostPath: { path: out, type: 'DirectoryOrCreate' } },
    ],
    containers: [
      {
        name: 'main',
        image: 'x',
        command: [process.execPath, '-e', REPORT],
        volumeMounts: [
          { name: 'config', mountPath: '/etc/app/config' },
          { name: 'out', mountPath: '/out' },
        ],
        // An exec probe runs inside the sandbox: it sees the pod's hostname and the volume at its mount path.
        readinessProbe: {
          exec: { command: [process.execPath, '-e', `const root = process.env.SKIFF_ROOT === '/' ? '' : process.env.SKIFF_ROOT; process.exit(require('fs').existsSync(root + '/etc/app/config/key') && (root || require('os').hostname() === '${name}') ? 0 : 1)`] },
          periodSeconds: 1,
        },
      },
    ],
  });
}

describe('isolation', () => {
  let cluster: TestCluster;
  const scratch = mkdtempSync(join(tmpdir(), 'skiff-iso-'));

  beforeAll(async () => {
    cluster = await startCluster();
    await cluster.admin.create(CONFIGMAPS, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'iso-config', namespace: 'default' }, data: { key: 'value-1' } });
  });
  afterAll(async () => {
    await cluster?.close();
    rmSync(scratch, { recursive: true, force: true });
  });

  async function runReport(agent: TestAgent, name: string): Promise<{ pod: KubeObject; report: Record<string, any> }> {
    const out = join(scratch, name);
    await cluster.admin.create(PODS, reportPod(name, agent.nodeName, out));
    const p = await waitFor(`${name} Ready`, async () => {
      const x = await getPod(cluster, name);
      return condition(x, 'Ready') === 'True' ? x : undefined;
    });
    const report = await waitFor('the report', () => existsSync(join(out, 'report.json')) && JSON.parse(readFileSync(join(out, 'report.json'), 'utf8')));
    return { pod: p, report };
  }

  describe.runIf(bubblewrapWorks())('in bubblewrap', () => {
    let agent: TestAgent;
    const hostTmpFile = `skiff-host-only-${process.pid}`;
    beforeAll(async () => {
      writeFileSync(join('/tmp', hostTmpFile), 'host');
      agent = await startAgent(cluster, { isolation: 'bubblewrap' });
    });
    afterAll(async () => {
      await agent?.close({ stopPods: true });
      removeDir(agent?.dataDir ?? '');
      rmSync(join('/tmp', hostTmpFile), { force: true });
    });

    it('says so on the Node', async () => {
      const node = await cluster.admin.get(NODES, undefined, agent.nodeName);
      expect(node.metadata.annotations?.['skiff.dev/isolation']).toBe('bubblewrap');
      expect(condition(node, 'Isolated')).toBe('True');
      expect((node.status as any).nodeInfo.containerRuntimeVersion).toBe('process://bubblewrap');
    });

    it('gives the pod its own pid namespace and hostname, a private /tmp, a read-only root and its volumes at their mount paths', async () => {
      const { pod: p, report } = await runReport(agent, 'iso-pod');
      expect(report.pid).toBeLessThanOrEqual(3); // bubblewrap's init is 1
      expect(report.processes).toBeLessThan(5);
      expect(report.hostname).toBe('iso-pod');
      expect(report.tmp).not.toContain(hostTmpFile);
      expect(report.rootWritable).toBe('EROFS');
      expect(report.config).toBe('value-1');
      expect(report.hosts).toContain(`${podStatus(p).podIP}\tiso-pod`);
      expect(report.env.SKIFF_ROOT).toBe('/');
    });
  });

  describe('without isolation', () => {
    let agent: TestAgent;
    beforeAll(async () => {
      agent = await startAgent(cluster, { isolation: 'none' });
    });
    afterAll(async () => {
      await agent?.close({ stopPods: true });
      removeDir(agent?.dataDir ?? '');
    });

    it('reports Isolated False on the Node, with the reason', async () => {
      const node = await cluster.admin.get(NODES, undefined, agent.nodeName);
      expect(node.metadata.annotations?.['skiff.dev/isolation']).toBe('none');
      const isolated = (node.status as any).conditions.find((c: any) => c.type === 'Isolated');
      expect(isolated).toMatchObject({ status: 'False', reason: 'IsolationUnavailable', message: expect.stringContaining('--isolation none') });
      expect((node.status as any).nodeInfo.containerRuntimeVersion).toBe('process://none');
    });

    it('runs plain processes, with volumes under $SKIFF_ROOT and their own $TMPDIR', async () => {
      const { report } = await runReport(agent, 'plain-pod');
      expect(report.pid).toBeGreaterThan(3);
      expect(report.config).toBe('value-1');
      expect(report.env.SKIFF_ROOT).toMatch(/containers\/main\/root$/);
      expect(report.env.TMPDIR).toMatch(/containers\/main\/tmp$/);
    });
  });
});
