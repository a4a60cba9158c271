import { describe, expect, it } from 'vitest';
import { SortedKeys } from './sortedKeys.js';

/** A small deterministic generator (mulberry32), so a failure names a seed that repeats it. */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('SortedKeys', () => {
  it('keeps the same keys in the same order as a sorted set, through adds and deletes that split and empty blocks', () => {
    for (const seed of [1, 2, 3]) {
      const rnd = random(seed);
      const keys = new SortedKeys(4);
      const model = new Set<string>();
      for (let step = 0; step < 3000; step++) {
        const key = `ns\u0000pod-${Math.floor(rnd() * 200)}`;
        if (rnd() < 0.6) {
          keys.add(key);
          model.add(key);
        } else {
          keys.delete(key);
          model.delete(key);
        }
        const sorted = [...model].sort();
        expect(keys.size, `seed ${seed} step ${step}`).toBe(sorted.length);
        if (step % 50 === 0) {
          expect([...keys.after(undefined)]).toEqual(sorted);
          // From any key, present or not: exactly the greater ones.
          const from = `ns\u0000pod-${Math.floor(rnd() * 200)}`;
          expect([...keys.after(from)]).toEqual(sorted.filter((k) => k > from));
          expect(keys.has(from)).toBe(model.has(from));
        }
      }
    }
  });

  it('lists nothing after a key past the last, and nothing at all once emptied', () => {
    const keys = new SortedKeys(2);
    for (const k of ['c', 'a', 'e', 'b', 'd']) keys.add(k);
    keys.add('c');
    expect([...keys.after(undefined)]).toEqual(['a', 'b', 'c', 'd', 'e']);
    expect([...keys.after('e')]).toEqual([]);
    expect([...keys.after('z')]).toEqual([]);
    expect([...keys.after('')]).toEqual(['a', 'b', 'c', 'd', 'e']);
    for (const k of ['a', 'b', 'c', 'd', 'e', 'x']) keys.delete(k);
    expect(keys.size).toBe(0);
    expect([...keys.after(undefined)]).toEqual([]);
  });
});
