import { afterEach, describe, expect, it } from 'vitest';
import { NotifierCluster, sleep } from './cluster.js';
import { Receiver } from './receiver.js';

const SECRET = 's3cr3t-hook-token-0123456789';

describe('notifier: deliveries', () => {
  let c: NotifierCluster | undefined;
  let receivers: Receiver[] = [];
  afterEach(async () => {
    await c?.stop();
    c = undefined;
    for (const r of receivers) await r.close();
    receivers = [];
  });

  async function receiver(secret?: string): Promise<Receiver> {
    const r = new Receiver(secret);
    await r.open();
    receivers.push(r);
    return r;
  }

  it('delivers each event type once, signed, with its revision, in order per Application', async () => {
    c = await NotifierCluster.start();
    const r = await receiver(SECRET);
    await c.secret('hook', { token: SECRET });
    await c.webhook('all', { url: r.url, secretRef: { name: 'hook', key: 'token' } });

    const shop = ['sync.succeeded', 'rollout.started', 'rollout.completed', 'health.degraded', 'health.healthy', 'drift.corrected', 'sync.failed', 'rollout.failed'];
    const cart = ['sync.succeeded', 'rollout.started', 'sync.failed'];
    const recorded = [];
    for (let i = 0; i < shop.length; i++) {
      recorded.push(await c.recordAppEvent('shop', shop[i], { revision: `rev-shop-${i}`, warning: shop[i].endsWith('failed') || shop[i] === 'health.degraded', rolloutProgress: shop[i].startsWith('rollout') ? '2/3' : undefined }));
      if (i < cart.length) recorded.push(await c.recordAppEvent('cart', cart[i], { revision: `rev-cart-${i}` }));
    }
    recorded.push(await c.recordNodeNotReady('node-1'));

    await r.waitFor(recorded.length);
    // Another resync or two must send nothing again.
    await sleep(2500);
    expect(r.received).toHaveLength(recorded.length);
    expect(new Set(r.ids())).toEqual(new Set(recorded.map((e) => e.metadata.uid)));
    expect(r.received.every((d) => d.signatureValid)).toBe(true);

    const of = (app: string) => r.received.filter((d) => d.body.metadata.application === `default/${app}`);
    expect(of('shop').map((d) => d.event)).toEqual(shop);
    expect(of('shop').map((d) => d.body.metadata.revision)).toEqual(shop.map((_, i) => `rev-shop-${i}`));
    expect(of('cart').map((d) => d.event)).toEqual(cart);

    const failed = of('shop').find((d) => d.event === 'sync.failed')!;
    expect(failed.body).toMatchObject({
      involvedObject: { apiVersion: 'skiff.dev/v1alpha1', kind: 'Application', name: 'shop', namespace: 'default' },
      severity: 'error',
      reason: 'sync.failed',
      message: 'sync.failed of shop',
      metadata: { revision: 'rev-shop-6', commitMessage: 'change for sync.failed', commitAuthor: 'Dev <dev@example.com>', application: 'default/shop' },
      reportingController: 'git-watcher',
    });
    expect(failed.body.timestamp).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect(of('shop').find((d) => d.event === 'sync.succeeded')!.body.severity).toBe('info');
    expect(of('shop').find((d) => d.event === 'rollout.started')!.body.metadata.rolloutProgress).toBe('2/3');
    const node = r.received.find((d) => d.event === 'node.notready')!;
    expect(node.body.involvedObject).toMatchObject({ kind: 'Node', name: 'node-1' });
    expect(node.body.metadata).toEqual({});

    const metrics = await c.registry.getSingleMetricAsString('skiff_webhook_deliveries_total');
    expect(metrics).toContain(`skiff_webhook_deliveries_total{result="success"} ${recorded.length}`);
    expect(await c.registry.getSingleMetricAsString('skiff_reconcile_total')).toContain('controller="webhook"');

    const status = await c.webhookStatus('all');
    expect(status.failures).toBe(0);
    expect(status.recentDeliveries).toHaveLength(recorded.length);
    expect(status.lastDelivery).toMatchObject({ statusCode: 200, attempts: 1 });
    expect(status.conditions).toEqual([expect.objectContaining({ type: 'Ready', status: 'True', reason: 'Delivered' })]);
  });

  it('sends each Webhook only what it subscribes to, and nothing older than itself', async () => {
    c = await NotifierCluster.start();
    await c.namespace('other');
    const old = await c.recordAppEvent('shop', 'sync.succeeded', { revision: 'old' });
    await c.recordNodeNotReady('node-old');
    await sleep(1100); // creationTimestamp has whole seconds
    const [onlyFailures, onlyCart, everything, elsewhere] = [await receiver(), await receiver(), await receiver(), await receiver()];
    await c.webhook('only-failures', { url: onlyFailures.url, events: ['sync.failed', 'rollout.failed', 'node.notready'] });
    await c.webhook('only-cart', { url: onlyCart.url, applications: ['cart'] });
    await c.webhook('everything', { url: everything.url });
    await c.webhook('elsewhere', { url: elsewhere.url }, 'other');

    const shopOk = await c.recordAppEvent('shop', 'sync.succeeded', { revision: 'a' });
    const shopFailed = await c.recordAppEvent('shop', 'sync.failed', { revision: 'b', warning: true });
    const cartOk = await c.recordAppEvent('cart', 'rollout.completed', { revision: 'c' });
    const otherOk = await c.recordAppEvent('shop', 'sync.succeeded', { revision: 'd', namespace: 'other' });
    const node = await c.recordNodeNotReady('node-2');

    await everything.waitFor(4);
    await onlyFailures.waitFor(2);
    await onlyCart.waitFor(1);
    await elsewhere.waitFor(2);
    await sleep(2500);
    const ids = (r: Receiver) => new Set(r.ids());
    expect(ids(everything)).toEqual(new Set([shopOk, shopFailed, cartOk, node].map((e) => e.metadata.uid)));
    expect(ids(onlyFailures)).toEqual(new Set([shopFailed, node].map((e) => e.metadata.uid)));
    expect(ids(onlyCart)).toEqual(new Set([cartOk.metadata.uid]));
    expect(ids(elsewhere)).toEqual(new Set([otherOk, node].map((e) => e.metadata.uid)));
    for (const r of [everything, onlyFailures, onlyCart, elsewhere]) {
      expect(r.received.length).toBe(ids(r).size);
      expect(r.ids()).not.toContain(old.metadata.uid);
      expect(r.received.every((d) => d.body.involvedObject.name !== 'node-old')).toBe(true);
    }
    expect(onlyFailures.received.every((d) => !d.signatureValid)).toBe(true); // no secretRef: unsigned
  });
});
