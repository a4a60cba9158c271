import { NotFoundError } from '@skiff/apimachinery';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { migrationsDir } from '../src/migrate.js';
import { applyWrites, createWrite } from '../src/operations/applyWrites.js';
import { openDb } from '../src/openStore.js';
import { tables } from '../src/schema.js';
import { AllocationConflictError } from '../src/storeErrors.js';
import type { Allocation, Store } from '../src/types.js';
import { backendKinds, createBackend, type TestBackend } from './backends.js';
import { configMap, configMapKey } from './builders.js';

const ip = (value: string): Allocation => ({ pool: 'service-ip', value });
const port = (value: number): Allocation => ({ pool: 'node-port', value: String(value) });

describe.each(backendKinds)('allocations (%s)', (kind) => {
  let backend: TestBackend;
  let store: Store;

  beforeEach(async () => {
    backend = await createBackend(kind);
    store = await backend.open();
  });
  afterEach(() => backend.dispose());

  it('a create claims its values; a value another object holds fails the whole write', async () => {
    await store.create(configMapKey('a'), configMap('a'), { allocations: [ip('127.224.0.7'), port(30080)] });
    expect(await store.allocations('service-ip')).toEqual(new Set(['127.224.0.7']));
    expect(await store.allocations('node-port')).toEqual(new Set(['30080']));
    const rv = await store.currentResourceVersion();

    const err = await store.create(configMapKey('b'), configMap('b'), { allocations: [ip('127.224.0.8'), port(30080)] }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AllocationConflictError);
    expect(err).toMatchObject({ pool: 'node-port', value: '30080' });
    expect(await store.get(configMapKey('b'))).toBeUndefined();
    expect(await store.allocations('service-ip')).toEqual(new Set(['127.224.0.7'])); // 127.224.0.8 was not claimed
    expect(await store.currentResourceVersion()).toBe(rv); // no version taken
  });

  it('an update replaces the set, keeps it when omitted, and cannot take what another holds', async () => {
    const a = await store.create(configMapKey('a'), configMap('a'), { allocations: [ip('127.224.0.7'), port(30080)] });
    await store.create(configMapKey('b'), configMap('b'), { allocations: [port(30081)] });

    const a2 = await store.update(configMapKey('a'), { ...a, data: { a: '2' } }, undefined, { allocations: [ip('127.224.0.7'), port(30082)] });
    expect(await store.allocations('node-port')).toEqual(new Set(['30081', '30082']));

    const a3 = await store.update(configMapKey('a'), { ...a2, data: { a: '3' } });
    expect(await store.allocations('node-port')).toEqual(new Set(['30081', '30082']));
    expect(await store.allocations('service-ip')).toEqual(new Set(['127.224.0.7']));

    await expect(store.update(configMapKey('a'), { ...a3, data: { a: '4' } }, undefined, { allocations: [port(30081)] })).rejects.toBeInstanceOf(AllocationConflictError);
    expect((await store.get(configMapKey('a')))!.data).toEqual({ a: '3' });
    expect(await store.allocations('node-port')).toEqual(new Set(['30081', '30082']));

    // A write that fails its precondition claims nothing either.
    await expect(store.update(configMapKey('a'), a3, { resourceVersion: '1' }, { allocations: [port(30099)] })).rejects.toThrow(/modified/);
    await expect(store.update(configMapKey('missing'), configMap('missing'), undefined, { allocations: [port(30099)] })).rejects.toBeInstanceOf(NotFoundError);
    expect(await store.allocations('node-port')).toEqual(new Set(['30081', '30082']));

    await store.update(configMapKey('a'), { ...a3, data: { a: '5' } }, undefined, { allocations: [] });
    expect(await store.allocations('node-port')).toEqual(new Set(['30081']));
    expect(await store.allocations('service-ip')).toEqual(new Set());
  });

  it('a delete releases everything the object held, for another to claim', async () => {
    await store.create(configMapKey('a'), configMap('a'), { allocations: [ip('127.224.0.7'), port(30080)] });
    await store.delete(configMapKey('a'));
    expect(await store.allocations('service-ip')).toEqual(new Set());
    expect(await store.allocations('node-port')).toEqual(new Set());
    await store.create(configMapKey('b'), configMap('b'), { allocations: [ip('127.224.0.7'), port(30080)] });
    expect(await store.allocations('node-port')).toEqual(new Set(['30080']));
  });

  it('hands out each value exactly once to concurrent creates claiming overlapping values, and keeps them across a restart', async () => {
    // On Postgres, two stores: two API servers' worth of connections and write batches.
    const stores = kind === 'postgres' ? [store, await backend.open()] : [store];
    const VALUES = 20;
    const WRITERS = 120;
    const results = await Promise.allSettled(
      Array.from({ length: WRITERS }, (_, i) => {
        const wanted = [ip(`127.224.1.${i % VALUES}`), port(30000 + ((i * 7) % VALUES))];
        return stores[i % stores.length].create(configMapKey(`cm-${i}`), configMap(`cm-${i}`), { allocations: wanted }).then(() => wanted);
      }),
    );
    for (const r of results) if (r.status === 'rejected') expect(r.reason).toBeInstanceOf(AllocationConflictError);
    const winners = results.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
    expect(winners.length).toBeGreaterThan(0);
    const held = winners.flat().map((a) => `${a.pool}/${a.value}`);
    expect(new Set(held).size).toBe(held.length); // nobody got a value twice
    const stored = (await store.list({ group: '', resource: 'configmaps' })).items;
    expect(stored).toHaveLength(winners.length); // every loser wrote nothing

    for (const s of stores) await s.close();
    const reopened = await backend.open();
    expect([...(await reopened.allocations('service-ip'))].sort()).toEqual(winners.map((w) => w[0].value).sort());
    expect([...(await reopened.allocations('node-port'))].sort()).toEqual(winners.map((w) => w[1].value).sort());
  });

  it('upgrading keeps the values Services stored before allocations existed show', async () => {
    const old = await createBackend(kind, { empty: true });
    try {
      const db = await openDb(old.location);
      await db.exec(readFileSync(`${migrationsDir}/0001_cluster_store.sql`, 'utf8'));
      await db.exec(`CREATE TABLE ${tables.migrations} (name text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now());
                     INSERT INTO ${tables.migrations} (name) VALUES ('0001_cluster_store.sql')`);
      const svc = (name: string, spec: object) => ({ apiVersion: 'v1', kind: 'Service', metadata: { name, namespace: 'default' }, spec });
      const key = (name: string) => ({ group: '', resource: 'services', namespace: 'default', name });
      await applyWrites(db, [
        createWrite(key('a'), svc('a', { type: 'NodePort', clusterIP: '127.224.0.5', ports: [{ port: 80, nodePort: 30005 }] }), new Date()),
        createWrite(key('b'), svc('b', { clusterIP: 'None', ports: [{ port: 80 }] }), new Date()),
        createWrite(key('c'), svc('c', { type: 'ExternalName', externalName: 'example.com' }), new Date()),
      ]);
      await db.close();
      const upgraded = await old.open();
      expect(await upgraded.allocations('service-ip')).toEqual(new Set(['127.224.0.5']));
      expect(await upgraded.allocations('node-port')).toEqual(new Set(['30005']));
      await expect(upgraded.create(configMapKey('x'), configMap('x'), { allocations: [ip('127.224.0.5')] })).rejects.toBeInstanceOf(AllocationConflictError);
    } finally {
      await old.dispose();
    }
  });
});
