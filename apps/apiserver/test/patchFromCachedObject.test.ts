import { ConflictError, findResource, type KubeObject } from '@skiff/apimachinery';
import { createTestDatabase, openStore, type Store, type TestDatabase } from '@skiff/store';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Rest, type WriteOptions } from '../src/rest.js';

const CONFIG_MAPS = findResource('', 'v1', 'configmaps')!;
const NAMESPACES = findResource('', 'v1', 'namespaces')!;
const WRITE: WriteOptions = { dryRun: false, fieldManager: 'test' };

/**
 * A patch starts from the watch cache's copy of its object, as kube-apiserver's GuaranteedUpdate
 * starts from the cacher's, instead of reading the store. The copy may be behind the store: here
 * it is held back on purpose (`cached` is what the "cache" answers), on a real store.
 */
describe('a patch from a cached copy of its object', () => {
  let db: TestDatabase;
  let store: Store;
  let reads = 0;
  let cached: KubeObject | undefined;
  let rest: Rest;

  beforeAll(async () => {
    db = await createTestDatabase();
    store = await openStore({ databaseUrl: db.url });
    // The store, counting its reads of single objects.
    const counted = new Proxy(store, {
      get(target, prop) {
        if (prop === 'get') return (...args: Parameters<Store['get']>) => (reads++, target.get(...args));
        const value = Reflect.get(target, prop) as unknown;
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
    rest = new Rest(counted, () => new Date(), { cachedObject: () => cached });
    await rest.create({ type: NAMESPACES }, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'default' } }, WRITE);
  });
  afterAll(async () => {
    await store?.close();
    await db?.drop();
  });

  const path = (name: string) => ({ type: CONFIG_MAPS, namespace: 'default', name });
  const create = (name: string, data: Record<string, string>) => rest.create({ type: CONFIG_MAPS, namespace: 'default' }, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name }, data }, WRITE);
  const patch = async (name: string, body: unknown, from: KubeObject | undefined) => {
    cached = from;
    try {
      return (await rest.patch(path(name), 'merge', body, WRITE)).object;
    } finally {
      cached = undefined;
    }
  };
  const stored = async (name: string) => (await store.get({ group: '', resource: 'configmaps', namespace: 'default', name }))!;

  it('a current copy: the patch is written without reading the store', async () => {
    const current = await create('current', { a: '1' });
    reads = 0;
    const written = await patch('current', { data: { b: '2' } }, current);
    expect(reads).toBe(0);
    expect(written.data).toEqual({ a: '1', b: '2' });
    expect(await stored('current')).toEqual(written);
  });

  it('a stale copy: its write conflicts, and the patch is made again to the stored object, losing nothing', async () => {
    const stale = await create('stale', { a: '1' });
    await patch('stale', { data: { b: '2' } }, undefined);
    const written = await patch('stale', { data: { c: '3' } }, stale);
    expect(written.data).toEqual({ a: '1', b: '2', c: '3' });
    expect(await stored('stale')).toEqual(written);
  });

  it('a patch that changes nothing in a stale copy is still written when it changes the stored object', async () => {
    const stale = await create('back', { a: '1' });
    const moved = await patch('back', { data: { a: '2' } }, undefined);
    const written = await patch('back', { data: { a: '1' } }, stale);
    expect(written.data).toEqual({ a: '1' });
    expect(Number(written.metadata.resourceVersion)).toBeGreaterThan(Number(moved.metadata.resourceVersion));
    expect(await stored('back')).toEqual(written);
  });

  it("the caller's resourceVersion precondition is judged against the stored object, not the copy", async () => {
    const stale = await create('precondition', { a: '1' });
    const moved = await patch('precondition', { data: { b: '2' } }, undefined);
    const written = await patch('precondition', { metadata: { resourceVersion: moved.metadata.resourceVersion }, data: { c: '3' } }, stale);
    expect(written.data).toEqual({ a: '1', b: '2', c: '3' });
    await expect(patch('precondition', { metadata: { resourceVersion: stale.metadata.resourceVersion }, data: { d: '4' } }, stale)).rejects.toBeInstanceOf(ConflictError);
    expect((await stored('precondition')).data).toEqual({ a: '1', b: '2', c: '3' });
  });

  it('a copy of an object since deleted: not found, as from the store', async () => {
    const gone = await create('gone', { a: '1' });
    await rest.delete(path('gone'), { dryRun: false });
    await expect(patch('gone', { data: { b: '2' } }, gone)).rejects.toMatchObject({ code: 404 });
  });
});
