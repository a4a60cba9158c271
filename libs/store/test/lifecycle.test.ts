import { afterEach, describe, expect, it } from 'vitest';
import { openStore } from '../src/index.js';
import { migrate } from '../src/migrate.js';
import { silentLogger } from '../src/db/db.js';
import { tables } from '../src/schema.js';
import { backendKinds, createBackend, type TestBackend } from './backends.js';
import { configMap, configMapKey, deployment, deploymentKey } from './builders.js';

describe.each(backendKinds)('store lifecycle (%s)', (kind) => {
  let backend: TestBackend | undefined;
  afterEach(async () => {
    await backend?.dispose();
    backend = undefined;
  });

  it('keeps every object across a restart, and resourceVersions keep increasing', async () => {
    backend = await createBackend(kind);
    const first = await openStore(backend.location);
    for (let i = 0; i < 10; i++) await first.create(configMapKey(`cm-${i}`), configMap(`cm-${i}`, { i: String(i) }));
    await first.create(deploymentKey('web'), deployment('web', 3));
    await first.delete(configMapKey('cm-0'));
    const before = await first.list({ group: '', resource: 'configmaps' });
    const log = await first.changesSince('0');
    await first.close();

    const second = await openStore(backend.location);
    try {
      const after = await second.list({ group: '', resource: 'configmaps' });
      expect(after).toEqual(before);
      expect((await second.get(deploymentKey('web')))?.spec).toMatchObject({ replicas: 3 });
      expect(await second.changesSince('0')).toEqual(log);
      const next = await second.create(configMapKey('new'), configMap('new'));
      expect(BigInt(next.metadata.resourceVersion!)).toBe(BigInt(before.resourceVersion) + 1n);
    } finally {
      await second.close();
    }
  });

  it('migrates an empty database once, however often and however concurrently it is opened', async () => {
    backend = await createBackend(kind, { empty: true });
    // PGlite is one process's embedded database: its stores open one after another.
    const stores = kind === 'postgres' ? await Promise.all([0, 1, 2].map(() => backend!.openWithDb())) : [await backend.openWithDb()];
    const { store, db } = stores[0];
    await store.create(configMapKey('a'), configMap('a'));
    expect(await migrate(db, silentLogger)).toEqual([]);
    const applied = await db.query<{ name: string }>({ text: `SELECT name FROM ${tables.migrations} ORDER BY name` });
    expect(applied.map((r) => r.name)).toEqual(['0001_cluster_store.sql', '0002_allocations.sql', '0003_change_prev_object.sql', '0004_lz4_compression.sql']);
    // Objects compress with lz4 where the server has it (Postgres here), pglz (the default) on PGlite.
    const methods = await db.query<{ column: string; method: string }>({
      text: `SELECT c.relname || '.' || a.attname AS column, a.attcompression::text AS method FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
             WHERE c.relname IN ('objects', 'changes') AND a.attname IN ('object', 'prev_object') AND c.relnamespace = 'public'::regnamespace ORDER BY 1`,
    });
    const expected = kind === 'postgres' ? 'l' : '';
    expect(methods).toEqual(['changes.object', 'changes.prev_object', 'objects.object'].map((column) => ({ column, method: expected })));
    await Promise.all(stores.map((s) => s.store.close()));
    const reopened = await backend.open();
    expect(await reopened.get(configMapKey('a'))).toMatchObject({ data: { a: '1' } });
  });

  it('closes cleanly, more than once, after pending writes settle', async () => {
    backend = await createBackend(kind);
    const store = await openStore({ ...backend.location, compactIntervalMs: 10 });
    store.onCommit(() => {});
    const writes = Promise.all([0, 1, 2, 3].map((i) => store.create(configMapKey(`cm-${i}`), configMap(`cm-${i}`))));
    await Promise.all([store.close(), store.close()]);
    expect(await writes).toHaveLength(4);
  });
});
