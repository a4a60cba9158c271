import { createTestDatabase, openStore, type ChangeFilter, type Store, type TestDatabase } from '@skiff/store';
import { findResource, parseLabelSelector, type KubeObject } from '@skiff/apimachinery';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WatchHub } from './watch.js';

const key = (name: string) => ({ group: '', resource: 'configmaps', namespace: 'default', name });
const cm = (name: string, labels?: Record<string, string>): KubeObject => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: 'default', ...(labels ? { labels } : {}) } });
const CONFIGMAPS = findResource('', 'v1', 'configmaps')!;

describe('WatchHub.waitFor on real Postgres', () => {
  let db: TestDatabase;
  let store: Store;
  let hub: WatchHub;
  beforeAll(async () => {
    db = await createTestDatabase();
    store = await openStore({ databaseUrl: db.url });
    hub = new WatchHub(store);
    await hub.start();
  });
  afterAll(async () => {
    hub?.stop();
    await store?.close();
    await db?.drop();
  });

  it('resolves once every watcher was given the changes up to a version, and false for a version never written', async () => {
    const seen: string[] = [];
    const from = await store.currentResourceVersion();
    const handle = await hub.watch({ type: findResource('', 'v1', 'configmaps')! }, from, { send: (_t, o) => seen.push(o.metadata.name!) });
    let last = '';
    for (const name of ['a', 'b', 'c']) last = (await store.create(key(name), cm(name))).metadata.resourceVersion!;
    // Asked before the commit signal has necessarily been handled: the hub reads the log itself.
    expect(await hub.waitFor(BigInt(last), 3000)).toBe(true);
    expect(seen).toEqual(['a', 'b', 'c']);
    expect(BigInt(handle.resourceVersion())).toBeGreaterThanOrEqual(BigInt(last));
    expect(await hub.waitFor(BigInt(last) + 1000n, 100)).toBe(false);
    handle.stop();
  });
});

describe('WatchHub reads previous objects only for the watchers that need them, on real Postgres', () => {
  let db: TestDatabase;
  let store: Store;
  let hub: WatchHub;
  /** Whether each of the hub's own reads (limit 1000) asked for previous objects. */
  const reads: boolean[] = [];
  /** While set, the hub's next read waits for it before it queries. */
  let gate: Promise<void> | undefined;
  beforeAll(async () => {
    db = await createTestDatabase();
    store = await openStore({ databaseUrl: db.url });
    const real = store.changesSince.bind(store);
    const watched: Store = Object.create(store);
    watched.changesSince = async (after: string, filter?: ChangeFilter, limit?: number) => {
      if (limit === 1000) {
        const held = gate;
        gate = undefined;
        await held;
        reads.push(filter?.withPrevious !== false);
      }
      return real(after, filter, limit);
    };
    hub = new WatchHub(watched);
    await hub.start();
  });
  afterAll(async () => {
    hub?.stop();
    await store?.close();
    await db?.drop();
  });

  const events = () => {
    const seen: string[] = [];
    return { seen, sink: { send: (t: string, o: KubeObject) => seen.push(`${t} ${o.metadata.name}`) } };
  };

  it('leaves them out while no watcher has a selector; a selector watch still sees an object leave it', async () => {
    const plain = events();
    const all = await hub.watch({ type: CONFIGMAPS }, await store.currentResourceVersion(), plain.sink);
    reads.length = 0;
    let rv = (await store.create(key('one'), cm('one', { app: 'a' }))).metadata.resourceVersion!;
    rv = (await store.update(key('one'), cm('one', { app: 'b' }))).metadata.resourceVersion!;
    expect(await hub.waitFor(BigInt(rv), 3000)).toBe(true);
    expect(reads.length).toBeGreaterThan(0);
    expect(reads.every((withPrevious) => !withPrevious)).toBe(true);

    const selected = events();
    const handle = await hub.watch({ type: CONFIGMAPS, labels: parseLabelSelector('app=b') }, rv, selected.sink);
    reads.length = 0;
    rv = (await store.update(key('one'), cm('one', { app: 'c' }))).metadata.resourceVersion!;
    expect(await hub.waitFor(BigInt(rv), 3000)).toBe(true);
    expect(reads.every((withPrevious) => withPrevious)).toBe(true);
    expect(selected.seen).toEqual(['DELETED one']);
    expect(plain.seen).toEqual(['ADDED one', 'MODIFIED one', 'MODIFIED one']);
    handle.stop();
    all.stop();
  });

  it('reads again, with them, what a read without them brought while a selector watch began', async () => {
    const plain = events();
    const all = await hub.watch({ type: CONFIGMAPS }, await store.currentResourceVersion(), plain.sink);
    let rv = (await store.create(key('two'), cm('two', { app: 'a' }))).metadata.resourceVersion!;
    expect(await hub.waitFor(BigInt(rv), 3000)).toBe(true);
    // The hub's next read has decided to leave previous objects out, and waits to query.
    let release!: () => void;
    gate = new Promise<void>((r) => (release = r));
    const created = await store.create(key('spark'), cm('spark'));
    await waitUntil(() => gate === undefined);
    const selected = events();
    const handle = await hub.watch({ type: CONFIGMAPS, labels: parseLabelSelector('app=a') }, created.metadata.resourceVersion!, selected.sink);
    // 'two' leaves the selector after the watch's backlog was read, before the held read queries.
    rv = (await store.update(key('two'), cm('two', { app: 'z' }))).metadata.resourceVersion!;
    release();
    expect(await hub.waitFor(BigInt(rv), 3000)).toBe(true);
    expect(selected.seen).toEqual(['DELETED two']);
    handle.stop();
    all.stop();
  });
});

async function waitUntil(test: () => boolean, ms = 3000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!test()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 5));
  }
}
