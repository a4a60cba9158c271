import { describe, expect, it } from 'vitest';
import { EventQueue } from './eventQueue.js';
import { makePod } from './testing/builders.js';

describe('EventQueue', () => {
  it('sends events in order, one at a time, and drops past its limit', async () => {
    const sent: string[] = [];
    let inFlight = 0;
    let maxInFlight = 0;
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
      2,
    );
    const pod = makePod().build();
    // 'a' goes out at once; 'b' and 'c' wait; 'd' finds the queue full.
    for (const r of ['a', 'b', 'c', 'd']) q.record(pod, 'Normal', r, 'm');
    await q.flush();
    expect(sent).toEqual(['a', 'b', 'c']);
    expect(maxInFlight).toBe(1);
    expect(q.dropped).toBe(1);
    q.record(pod, 'Normal', 'e', 'm');
    await q.flush();
    expect(sent).toEqual(['a', 'b', 'c', 'e']);
  });
});
