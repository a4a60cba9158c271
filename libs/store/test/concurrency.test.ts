import { ConflictError, type KubeObject } from '@skiff/apimachinery';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Change, Store } from '../src/types.js';
import { backendKinds, createBackend, waitFor, type TestBackend } from './backends.js';
import { configMap, configMapKey } from './builders.js';

const WORKERS = 8;
const ROUNDS = 15;
const SHARED = 3;

/** Reads the change log the way a watch does: woken by onCommit, always from where it left off. */
function follow(store: Store, from: string): { seen: Change[]; stop(): void } {
  const seen: Change[] = [];
  let cursor = from;
  let running: Promise<void> | undefined;
  let again = false;
  const pump = () => {
    if (running) {
      again = true;
      return;
    }
    running = (async () => {
      do {
        again = false;
        for (;;) {
          const batch = await store.changesSince(cursor, undefined, 50);
          if (batch.length === 0) break;
          seen.push(...batch);
          cursor = batch[batch.length - 1].resourceVersion;
        }
      } while (again);
      running = undefined;
    })();
  };
  const stop = store.onCommit(pump);
  return { seen, stop };
}

describe.each(backendKinds)('concurrent writers (%s)', (kind) => {
  let backend: TestBackend;

  beforeEach(async () => {
    backend = await createBackend(kind);
  });
  afterEach(() => backend.dispose());

  it('get strictly increasing, gap-free resourceVersions in commit order, lose no update, and are all seen in order', async () => {
    // On Postgres, two stores: two processes' worth of connections and write batches.
    const stores = kind === 'postgres' ? await Promise.all([backend.open(), backend.open()]) : [await backend.open()];
    const start = await stores[0].currentResourceVersion();
    for (let s = 0; s < SHARED; s++) await stores[0].create(configMapKey(`shared-${s}`), configMap(`shared-${s}`, { n: '0' }));
    const watcher = follow(stores[stores.length - 1], start);

    const written: KubeObject[] = [];
    let increments = 0;
    const increment = async (store: Store, name: string) => {
      for (;;) {
        const current = (await store.get(configMapKey(name)))!;
        const next = { ...current, data: { n: String(Number((current.data as { n: string }).n) + 1) } };
        try {
          written.push(await store.update(configMapKey(name), next, { resourceVersion: current.metadata.resourceVersion }));
          increments++;
          return;
        } catch (err) {
          if (!(err instanceof ConflictError)) throw err;
        }
      }
    };
    await Promise.all(
      Array.from({ length: WORKERS }, async (_, w) => {
        const store = stores[w % stores.length];
        for (let i = 0; i < ROUNDS; i++) {
          const name = `w${w}-${i}`;
          written.push(await store.create(configMapKey(name), configMap(name)));
          await increment(store, `shared-${(w + i) % SHARED}`);
          if (i % 3 === 0) written.push(await store.delete(configMapKey(name)));
        }
      }),
    );

    const log = await stores[0].changesSince(start);
    const rvs = log.map((c) => BigInt(c.resourceVersion));
    const first = BigInt(start) + 1n;
    expect(rvs).toEqual(rvs.map((_, i) => first + BigInt(i))); // strictly increasing, no gaps
    expect(await stores[0].currentResourceVersion()).toBe(log[log.length - 1].resourceVersion);
    for (const c of log) expect(c.object.metadata.resourceVersion).toBe(c.resourceVersion);
    // Every successful write is in the log exactly once (plus the SHARED creates before the workers).
    expect(log.length).toBe(written.length + SHARED);
    expect(new Set(written.map((o) => o.metadata.resourceVersion)).size).toBe(written.length);
    for (const o of written) expect(rvs).toContain(BigInt(o.metadata.resourceVersion!));

    // No lost update: every increment that succeeded is in the counters.
    let total = 0;
    for (let s = 0; s < SHARED; s++) total += Number(((await stores[0].get(configMapKey(`shared-${s}`)))!.data as { n: string }).n);
    expect(total).toBe(increments);
    expect(increments).toBe(WORKERS * ROUNDS);

    // A reader following the log from onCommit saw every change, once, in order.
    await waitFor('the follower to catch up', () => watcher.seen.length >= log.length);
    expect(watcher.seen).toEqual(log);
    watcher.stop();
  });
});
