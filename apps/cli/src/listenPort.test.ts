import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, connect, type AddressInfo, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { canListen, ephemeralPortRange, pickListenPort } from './listenPort.js';

describe('pickListenPort', () => {
  const servers: Server[] = [];
  afterEach(async () => {
    await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
  });

  it('reads the kernel range, and falls back to Linux\'s default without one', () => {
    const dir = mkdtempSync(join(tmpdir(), 'skiff-ports-'));
    writeFileSync(join(dir, 'range'), '40000\t50000\n');
    expect(ephemeralPortRange(join(dir, 'range'))).toEqual([40000, 50000]);
    expect(ephemeralPortRange(join(dir, 'missing'))).toEqual([32768, 60999]);
    rmSync(dir, { recursive: true, force: true });
  });

  it('picks a free port below both the ephemeral range and the NodePort range', async () => {
    const [low] = ephemeralPortRange();
    for (let i = 0; i < 20; i++) {
      const port = await pickListenPort();
      expect(port).toBeGreaterThanOrEqual(10000);
      expect(port).toBeLessThan(Math.min(low, 30000));
      expect(await canListen(port, '127.0.0.1')).toBe(true);
    }
  });

  it('stays below a lowered ephemeral range, and says so when nothing is left', async () => {
    const port = await pickListenPort('127.0.0.1', [20000, 60999]);
    expect(port).toBeLessThan(20000);
    await expect(pickListenPort('127.0.0.1', [1024, 65535])).rejects.toThrow(/no free port in 10000-29999 outside the ephemeral range 1024-65535/);
  });

  // Why the range matters: the source port of an open connection cannot be listened on.
  it('knows a port held by an outgoing connection is taken', async () => {
    const server = createServer((s) => s.on('error', () => undefined));
    servers.push(server);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const socket = connect((server.address() as AddressInfo).port, '127.0.0.1');
    await new Promise((r) => socket.once('connect', r));
    expect(await canListen(socket.localPort!, '127.0.0.1')).toBe(false);
    socket.destroy();
  });
});
