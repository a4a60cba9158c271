import { describe, expect, it } from 'vitest';
import { EventQueue } from './eventQueue.js';
import { makePod } from './testing/builders.js';

describe('EventQueue', () => {
  it('sends events in order, one at a time, and drops past its limit', async () => {
    const sent: string[] = [];
    let inFlight = 0;
    let maxInFlight = 0;
    let drops = 0;
    const q = new EventQueue(
      {
        async record(_obj, _type, reason) {
          inFlight++;
          maxInFlight = Math.max(maxInFlight, inFlight);
          await Promise.resolve();
          sent.push(reason);
          inFlight--;
        },
      },
      { limit: 2, qps: 0, onDrop: () => drops++ },
    );
    const pod = makePod().build();
    // 'a' goes out at once; 'b' and 'c' wait; 'd' finds the queue full.
    for (const r of ['a', 'b', 'c', 'd']) q.record(pod, 'Normal', r, 'm');
    await q.flush();
    expect(sent).toEqual(['a', 'b', 'c']);
    expect(maxInFlight).toBe(1);
    expect(q.dropped).toBe(1);
    expect(drops).toBe(1);
    q.record(pod, 'Normal', 'e', 'm');
    await q.flush();
    expect(sent).toEqual(['a', 'b', 'c', 'e']);
  });

  it('sends a burst at once, then at most qps a second; flush sends what is left without waiting for the rate', async () => {
    const sentAt: number[] = [];
    const q = new EventQueue({ record: async () => void sentAt.push(performance.now()) }, { qps: 20, burst: 2 });
    const pod = makePod().build();
    const start = performance.now();
    for (let i = 0; i < 4; i++) q.record(pod, 'Normal', 'Scheduled', 'm');
    await new Promise<void>((resolve) => {
      const check = () => (sentAt.length === 4 ? resolve() : setTimeout(check, 5));
      check();
    });
    // Two at once, then one every 50 ms: the fourth no sooner than 100 ms after the first
    // (timers may fire a millisecond early on the clock read here).
    expect(sentAt[3] - start).toBeGreaterThanOrEqual(95);
    expect(sentAt[3] - sentAt[2]).toBeGreaterThanOrEqual(45);

    // One a second: four more would take three seconds at the rate; flush sends them at once.
    const slow = new EventQueue({ record: async () => void sentAt.push(performance.now()) }, { qps: 1, burst: 1 });
    const before = sentAt.length;
    const flushStart = performance.now();
    for (let i = 0; i < 4; i++) slow.record(pod, 'Normal', 'Scheduled', 'm');
    await slow.flush();
    expect(sentAt.length - before).toBe(4);
    // At most the one wait already begun (1 s) before the flush: well under the rate's 3 s.
    expect(performance.now() - flushStart).toBeLessThan(2500);
  });
});
