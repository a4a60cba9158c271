import { createServer, type Server } from 'node:net';
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { HostToolError, startRegistry } from '../src/index.js';
import { makeTempDir } from './tempDir.js';

describe('startRegistry', () => {
  const dirs: { remove(): Promise<void> }[] = [];
  afterAll(async () => {
    for (const dir of dirs) await dir.remove();
  });
  async function tempDir(): Promise<string> {
    const dir = await makeTempDir('start');
    dirs.push(dir);
    return dir.path;
  }

  it('serves /v2/ on 127.0.0.1 until stopped, logging to registry.log', async () => {
    const dir = await tempDir();
    const registry = await startRegistry({ dir });
    expect(registry.host).toMatch(/^127\.0\.0\.1:\d+$/);
    expect(Number(registry.host.split(':')[1])).toBeLessThan(32768);
    expect(registry.url).toBe(`http://${registry.host}`);
    const response = await fetch(`${registry.url}/v2/`);
    expect(response.status).toBe(200);
    expect(response.headers.get('docker-distribution-api-version')).toBe('registry/2.0');

    await registry.stop();
    await registry.stop();
    await expect(fetch(`${registry.url}/v2/`)).rejects.toThrow();
    expect(await readFile(join(dir, 'registry.log'), 'utf8')).toMatch(/listening on 127\.0\.0\.1:/);
    expect((await stat(join(dir, 'data'))).isDirectory()).toBe(true);
  });

  it('answers 401 to anonymous requests when started with credentials', async () => {
    const registry = await startRegistry({ dir: await tempDir(), auth: { username: 'u', password: 'p' } });
    try {
      const response = await fetch(`${registry.url}/v2/`);
      expect(response.status).toBe(401);
      expect(response.headers.get('www-authenticate')).toMatch(/^Basic realm=/);
    } finally {
      await registry.stop();
    }
  });

  it('fails with the registry output when the port it was told to use is taken', async () => {
    const blocker: Server = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const port = (blocker.address() as { port: number }).port;
    try {
      await expect(startRegistry({ dir: await tempDir(), port })).rejects.toThrow(/address already in use/);
    } finally {
      blocker.close();
    }
  });

  it('names the Debian package when the binary is missing', async () => {
    const start = startRegistry({ dir: await tempDir(), binary: '/nonexistent/docker-registry' });
    await expect(start).rejects.toThrow(HostToolError);
    await expect(start).rejects.toThrow(/Debian package docker-registry/);
  });
});
