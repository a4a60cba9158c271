import { ExpiredError } from '@skiff/apimachinery';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Store } from '../src/types.js';
import { backendKinds, createBackend, waitFor, type TestBackend } from './backends.js';
import { configMap, configMapKey, deployment, deploymentKey } from './builders.js';

describe.each(backendKinds)('the change log (%s)', (kind) => {
  let backend: TestBackend;
  let store: Store;

  beforeEach(async () => {
    backend = await createBackend(kind);
    store = await backend.open();
  });
  afterEach(() => backend.dispose());

  it('holds every write in resourceVersion order with its type and object', async () => {
    const start = await store.currentResourceVersion();
    const a = await store.create(configMapKey('a'), configMap('a'));
    const d = await store.create(deploymentKey('web', 'prod'), deployment('web', 1, 'prod'));
    const a2 = await store.update(configMapKey('a'), configMap('a', { a: '2' }));
    const gone = await store.delete(configMapKey('a'));

    const changes = await store.changesSince(start);
    expect(changes.map((c) => [c.type, c.resourceVersion])).toEqual([
      ['ADDED', a.metadata.resourceVersion],
      ['ADDED', d.metadata.resourceVersion],
      ['MODIFIED', a2.metadata.resourceVersion],
      ['DELETED', gone.metadata.resourceVersion],
    ]);
    expect(changes[0].key).toEqual(configMapKey('a'));
    expect(changes[1].object).toEqual(d);
    expect(changes[3].object).toEqual(gone);
    expect(changes[3].object.metadata.resourceVersion).toBe(changes[3].resourceVersion);
    // A MODIFIED entry keeps the object as it was just before; the others need none.
    expect(changes[2].prevObject).toEqual(a);
    expect(changes.filter((c) => c.prevObject).length).toBe(1);

    expect(await store.changesSince(a.metadata.resourceVersion!)).toEqual(changes.slice(1));
    expect(await store.changesSince(start, undefined, 2)).toEqual(changes.slice(0, 2));
    expect(await store.changesSince(gone.metadata.resourceVersion!)).toEqual([]);
    expect(await store.changesSince('999999')).toEqual([]);
  });

  it('filters by group, resource and namespace', async () => {
    const start = await store.currentResourceVersion();
    await store.create(configMapKey('a', 'one'), configMap('a', {}, 'one'));
    await store.create(configMapKey('b', 'two'), configMap('b', {}, 'two'));
    await store.create(deploymentKey('web', 'one'), deployment('web', 1, 'one'));
    const keys = async (filter: Parameters<Store['changesSince']>[1]) => (await store.changesSince(start, filter)).map((c) => `${c.key.namespace}/${c.key.name}`);
    expect(await keys({ group: '', resource: 'configmaps' })).toEqual(['one/a', 'two/b']);
    expect(await keys({ namespace: 'one' })).toEqual(['one/a', 'one/web']);
    expect(await keys({ group: 'apps', resource: 'deployments', namespace: 'one' })).toEqual(['one/web']);
    expect(await keys({ group: '', resource: 'configmaps', namespace: 'three' })).toEqual([]);
  });

  it('compaction removes old changes but never the newest; reading from before it is Expired', async () => {
    const start = await store.currentResourceVersion();
    expect(await store.oldestResourceVersion()).toBe('0');
    expect(await store.compact(60_000)).toBe(0);
    for (let i = 0; i < 5; i++) await store.create(configMapKey(`cm-${i}`), configMap(`cm-${i}`));
    const newest = await store.currentResourceVersion();
    expect(await store.compact(60_000)).toBe(0); // all younger than a minute

    expect(await store.compact(0)).toBe(4);
    const horizon = await store.oldestResourceVersion();
    expect(BigInt(horizon)).toBe(BigInt(newest) - 1n);
    expect(await store.compact(0)).toBe(0); // only the newest is left

    const err = await store.changesSince(start).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ExpiredError);
    expect(err).toMatchObject({ code: 410, message: `too old resource version: ${start} (${horizon})` });
    await expect(store.changesSince(String(BigInt(horizon) - 1n))).rejects.toBeInstanceOf(ExpiredError);
    expect((await store.changesSince(horizon)).map((c) => c.resourceVersion)).toEqual([newest]);
    expect(await store.changesSince(newest)).toEqual([]);
  });

  it('compacts on a schedule', async () => {
    for (let i = 0; i < 3; i++) await store.create(configMapKey(`cm-${i}`), configMap(`cm-${i}`));
    const newest = await store.currentResourceVersion();
    const scheduled = await backend.open({ compactKeepMs: 0, compactIntervalMs: 20 });
    await waitFor('scheduled compaction', async () => BigInt(await scheduled.oldestResourceVersion()) === BigInt(newest) - 1n);
  });

  it('tells onCommit listeners the new resourceVersion after each write, until unsubscribed', async () => {
    const seen: string[] = [];
    const unsubscribe = store.onCommit((rv) => seen.push(rv));
    const a = await store.create(configMapKey('a'), configMap('a'));
    await waitFor('the create to be announced', () => seen.includes(a.metadata.resourceVersion!));
    unsubscribe();
    const b = await store.create(configMapKey('b'), configMap('b'));
    // A listener still subscribed proves notifications for b were delivered; the unsubscribed one got none.
    const after: string[] = [];
    store.onCommit((rv) => after.push(rv));
    const c = await store.create(configMapKey('c'), configMap('c'));
    await waitFor('the next create to be announced', () => after.includes(c.metadata.resourceVersion!));
    expect(seen).not.toContain(b.metadata.resourceVersion);
    expect(seen).not.toContain(c.metadata.resourceVersion);
  });
});

describe('commits across stores sharing a Postgres database', () => {
  let backend: TestBackend;

  beforeEach(async () => {
    backend = await createBackend('postgres');
  });
  afterEach(() => backend.dispose());

  it('each store hears the other store’s writes', async () => {
    const [one, two] = await Promise.all([backend.open(), backend.open()]);
    const heardByOne: string[] = [];
    const heardByTwo: string[] = [];
    one.onCommit((rv) => heardByOne.push(rv));
    two.onCommit((rv) => heardByTwo.push(rv));
    const fromOne = await one.create(configMapKey('a'), configMap('a'));
    const fromTwo = await two.create(configMapKey('b'), configMap('b'));
    await waitFor('two to hear one', () => heardByTwo.includes(fromOne.metadata.resourceVersion!));
    await waitFor('one to hear two', () => heardByOne.includes(fromTwo.metadata.resourceVersion!));
    expect(await one.get(configMapKey('b'))).toEqual(fromTwo);
  });

  it('keeps hearing commits after its listening connection is cut', async () => {
    const { store: listener, db } = await backend.openWithDb();
    const writer = await backend.open();
    const heard: string[] = [];
    listener.onCommit((rv) => heard.push(rv));
    const terminated = await db.query<{ ok: boolean }>({
      text: `SELECT pg_terminate_backend(pid) AS ok FROM pg_stat_activity
             WHERE datname = current_database() AND application_name = 'skiff-store-listener' AND pid <> pg_backend_pid()`,
    });
    expect(terminated.length).toBeGreaterThan(0); // both stores' listeners
    // Writes keep coming; once the listener is back it hears them (or the version it reports on reconnecting).
    let written = '0';
    await waitFor('the listener to hear a write after reconnecting', async () => {
      written = (await writer.create(configMapKey(`cm-${Date.now()}-${Math.random()}`), configMap('x'))).metadata.resourceVersion!;
      return heard.some((rv) => BigInt(rv) >= BigInt(written));
    });
  });
});
