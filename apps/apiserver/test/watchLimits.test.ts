import { request } from 'node:http';
import { describe, expect, it } from 'vitest';
import { ADMIN_TOKEN, useTestServer } from './harness.js';

type Server = ReturnType<typeof useTestServer>;
const LIMITS = { maxWatchesPerUser: 2, maxWatchBacklogBytes: 256 * 1024, watchBacklogGraceMs: 300 };

async function until(what: string, test: () => Promise<boolean>, ms = 15_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await test())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Opens a watch and returns once its headers came; `paused` leaves everything after unread. */
function openWatch(t: Server, path: string, paused = false): Promise<{ status: number; close: () => void }> {
  return new Promise((resolve, reject) => {
    const req = request(`${t.server.url}${path}`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } }, (res) => {
      if (paused) res.pause();
      else res.resume();
      resolve({ status: res.statusCode ?? 0, close: () => req.destroy() });
    });
    req.on('error', reject);
    req.end();
  });
}

/** Watches are bounded per user, and a client that stops reading has its watch closed rather than buffered for without end. */
describe('watches per user', () => {
  const t = useTestServer(LIMITS);

  it('a user past the watch cap gets a 429, and may watch again once one closes', async () => {
    const a = await openWatch(t, '/api/v1/namespaces/default/configmaps?watch=1');
    const b = await openWatch(t, '/api/v1/namespaces/default/secrets?watch=1');
    expect([a.status, b.status]).toEqual([200, 200]);
    const refused = await t.call('GET', '/api/v1/namespaces/default/services?watch=1');
    expect(refused.status).toBe(429);
    expect(refused.json).toMatchObject({ kind: 'Status', reason: 'TooManyRequests', message: 'too many watches open for user "admin" (at most 2); close some and try again' });
    expect(refused.headers.get('retry-after')).toBe('1');
    a.close();
    await until('the closed watch to be released', async () => {
      const again = await openWatch(t, '/api/v1/namespaces/default/services?watch=1');
      again.close();
      return again.status === 200;
    });
    b.close();
  });
});

describe('a watch whose client stops reading', () => {
  const t = useTestServer(LIMITS);
  const registeredWatchers = async () => Number(/^apiserver_registered_watchers (\d+)/m.exec((await t.call('GET', '/metrics')).text)![1]);

  it('is closed, instead of buffered for without end', async () => {
    // The server's own watches (RBAC, CRDs, ...) are open all along; the stalled one comes on top.
    const own = await registeredWatchers();
    const stalled = await openWatch(t, '/api/v1/namespaces/default/configmaps?watch=1&resourceVersion=0', true);
    expect(stalled.status).toBe(200);
    await until('the watch registered', async () => (await registeredWatchers()) === own + 1);
    const big = 'x'.repeat(1024 * 1024);
    for (let i = 0; i < 24 && (await registeredWatchers()) === own + 1; i++) {
      expect((await t.call('POST', '/api/v1/namespaces/default/configmaps', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `big-${i}` }, data: { big } })).status).toBe(201);
    }
    await until('the stalled watch closed', async () => (await registeredWatchers()) === own);
    stalled.close();
    // The server still serves watches.
    const next = await openWatch(t, '/api/v1/namespaces/default/configmaps?watch=1&resourceVersion=0');
    expect(next.status).toBe(200);
    next.close();
  });
});
