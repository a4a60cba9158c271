import { afterEach, describe, expect, it } from 'vitest';
import type { KubeObject } from '@skiff/apimachinery';
import { NotifierCluster, sleep, until } from './cluster.js';
import { Receiver, type Received } from './receiver.js';

const SECRET = 'do-not-log-me-7f3a9c2e';

/** Each delivery id once, and per Application in the order the events were recorded. */
function expectAllOnceInOrder(received: Received[], recorded: KubeObject[]): void {
  expect(received.map((d) => d.deliveryId).sort()).toEqual(recorded.map((e) => e.metadata.uid).sort());
  for (const app of new Set(recorded.map((e) => e.metadata.annotations!['skiff.dev/application']))) {
    const want = recorded.filter((e) => e.metadata.annotations!['skiff.dev/application'] === app).map((e) => e.metadata.uid);
    expect(received.filter((d) => d.body.metadata.application === app).map((d) => d.deliveryId)).toEqual(want);
  }
}

describe('notifier: failures, restarts and status', () => {
  let c: NotifierCluster | undefined;
  let r: Receiver | undefined;
  afterEach(async () => {
    await c?.stop();
    c = undefined;
    await r?.close();
    r = undefined;
  });

  it('a receiver that is down gets everything once it is back, in order, once each; status shows the failures', async () => {
    c = await NotifierCluster.start();
    r = new Receiver(SECRET);
    await r.open();
    await r.close(); // keeps its port: down
    await c.secret('hook', { token: SECRET });
    await c.webhook('hook', { url: r.url, secretRef: { name: 'hook', key: 'token' }, timeoutSeconds: 2 });

    const recorded: KubeObject[] = [];
    for (let i = 0; i < 5; i++) {
      recorded.push(await c.recordAppEvent('shop', 'sync.succeeded', { revision: `s${i}` }));
      recorded.push(await c.recordAppEvent('cart', 'sync.succeeded', { revision: `c${i}` }));
    }
    await until('three failed attempts on the status', async () => ((await c!.webhookStatus('hook')).failures ?? 0) >= 3);
    const failing = await c.webhookStatus('hook');
    expect(failing.conditions).toEqual([expect.objectContaining({ type: 'Ready', status: 'False', reason: 'DeliveryFailed' })]);
    expect(failing.lastDelivery).toMatchObject({ event: 'sync.succeeded', error: expect.stringContaining('127.0.0.1') });
    expect(failing.lastDelivery!.statusCode).toBeUndefined();
    expect(failing.recentDeliveries!.length).toBeGreaterThanOrEqual(3);
    expect(Math.max(...failing.recentDeliveries!.map((d) => d.attempts))).toBeGreaterThanOrEqual(2);
    expect(await c.registry.getSingleMetricAsString('skiff_webhook_deliveries_total')).toMatch(/result="failure"} [1-9]/);

    await sleep(1000);
    await r.open();
    await r.waitFor(recorded.length);
    await sleep(1500);
    expectAllOnceInOrder(r.received, recorded);
    expect(r.received.every((d) => d.signatureValid)).toBe(true);

    const ok = await c.webhookStatus('hook');
    expect(ok.failures).toBe(0);
    expect(ok.lastDelivery).toMatchObject({ statusCode: 200 });
    expect(ok.lastDelivery!.error).toBeUndefined();
    expect(ok.conditions).toEqual([expect.objectContaining({ type: 'Ready', status: 'True' })]);
    expect(ok.recentDeliveries!.length).toBeLessThanOrEqual(20);

    // The secret is in no log line, failed or delivered, nor its base64.
    expect(c.logs).toContain('"msg":"delivered"');
    expect(c.logs).toContain('"msg":"delivery failed"');
    expect(c.logs).not.toContain(SECRET);
    expect(c.logs).not.toContain(Buffer.from(SECRET).toString('base64'));
  });

  it('counts a 500 as a failure and records its status code', async () => {
    c = await NotifierCluster.start();
    r = new Receiver();
    await r.open();
    r.status = 500;
    await c.webhook('hook', { url: r.url });
    const e = await c.recordAppEvent('shop', 'health.degraded', { warning: true });
    await until('two failed attempts', async () => ((await c!.webhookStatus('hook')).failures ?? 0) >= 2);
    const failing = await c.webhookStatus('hook');
    expect(failing.lastDelivery).toMatchObject({ event: 'health.degraded', deliveryId: e.metadata.uid, application: 'default/shop', statusCode: 500, error: expect.stringContaining('500') });
    expect(failing.recentDeliveries!.every((d) => d.statusCode === 500)).toBe(true);
    expect(failing.conditions![0]).toMatchObject({ type: 'Ready', status: 'False' });

    r.status = 204;
    await r.waitFor(1);
    await until('Ready', async () => (await c!.webhookStatus('hook')).conditions?.[0]?.status === 'True');
    const ok = await c.webhookStatus('hook');
    expect(ok).toMatchObject({ failures: 0, lastDelivery: { statusCode: 204, deliveryId: e.metadata.uid } });
    expect(ok.lastDelivery!.attempts).toBeGreaterThanOrEqual(3);
    expect(r.ids()).toEqual([e.metadata.uid]);
  });

  it.each([
    ['a restart', false],
    ['a restart with its Redis keys deleted', true],
  ])('loses and repeats nothing across %s mid-stream', async (_name, flush) => {
    c = await NotifierCluster.start();
    r = new Receiver();
    await r.open();
    r.delayMs = 100;
    await c.webhook('hook', { url: r.url });
    const recorded: KubeObject[] = [];
    for (let i = 0; i < 15; i++) {
      recorded.push(await c.recordAppEvent('shop', 'sync.succeeded', { revision: `s${i}` }));
      recorded.push(await c.recordAppEvent('cart', 'sync.succeeded', { revision: `c${i}` }));
    }
    await r.waitFor(6);
    await c.stopNotifier();
    const before = r.received.length;
    expect(before).toBeLessThan(recorded.length);
    if (flush) await c.flushRedis();
    // Recorded while nobody is running.
    recorded.push(await c.recordAppEvent('shop', 'rollout.completed', { revision: 's-late' }));
    await sleep(500);
    expect(r.received.length).toBe(before);
    await c.startNotifier();
    await r.waitFor(recorded.length);
    await sleep(2500);
    expectAllOnceInOrder(r.received, recorded);
  });
});
