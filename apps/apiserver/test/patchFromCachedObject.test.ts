import { ConflictError, findResource, type KubeObject } from '@skiff/apimachinery';
import { createTestDatabase, openStore, type Store, type TestDatabase } from '@skiff/store';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Rest, type WriteOptions } from '../src/rest.js';

const CONFIG_MAPS = findResource('', 'v1', 'configmaps')!;
const NAMESPACES = findResource('', 'v1', 'namespaces')!;
const PODS = findResource('', 'v1', 'pods')!;
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

  describe('a binding from a cached copy of its pod', () => {
    const createPod = (name: string) => rest.create({ type: PODS, namespace: 'default' }, { apiVersion: 'v1', kind: 'Pod', metadata: { name }, spec: { containers: [{ name: 'c', image: 'busybox' }] } }, WRITE);
    const bind = async (pod: KubeObject, node: string, from: KubeObject | undefined) => {
      cached = from;
      try {
        const binding = { apiVersion: 'v1', kind: 'Binding', metadata: { name: pod.metadata.name, uid: pod.metadata.uid }, target: { kind: 'Node', name: node } };
        return await rest.create({ type: PODS, namespace: 'default', name: pod.metadata.name, subresource: 'binding' }, binding as unknown as KubeObject, WRITE);
      } finally {
        cached = undefined;
      }
    };
    const storedPod = async (name: string) => (await store.get({ group: '', resource: 'pods', namespace: 'default', name }))!;
    const nodeOf = (pod: KubeObject) => (pod.spec as { nodeName?: string }).nodeName;

    it('a current copy: bound in one write, without reading the store', async () => {
      const pod = await createPod('bind-current');
      reads = 0;
      await bind(pod, 'node-a', pod);
      expect(reads).toBe(0);
      const stored = await storedPod('bind-current');
      expect(nodeOf(stored)).toBe('node-a');
      expect((stored.status as { conditions: { type: string; status: string }[] }).conditions).toContainEqual(expect.objectContaining({ type: 'PodScheduled', status: 'True' }));
      expect(nodeOf(pod)).toBeUndefined();
    });

    it('a stale copy: the store decides, keeping what changed since', async () => {
      const pod = await createPod('bind-stale');
      await rest.patch({ type: PODS, namespace: 'default', name: 'bind-stale' }, 'merge', { metadata: { labels: { since: 'yes' } } }, WRITE);
      await bind(pod, 'node-b', pod);
      const stored = await storedPod('bind-stale');
      expect(nodeOf(stored)).toBe('node-b');
      expect(stored.metadata.labels).toEqual({ since: 'yes' });
    });

    it('a stale copy of a pod bound since: 409, and the first binding stands', async () => {
      const pod = await createPod('bind-twice');
      await bind(pod, 'node-c', undefined);
      await expect(bind(pod, 'node-d', pod)).rejects.toBeInstanceOf(ConflictError);
      expect(nodeOf(await storedPod('bind-twice'))).toBe('node-c');
    });

    it('a copy that shows the pod bound: 409 without a write', async () => {
      const pod = await createPod('bind-shown');
      await bind(pod, 'node-e', undefined);
      const bound = await storedPod('bind-shown');
      await expect(bind(pod, 'node-f', bound)).rejects.toThrow(/already assigned to node "node-e"/);
      expect((await storedPod('bind-shown')).metadata.resourceVersion).toBe(bound.metadata.resourceVersion);
    });

    it('a copy of an earlier pod of that name, bound: the new pod, named by the binding\'s uid, is bound', async () => {
      const earlier = await createPod('bind-again');
      await bind(earlier, 'node-g', undefined);
      const earlierBound = await storedPod('bind-again');
      // Gone from the store at once, as after its node confirmed the kill.
      await store.delete({ group: '', resource: 'pods', namespace: 'default', name: 'bind-again' });
      const pod = await createPod('bind-again');
      await bind(pod, 'node-h', earlierBound);
      expect(nodeOf(await storedPod('bind-again'))).toBe('node-h');
    });
  });
});
