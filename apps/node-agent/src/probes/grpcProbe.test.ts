import { createServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGrpcHealthServer, type GrpcHealthServer } from '../testing/grpcHealthServer.js';
import { goDuration, grpcProbe } from './grpcProbe.js';

describe('goDuration', () => {
  it.each([
    [1000, '1s'],
    [30_000, '30s'],
    [60_000, '1m0s'],
    [90_000, '1m30s'],
    [3_600_000, '1h0m0s'],
    [1500, '1.5s'],
    [500, '500ms'],
  ])('%d ms is %s', (ms, text) => expect(goDuration(ms)).toBe(text));
});

describe('grpcProbe against a real gRPC health server', () => {
  let health: GrpcHealthServer;
  let bare: GrpcHealthServer;

  beforeAll(async () => {
    health = await startGrpcHealthServer('127.0.0.1');
    health.statuses.set('', 'SERVING');
    health.statuses.set('db', 'NOT_SERVING');
    health.statuses.set('cache', 'UNKNOWN');
    health.hanging.add('slow');
    bare = await startGrpcHealthServer('127.0.0.1', { health: false });
  });
  afterAll(async () => {
    await health?.close();
    await bare?.close();
  });

  it('passes when the service is SERVING', async () => {
    expect(await grpcProbe('127.0.0.1', health.port, '', 1000)).toEqual({ ok: true });
  });

  it.each([
    ['db', 'service unhealthy (responded with "NOT_SERVING")'],
    ['cache', 'service unhealthy (responded with "UNKNOWN")'],
    ['nope', 'error: health rpc probe failed: rpc error: code = NotFound desc = unknown service'],
  ])('fails for service %j: %s', async (service, message) => {
    expect(await grpcProbe('127.0.0.1', health.port, service, 1000)).toEqual({ ok: false, message });
  });

  it('fails when the call gets no answer within the timeout', async () => {
    expect(await grpcProbe('127.0.0.1', health.port, 'slow', 1000)).toEqual({ ok: false, message: 'timeout: health rpc did not complete within 1s' });
  });

  it('fails on a server without the health service', async () => {
    const outcome = await grpcProbe('127.0.0.1', bare.port, '', 1000);
    expect(outcome.ok).toBe(false);
    expect(outcome.message).toMatch(/^error: this server does not implement the grpc health protocol \(grpc\.health\.v1\.Health\): .+/);
  });

  it('fails after the timeout when nothing listens on the port', async () => {
    const port = await freePort();
    const t0 = Date.now();
    expect(await grpcProbe('127.0.0.1', port, '', 1000)).toEqual({ ok: false, message: `timeout: failed to connect service "127.0.0.1:${port}" within 1s: context deadline exceeded` });
    expect(Date.now() - t0).toBeGreaterThanOrEqual(900);
  });
});

/** A port that was free a moment ago: bound, then released. */
function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}
