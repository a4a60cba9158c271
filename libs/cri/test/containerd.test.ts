import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CriClient, startContainerd } from '../src/index.js';

describe('startContainerd', () => {
  const dir = mkdtempSync(join(tmpdir(), 'skiff-containerd-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('runs a private containerd that answers the CRI, and stops it leaving nothing behind', async () => {
    const bridge = `skcri${process.pid % 100000}`;
    const ctd = await startContainerd({ dir, sandboxImage: '127.0.0.1:1/none:1', network: { name: 'skiff-test', bridge, subnet: '10.249.250.0/24' } });
    const cri = new CriClient({ endpoint: ctd.endpoint });
    try {
      const v = await cri.version();
      expect(v).toMatchObject({ runtimeName: 'containerd', runtimeApiVersion: 'v1' });
      const st = await cri.status();
      expect(st.status?.conditions.map((c) => [c.type, c.status])).toEqual([['RuntimeReady', true], ['NetworkReady', true]]);
      expect(await cri.listPodSandbox()).toEqual([]);
      // An image that is not there: a typed error with the runtime's reason, not a hang.
      await expect(cri.imageStatus('127.0.0.1:1/none:1')).resolves.toBeUndefined();
    } finally {
      cri.close();
      await ctd.stop({ removePods: true });
    }
    expect(await ctd.exited).not.toBeUndefined();
    expect(existsSync(join(dir, 'containerd.sock'))).toBe(false);
    expect(spawnSync('ip', ['link', 'show', bridge], { stdio: 'ignore' }).status).not.toBe(0);
  });

  it('stops the containerd an earlier run left in the same directory before starting anew', async () => {
    const bridge = `skcrl${process.pid % 100000}`;
    const network = { name: 'skiff-test', bridge, subnet: '10.249.251.0/24' };
    const left = await startContainerd({ dir: join(dir, 'again'), sandboxImage: '127.0.0.1:1/none:1', network });
    // The run that started it is gone without stopping it; the next start finds it by its pid file.
    const next = await startContainerd({ dir: join(dir, 'again'), sandboxImage: '127.0.0.1:1/none:1', network });
    try {
      expect(await left.exited).not.toBeUndefined();
      const cri = new CriClient({ endpoint: next.endpoint });
      expect((await cri.version()).runtimeName).toBe('containerd');
      cri.close();
    } finally {
      await next.stop({ removePods: true });
    }
  });
});
