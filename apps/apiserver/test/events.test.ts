import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { EventRecorder } from '@skiff/controller-runtime';
import { ApiClient, resourceType } from '@skiff/kube-client';
import { ADMIN_TOKEN, configMap, useTestServer } from './harness.js';

const EVENTS = resourceType('events');

async function until(what: string, check: () => Promise<boolean>, ms = 20_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

function event(name: string, lastTimestamp: string) {
  return {
    apiVersion: 'v1',
    kind: 'Event',
    metadata: { name, namespace: 'default' },
    involvedObject: { apiVersion: 'v1', kind: 'ConfigMap', name: 'c', namespace: 'default' },
    reason: 'Test',
    message: name,
    type: 'Normal',
    firstTimestamp: lastTimestamp,
    lastTimestamp,
    count: 1,
  };
}

describe('events: expiry after --event-ttl and counting of repeats', () => {
  const t = useTestServer({ eventTtlMs: 3_000 });
  const client = () => new ApiClient({ server: t.server.url, token: ADMIN_TOKEN });
  const names = async () => (await client().list(EVENTS, { namespace: 'default' })).items.map((e) => e.metadata.name).sort();

  it('an Event is deleted once the TTL has passed since its last write (by the server\'s clock); one written again meanwhile lives on', async () => {
    const now = () => new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
    await client().create(EVENTS, event('first', now()));
    const firstAt = Date.now();
    await until('2 s later', async () => Date.now() - firstAt > 2_000);
    // A writer's claimed times do not count: only when the server stored it.
    await client().create(EVENTS, event('second', '2020-01-01T00:00:00Z'));
    await until('the first Event expired', async () => !(await names()).includes('first'));
    expect(await names()).toContain('second');
    // Counted again (as a recorder does): each write renews it, so it outlives its first TTL.
    let count = 1;
    const keepAlive = setInterval(() => void client().patch(EVENTS, 'default', 'second', { count: ++count }, 'merge').catch(() => {}), 500);
    try {
      const start = Date.now();
      await until('5 s, longer than the TTL', async () => Date.now() - start > 5_000, 10_000);
      expect(await names()).toContain('second');
    } finally {
      clearInterval(keepAlive);
    }
    await until('the second Event expired after its writes stopped', async () => !(await names()).includes('second'));
  });

  it('the same event recorded again is counted on one Event; a notification (annotated) is never counted', async () => {
    const c = client();
    const cm = await c.create(resourceType('configmaps'), configMap('counted'));
    const recorder = new EventRecorder(c, 'test-controller', pino({ level: 'silent' }));
    for (let i = 0; i < 3; i++) await recorder.record(cm, 'Warning', 'Repeating', 'the same thing again');
    await recorder.record(cm, 'Warning', 'Repeating', 'something else');
    for (let i = 0; i < 2; i++) await recorder.record(cm, 'Normal', 'Notify', 'a notification', { 'skiff.dev/event': 'sync.failed' });
    const mine = (await c.list(EVENTS, { namespace: 'default' })).items.filter((e) => (e as { involvedObject?: { name?: string } }).involvedObject?.name === 'counted') as unknown as { message: string; count: number; reason: string }[];
    expect(mine.map((e) => [e.reason, e.message, e.count]).sort()).toEqual([
      ['Notify', 'a notification', 1],
      ['Notify', 'a notification', 1],
      ['Repeating', 'something else', 1],
      ['Repeating', 'the same thing again', 3],
    ]);
  });
});
