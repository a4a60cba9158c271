import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'vitest';
import { kubectlFor, selfSignedCert, within } from '../../apiserver/test/harness.js';
import { PODS, getPod, pod, podStatus, removeDir, startAgent, startCluster, uniqueMarker, waitFor } from './cluster.js';

/**
 * kubectl killed while following, then the agent closed, then the API server: every close finishes.
 * Before the API server destroyed its sockets on close, the first round hung in each of three runs.
 */
describe('closing a cluster after kubectl logs -f was killed', () => {
  it('the agent and the API server close (4 rounds)', async () => {
    for (let round = 0; round < 4; round++) {
      const dir = mkdtempSync(join(tmpdir(), 'skiff-followclose-'));
      const tls = selfSignedCert(dir);
      const cluster = await startCluster({ tls });
      kubectlFor(dir, cluster, tls.cert); // writes DIR/config, the kubeconfig the follower uses
      const agent = await startAgent(cluster, { ca: tls.cert });
      const marker = uniqueMarker('ticker');
      try {
        await cluster.admin.create(PODS, pod('ticker', agent.nodeName, { containers: [{ name: 'app', image: 'x', command: [process.execPath, '-e', "setInterval(() => console.log('tick'), 10);", marker] }] }));
        await waitFor('the pod to run', async () => podStatus(await getPod(cluster, 'ticker')).phase === 'Running');
        const follower = spawn('kubectl', ['logs', '-f', 'ticker'], { env: { ...process.env, KUBECONFIG: join(dir, 'config') }, stdio: ['ignore', 'pipe', 'pipe'] });
        let out = '';
        follower.stdout.on('data', (d: Buffer) => (out += d.toString()));
        const exited = new Promise((r) => follower.once('exit', r));
        await waitFor('lines while following', () => out.includes('tick\ntick\n'));
        follower.kill('SIGKILL');
        await exited;
        await within(10_000, 'closing the agent', agent.close({ stopPods: true }));
        await within(10_000, `closing the API server (round ${round})`, cluster.close());
      } finally {
        removeDir(agent.dataDir);
        rmSync(dir, { recursive: true, force: true });
      }
    }
  }, 180_000);
});
