import { ConflictError, ServiceUnavailableError, type KubeObject } from '@skiff/apimachinery';
import { describe, expect, it } from 'vitest';
import type { WriteOutcome, WriteRequest } from './operations/applyWrites.js';
import { defaultBatchLimits, WriteBatcher } from './writeBatcher.js';

const write = (name: string): WriteRequest => ({ key: { group: '', resource: 'configmaps', namespace: 'default', name }, json: JSON.stringify({ name }) });
const stored = (w: WriteRequest): KubeObject => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: w.key.name } });

/** A fake apply_writes that records its batches and lets the test decide when each finishes. */
function fakeDb(fail: (batch: WriteRequest[]) => unknown = () => undefined) {
  const batches: string[][] = [];
  const finishers: (() => void)[] = [];
  const apply = (batch: WriteRequest[]) =>
    new Promise<WriteOutcome[]>((resolve, reject) => {
      batches.push(batch.map((w) => w.key.name));
      finishers.push(() => {
        const err = fail(batch);
        if (err) reject(err);
        else resolve(batch.map((w) => (w.key.name === 'conflict' ? { ok: false, error: new ConflictError({ name: 'conflict' }) } : { ok: true, object: stored(w) })));
      });
    });
  const finishAll = async () => {
    while (finishers.length > 0) {
      finishers.shift()!();
      await new Promise((r) => setImmediate(r));
    }
  };
  return { apply, batches, finishAll };
}

describe('WriteBatcher', () => {
  it('sends a lone write at once and groups the writes that arrive while a batch runs', async () => {
    const db = fakeDb();
    const batcher = new WriteBatcher(db.apply);
    const results = Promise.all(['a', 'b', 'c', 'd'].map((n) => batcher.submit(write(n))));
    expect(db.batches).toEqual([['a']]);
    await db.finishAll();
    expect(db.batches).toEqual([['a'], ['b', 'c', 'd']]);
    expect((await results).map((o) => o.metadata.name)).toEqual(['a', 'b', 'c', 'd']);
  });

  it('caps a batch by count', async () => {
    const db = fakeDb();
    const batcher = new WriteBatcher(db.apply, { ...defaultBatchLimits, maxWrites: 2, maxBytes: 1e9 });
    const results = Promise.all(['a', 'b', 'c', 'd', 'e'].map((n) => batcher.submit(write(n))));
    await db.finishAll();
    await results;
    expect(db.batches).toEqual([['a'], ['b', 'c'], ['d', 'e']]);
  });

  it('fails an expected failure alone', async () => {
    const db = fakeDb();
    const batcher = new WriteBatcher(db.apply);
    const results = Promise.allSettled(['a', 'b', 'conflict', 'c'].map((n) => batcher.submit(write(n))));
    await db.finishAll();
    expect((await results).map((r) => r.status)).toEqual(['fulfilled', 'fulfilled', 'rejected', 'fulfilled']);
  });

  it('retries a batch the server rejected one write at a time, so only the bad write fails', async () => {
    const db = fakeDb((batch) => (batch.some((w) => w.key.name === 'bad') ? Object.assign(new Error('boom'), { code: 'P0001' }) : undefined));
    const batcher = new WriteBatcher(db.apply);
    const results = Promise.allSettled(['a', 'b', 'bad', 'c'].map((n) => batcher.submit(write(n))));
    await db.finishAll();
    expect((await results).map((r) => r.status)).toEqual(['fulfilled', 'fulfilled', 'rejected', 'fulfilled']);
    expect(db.batches).toEqual([['a'], ['b', 'bad', 'c'], ['b'], ['bad'], ['c']]);
  });

  it('does not retry after a connection failure, when the batch may have committed', async () => {
    const db = fakeDb((batch) => (batch.length > 1 ? Object.assign(new Error('Connection terminated unexpectedly')) : undefined));
    const batcher = new WriteBatcher(db.apply);
    const results = Promise.allSettled(['a', 'b', 'c'].map((n) => batcher.submit(write(n))));
    await db.finishAll();
    expect((await results).map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'rejected']);
    expect(db.batches).toEqual([['a'], ['b', 'c']]);
  });

  it('fails writes at once with a 503 when too many wait behind a batch that does not finish', async () => {
    const db = fakeDb();
    const batcher = new WriteBatcher(db.apply, { ...defaultBatchLimits, maxWaiting: 2 });
    const results = ['a', 'b', 'c', 'd'].map((n) => batcher.submit(write(n)));
    // 'a' is running; 'b' and 'c' wait; 'd' finds the queue full.
    await expect(results[3]).rejects.toBeInstanceOf(ServiceUnavailableError);
    expect(db.batches).toEqual([['a']]);
    await db.finishAll();
    expect((await Promise.all(results.slice(0, 3))).map((o) => o.metadata.name)).toEqual(['a', 'b', 'c']);
  });

  it('drain waits for queued writes', async () => {
    const db = fakeDb();
    const batcher = new WriteBatcher(db.apply);
    const settled: string[] = [];
    for (const n of ['a', 'b']) void batcher.submit(write(n)).then(() => settled.push(n));
    const drained = batcher.drain().then(() => settled.push('drained'));
    await db.finishAll();
    await drained;
    expect(settled).toEqual(['a', 'b', 'drained']);
  });
});
