import { describe, expect, it } from 'vitest';
import { ReadBatcher } from './readBatcher.js';

/** Reads from a map, recording each statement's keys; statements finish when the test says so. */
function fakeReads(values: Map<string, number>) {
  const statements: string[][] = [];
  const finishers: (() => void)[] = [];
  const pending = <T>(keys: string[], answer: () => T) =>
    new Promise<T>((resolve, reject) => {
      statements.push(keys);
      finishers.push(() => (keys.includes('broken') ? reject(new Error('connection lost')) : resolve(answer())));
    });
  const readOne = (key: string) => pending([key], () => values.get(key));
  const readMany = (keys: string[]) => pending(keys, () => keys.map((k) => values.get(k)));
  const finishAll = async () => {
    while (finishers.length > 0) {
      finishers.shift()!();
      await new Promise((r) => setImmediate(r));
    }
  };
  return { readOne, readMany, statements, finishAll };
}

describe('ReadBatcher', () => {
  it('sends reads at once while slots are free, then batches those that wait', async () => {
    const db = fakeReads(new Map([['a', 1], ['b', 2], ['c', 3], ['d', 4]]));
    const reads = new ReadBatcher(db.readOne, db.readMany, { maxInFlight: 2, maxBatch: 2 });
    const results = Promise.all(['a', 'b', 'c', 'd', 'missing'].map((k) => reads.get(k)));
    expect(db.statements).toEqual([['a'], ['b']]);
    await db.finishAll();
    expect(await results).toEqual([1, 2, 3, 4, undefined]);
    expect(db.statements).toEqual([['a'], ['b'], ['c', 'd'], ['missing']]);
  });

  it('fails every read of a failed statement, and only those', async () => {
    const db = fakeReads(new Map([['a', 1], ['c', 3]]));
    const reads = new ReadBatcher(db.readOne, db.readMany, { maxInFlight: 1, maxBatch: 10 });
    const first = reads.get('a');
    const batched = [reads.get('broken'), reads.get('c')].map((p) => p.then((v) => ({ v }), (e: Error) => ({ e: e.message })));
    await db.finishAll();
    expect(await first).toBe(1);
    expect(await Promise.all(batched)).toEqual([{ e: 'connection lost' }, { e: 'connection lost' }]);
    const later = reads.get('c');
    await db.finishAll();
    expect(await later).toBe(3);
  });
});
