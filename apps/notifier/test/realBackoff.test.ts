import { afterAll, describe, expect, it } from 'vitest';
import type { KubeObject } from '@skiff/apimachinery';
import { NotifierCluster, sleep } from './cluster.js';
import { Receiver } from './receiver.js';

// The case, with the shipped settings (1 s doubling to 60 s, resync every 30 s): the
// receiver is down for a minute, and everything arrives once it is back. About 65-75 s.
describe('notifier: a receiver down for a minute, with the real backoff', () => {
  let c: NotifierCluster | undefined;
  const r = new Receiver();
  afterAll(async () => {
    await c?.stop();
    await r.close();
  });

  it('delivers everything, in order, once each, soon after the receiver is back', async () => {
    c = await NotifierCluster.start({ retryBaseMs: 1000, retryMaxMs: 60_000, resyncMs: 30_000 });
    await r.open();
    await r.close();
    await c.webhook('hook', { url: r.url });
    const recorded: KubeObject[] = [];
    for (let i = 0; i < 3; i++) recorded.push(await c.recordAppEvent('shop', 'sync.succeeded', { revision: `s${i}` }));
    await sleep(30_000);
    // More events while it is down: they queue behind the first.
    for (let i = 3; i < 6; i++) recorded.push(await c.recordAppEvent('shop', 'sync.succeeded', { revision: `s${i}` }));
    await sleep(30_000);
    const failures = (await c.webhookStatus('hook')).failures ?? 0;
    // 1+2+4+8+16+32 s: attempts at about 0, 1, 3, 7, 15, 31 s, then every 60 s at most.
    expect(failures).toBeGreaterThanOrEqual(5);
    expect(failures).toBeLessThanOrEqual(8);
    await r.open();
    // Timed from when it listens again (open() may wait out a port briefly held by something else).
    const back = Date.now();
    await r.waitFor(recorded.length, 65_000);
    expect(Date.now() - back).toBeLessThan(62_000);
    await sleep(1000);
    expect(r.ids()).toEqual(recorded.map((e) => e.metadata.uid));
    expect((await c.webhookStatus('hook')).failures).toBe(0);
  }, 150_000);
});
