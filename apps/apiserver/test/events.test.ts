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

describe("events: client-go's correlator (similar events combined, a source's events about one object rate-limited)", () => {
  const t = useTestServer();
  const client = () => new ApiClient({ server: t.server.url, token: ADMIN_TOKEN });
  type Ev = { message: string; count: number; reason: string; type: string; involvedObject: { name: string } };
  const eventsOf = async (name: string) => ((await client().list(EVENTS, { namespace: 'default' })).items as unknown as Ev[]).filter((e) => e.involvedObject.name === name);

  it('past nine messages, similar events are one combined Event; past 25 writes, one more every 5 minutes; Warnings and other objects have their own budgets', async () => {
    const c = client();
    const [rs, other] = await Promise.all([c.create(resourceType('configmaps'), configMap('busy-set')), c.create(resourceType('configmaps'), configMap('quiet-set'))]);
    let clock = Date.parse('2030-01-01T00:00:00Z');
    const recorder = new EventRecorder(c, 'test-controller', pino({ level: 'silent' }), () => new Date(clock));
    for (let i = 1; i <= 40; i++) await recorder.record(rs, 'Normal', 'SuccessfulCreate', `Created pod: busy-set-${i}`);
    await recorder.record(rs, 'Warning', 'FailedCreate', 'Error creating: quota');
    await recorder.record(other, 'Normal', 'SuccessfulCreate', 'Created pod: quiet-set-1');

    const created = (await eventsOf('busy-set')).filter((e) => e.reason === 'SuccessfulCreate');
    // Nine apart, the tenth combined and counted on by the next 15 (25 writes); the other 15 dropped.
    expect(created.filter((e) => !e.message.startsWith('(combined')).map((e) => [e.message, e.count]).sort()).toEqual(Array.from({ length: 9 }, (_, i) => [`Created pod: busy-set-${i + 1}`, 1]).sort());
    const combined = created.filter((e) => e.message.startsWith('(combined'));
    expect(combined.map((e) => [e.message, e.count])).toEqual([['(combined from similar events): Created pod: busy-set-25', 16]]);
    expect((await eventsOf('busy-set')).filter((e) => e.type === 'Warning').map((e) => e.message)).toEqual(['Error creating: quota']);
    expect((await eventsOf('quiet-set')).map((e) => e.message)).toEqual(['Created pod: quiet-set-1']);

    // Five minutes on, the bucket holds one more write: the next event counts on the combined one.
    clock += 5 * 60_000;
    await recorder.record(rs, 'Normal', 'SuccessfulCreate', 'Created pod: busy-set-41');
    await recorder.record(rs, 'Normal', 'SuccessfulCreate', 'Created pod: busy-set-42');
    const after = (await eventsOf('busy-set')).filter((e) => e.message.startsWith('(combined'));
    expect(after.map((e) => [e.message, e.count])).toEqual([['(combined from similar events): Created pod: busy-set-41', 17]]);
  });
});
