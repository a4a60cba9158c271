import { startFaultProxy, type FaultProxy } from '@skiff/store';
import { afterEach, describe, expect, it } from 'vitest';
import type { RunningApiServer } from '../src/index.js';
import { ADMIN_TOKEN, api, configMap, createBackend, jsonLines, startTestServer, type TestBackend } from './harness.js';

/** Short timeouts, so a lost database shows within about two seconds. */
const postgres = { connectTimeoutMs: 2_000, statementTimeoutMs: 2_000, healthCheckIntervalMs: 250 };
/** How long a request may take to be refused while the database is gone. */
const refusalDeadlineMs = 5_000;
/** Once the loss is known, refusing takes no waiting at all: well under one connect timeout. */
const knownLossRefusalMs = 1_000;

async function waitFor<T>(what: string, check: () => Promise<T | undefined>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** A watch stream read in the background: its events as they arrive, and whether it ended. */
function openWatch(url: string) {
  const controller = new AbortController();
  const events: { type: string; object: any }[] = [];
  const state: { ended: boolean; error?: Error } = { ended: false };
  const done = (async () => {
    const res = await fetch(url, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` }, signal: controller.signal });
    expect(res.status).toBe(200);
    for await (const event of jsonLines(res.body as unknown as AsyncIterable<Uint8Array>)) events.push(event);
  })()
    .catch((err: Error) => {
      if (err.name !== 'AbortError') state.error = err;
    })
    .finally(() => {
      state.ended = true;
    });
  return { events, state, stop: () => (controller.abort(), done) };
}

/** A request that must be refused with a Kubernetes 503 Status, within the deadline. */
async function expectUnavailable(call: ReturnType<typeof api>, method: string, path: string, body?: unknown): Promise<void> {
  const started = Date.now();
  const res = await call(method, path, body);
  expect(Date.now() - started).toBeLessThan(refusalDeadlineMs);
  expect(res.status).toBe(503);
  expect(res.json).toMatchObject({ kind: 'Status', apiVersion: 'v1', status: 'Failure', reason: 'ServiceUnavailable', code: 503 });
  expect(res.headers.get('retry-after')).toBe('1');
}

const cms = '/api/v1/namespaces/default/configmaps';

describe('the API server when Postgres fails', () => {
  let backend: TestBackend | undefined;
  let proxy: FaultProxy | undefined;
  const servers: RunningApiServer[] = [];

  afterEach(async () => {
    await Promise.all(servers.splice(0).map((s) => s.close()));
    await proxy?.close();
    await backend?.dispose();
  });

  /**
   * An API server reaching Postgres through a fault proxy, a second one on the same database that
   * never loses it, and a watch on the first opened before anything fails that has seen "before".
   */
  async function start() {
    backend = await createBackend('postgres');
    proxy = await startFaultProxy();
    const server = await startTestServer({ ...backend, databaseUrl: proxy.url(backend.databaseUrl!) }, { postgres });
    servers.push(server);
    const other = await startTestServer(backend);
    servers.push(other);
    const call = api(server);
    const listed = await call('GET', cms);
    expect(listed.status).toBe(200);
    const watch = openWatch(`${server.url}${cms}?watch=1&resourceVersion=${listed.json.metadata.resourceVersion}`);
    expect((await call('POST', cms, configMap('before'))).status).toBe(201);
    await waitFor('the watch to see "before"', async () => (watch.events.length === 1 ? true : undefined));
    return { proxy, call, otherCall: api(other), watch };
  }

  /** The watch, still open, saw exactly these writes, in resourceVersion order. */
  function expectWatched(watch: ReturnType<typeof openWatch>, names: string[]): void {
    expect(watch.state).toEqual({ ended: false });
    expect(watch.events.map((e) => `${e.type} ${e.object.metadata.name}`)).toEqual(names.map((n) => `ADDED ${n}`));
    const versions = watch.events.map((e) => BigInt(e.object.metadata.resourceVersion));
    expect([...versions].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))).toEqual(versions);
  }

  it.each(['cut', 'blackhole'] as const)('%s: answers 503 at once, recovers by itself, and its watches get every write made meanwhile', async (fault) => {
    const { proxy, call, otherCall, watch } = await start();

    if (fault === 'cut') await proxy.cut();
    else proxy.blackhole();

    await expectUnavailable(call, 'GET', cms);
    await expectUnavailable(call, 'POST', cms, configMap('refused'));
    await expectUnavailable(call, 'GET', '/readyz');
    // Once the loss is known, writes fail fast rather than queueing behind the dead connection.
    const burstStarted = Date.now();
    const burst = await Promise.all(Array.from({ length: 20 }, (_, i) => call('POST', cms, configMap(`burst-${i}`))));
    expect(burst.map((r) => r.status)).toEqual(Array(20).fill(503));
    expect(Date.now() - burstStarted).toBeLessThan(knownLossRefusalMs);
    // Written while this server's notification connection is gone: its watch must catch up on it.
    expect((await otherCall('POST', cms, configMap('during'))).status).toBe(201);

    await proxy.restore();
    await waitFor('reads to work again', async () => ((await call('GET', `${cms}/during`)).status === 200 ? true : undefined));
    // Before this server writes anything itself (which would wake its watches anyway).
    await waitFor('the watch to catch up on "during"', async () => (watch.events.length === 2 ? true : undefined));
    expect((await call('POST', cms, configMap('after'))).status).toBe(201);
    expect((await call('GET', `${cms}/after`)).status).toBe(200);

    await waitFor('the watch to see "after"', async () => (watch.events.length === 3 ? true : undefined));
    expectWatched(watch, ['before', 'during', 'after']);
    // Nothing refused during the outage was written.
    expect((await call('GET', `${cms}/refused`)).status).toBe(404);
    await watch.stop();
  });

  it('replaces connections that went silent (half-open) while Postgres stays up, and its watches catch up', async () => {
    const { proxy, call, otherCall, watch } = await start();

    proxy.silenceOpenConnections();
    expect((await otherCall('POST', cms, configMap('during'))).status).toBe(201);
    // Only a health check on the notification connection can notice: nothing else is sent on it.
    await waitFor('the watch to catch up on "during"', async () => (watch.events.length === 2 ? true : undefined), 10_000);
    await waitFor('writes through this server to work again', async () => ((await call('POST', cms, configMap('after'))).status === 201 ? true : undefined), 10_000);
    await waitFor('the watch to see "after"', async () => (watch.events.length === 3 ? true : undefined));
    expectWatched(watch, ['before', 'during', 'after']);
    await watch.stop();
  });
});
