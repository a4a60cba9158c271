import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { startTestContainerRuntime, type TestContainerRuntime } from '@skiff/cri/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { removeCgroupTree } from '../src/runtime/podCgroups.js';
import { PODS, getPod, pod, podStatus, removeDir, startAgent, startCluster, waitFor, type TestAgent, type TestCluster } from './cluster.js';

/**
 * Container log rotation with a real containerd: the agent renames the CRI-format log and has
 * containerd reopen it (ReopenContainerLog); followers and tails read across it.
 */
describe('container logs of a CRI runtime, rotated', () => {
  let cluster: TestCluster;
  let runtime: TestContainerRuntime;
  let agent: TestAgent;
  const cgroupRoot = `/skiff-test-logs-${process.pid}`;
  const MAX = 64 * 1024;

  beforeAll(async () => {
    cluster = await startCluster();
    runtime = await startTestContainerRuntime();
    const image = await runtime.push('chatty:1', { Entrypoint: ['/bin/sh', '-c', 'i=0; while true; do for k in 1 2 3 4 5 6 7 8 9 10; do i=$((i+1)); echo "n $(printf %08d $i) xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"; done; sleep 0.01; done'], Env: ['PATH=/bin'] });
    agent = await startAgent(cluster, {
      containerRuntimeEndpoint: runtime.endpoint,
      podCidr: runtime.podCidr,
      cgroupRoot: `${cgroupRoot}/node`,
      containerLogMaxSizeBytes: MAX,
      containerLogMaxFiles: 3,
      containerLogMonitorIntervalMs: 100,
    });
    await cluster.admin.create(PODS, pod('chatty', agent.nodeName, { containers: [{ name: 'app', image }] }));
    await waitFor('the pod running', async () => podStatus(await getPod(cluster, 'chatty')).phase === 'Running', 90_000);
  }, 180_000);

  afterAll(async () => {
    await agent?.close({ stopPods: true });
    await runtime?.close();
    await cluster?.close();
    removeDir(agent?.dataDir ?? '');
    removeCgroupTree(cgroupRoot);
  }, 120_000);

  function logDir(): string | undefined {
    const pods = join(agent.dataDir, 'pods');
    for (const p of readdirSync(pods)) {
      const d = join(pods, p, 'logs', 'app');
      try {
        if (statSync(d).isDirectory()) return d;
      } catch {
        // not this pod's
      }
    }
    return undefined;
  }
  const logFiles = () => readdirSync(logDir() ?? agent.dataDir).sort();
  const numbers = (text: string) => text.trim().split('\n').map((l) => Number(l.split(' ')[1]));
  const get = (query: string, signal?: AbortSignal) => fetch(`http://127.0.0.1:${agent.port}/containerLogs/default/chatty/app?${query}`, { headers: { authorization: `Bearer ${agent.token}` }, signal });

  it('keeps at most --container-log-max-files files while containerd goes on writing', async () => {
    await waitFor('two rotations', () => logDir() && logFiles().length === 3 && logFiles().some((f) => f.endsWith('.gz')), 60_000);
    expect(logFiles().filter((f) => !f.endsWith('.gz') && f !== '0.log')).toHaveLength(1);
    // The tail is read from the current file, as the kubelet reads it: right after a rotation that
    // file may hold fewer than 5 lines until the container writes more.
    const tail = await waitFor('5 lines in the current log file', async () => {
      const lines = numbers(await (await get('tailLines=5')).text());
      expect(lines.length).toBeLessThanOrEqual(5);
      return lines.length === 5 && lines;
    }, 10_000);
    expect(tail).toEqual(tail.map((_, i) => tail[0] + i));
  }, 90_000);

  it('a follower carries on across rotations without losing or repeating a line', async () => {
    const abort = new AbortController();
    const res = await get('follow=true&tailLines=1', abort.signal);
    const reader = res.body!.getReader();
    let out = '';
    const rotations = () => new Set(logFiles().map((f) => f.replace(/\.gz$/, '')));
    const atStart = rotations();
    const reading = (async () => {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) return;
        out += new TextDecoder().decode(value);
      }
    })().catch(() => undefined);
    await waitFor('two rotations while following', () => [...rotations()].filter((f) => !atStart.has(f)).length >= 2, 60_000);
    const seen = out.length;
    await waitFor('lines after them', () => out.length > seen + 10_000, 30_000);
    abort.abort();
    await reading;
    const n = numbers(out.slice(0, out.lastIndexOf('\n')));
    // At least one whole rotated file went by (a CRI line of this pod is about 110 bytes on disk:
    // MAX / 128 lines is less than one file's), contiguous through both rotations. More is not
    // certain: the first rotation may come right after the follow starts.
    expect(n.length).toBeGreaterThan(MAX / 128);
    expect(n).toEqual(n.map((_, i) => n[0] + i));
  }, 120_000);
});
