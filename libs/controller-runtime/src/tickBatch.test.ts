import { describe, expect, it } from 'vitest';
import { TickBatch } from './tickBatch.js';

describe('TickBatch', () => {
  it('hands over what one turn of the event loop asked for at once, and answers each in order', async () => {
    const flushes: number[][] = [];
    const batch = new TickBatch<number, number>(async (items) => {
      flushes.push(items);
      return items.map((i) => i * 10);
    }, 3);
    const first = [1, 2, 3, 4, 5].map((i) => batch.add(i));
    expect(await Promise.all(first)).toEqual([10, 20, 30, 40, 50]);
    expect(await batch.add(6)).toBe(60);
    // At most maxBatch at a time; a later turn is a batch of its own.
    expect(flushes).toEqual([[1, 2, 3], [4, 5], [6]]);
  });

  it('fails only the item whose answer is an error, and every item of a flush that fails', async () => {
    let fail = false;
    const batch = new TickBatch<string, string>(async (items) => {
      if (fail) throw new Error('redis is away');
      return items.map((i) => (i === 'bad' ? new Error(`refused ${i}`) : i));
    });
    const [good, bad] = [batch.add('good'), batch.add('bad')];
    expect(await good).toBe('good');
    await expect(bad).rejects.toThrow('refused bad');
    fail = true;
    const both = [batch.add('a'), batch.add('b')];
    for (const p of both) await expect(p).rejects.toThrow('redis is away');
  });
});
