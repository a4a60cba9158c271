import { createTestDatabase, openStore, type Store, type TestDatabase } from '@skiff/store';
import { findResource, type KubeObject } from '@skiff/apimachinery';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WatchHub } from './watch.js';

const key = (name: string) => ({ group: '', resource: 'configmaps', namespace: 'default', name });
const cm = (name: string): KubeObject => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: 'default' } });

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
