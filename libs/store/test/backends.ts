import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inject } from 'vitest';
import { createTestDatabase } from '../src/createTestDatabase.js';
import type { Db } from '../src/db/db.js';
import { openDb, openStoreOnDb, type OpenStoreOptions } from '../src/openStore.js';
import type { Store } from '../src/types.js';

export type BackendKind = 'postgres' | 'pglite';
export const backendKinds: BackendKind[] = ['postgres', 'pglite'];

type StoreOptions = Omit<OpenStoreOptions, 'databaseUrl' | 'dataDir'>;

/** One test's database: a fresh Postgres database, or a fresh PGlite data dir. */
export interface TestBackend {
  kind: BackendKind;
  /** Where the store lives, as openStore takes it. */
  location: { databaseUrl?: string; dataDir?: string };
  /** Opens a store on this database (again: a restart). Closed by dispose() if the test did not. */
  open(opts?: StoreOptions): Promise<Store>;
  /** Like open(), also handing out the store's own connection for raw SQL. */
  openWithDb(opts?: StoreOptions): Promise<{ store: Store; db: Db }>;
  dispose(): Promise<void>;
}

/**
 * A fresh database for one test. PGlite copies the migrated template globalSetup made, unless
 * `empty` (creating a PGlite database runs initdb in WASM, which takes seconds).
 */
export async function createBackend(kind: BackendKind, { empty = false } = {}): Promise<TestBackend> {
  const stores: Store[] = [];
  let location: TestBackend['location'];
  let cleanup: () => Promise<void>;
  if (kind === 'postgres') {
    const database = await createTestDatabase();
    location = { databaseUrl: database.url };
    cleanup = () => database.drop();
  } else {
    const dataDir = mkdtempSync(join(tmpdir(), 'skiff-store-test-'));
    if (!empty) cpSync(inject('pgliteTemplate'), dataDir, { recursive: true });
    location = { dataDir };
    cleanup = async () => rmSync(dataDir, { recursive: true, force: true });
  }
  const openWithDb = async (opts: StoreOptions = {}) => {
    const db = await openDb(location);
    const store = await openStoreOnDb(db, { compactIntervalMs: 0, ...opts });
    stores.push(store);
    return { store, db };
  };
  return {
    kind,
    location,
    openWithDb,
    open: async (opts) => (await openWithDb(opts)).store,
    dispose: async () => {
      await Promise.all(stores.map((s) => s.close()));
      await cleanup();
    },
  };
}

/** Waits until `check` returns a value other than undefined/false, polling until the deadline. */
export async function waitFor<T>(what: string, check: () => T | undefined | false | Promise<T | undefined | false>, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}
