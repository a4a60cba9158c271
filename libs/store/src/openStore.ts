import { silentLogger, type Db, type StoreLogger } from './db/db.js';
import { defaultPgConnectionOptions, type PgConnectionOptions } from './db/pgConnectionOptions.js';
import { openPgDb } from './db/pgDb.js';
import { openPgliteDb } from './db/pgliteDb.js';
import { embeddedDatabaseDir, seedFromPgliteTemplate } from './db/seedFromPgliteTemplate.js';
import { migrate } from './migrate.js';
import { SqlStore } from './sqlStore.js';
import type { Store } from './types.js';

export interface OpenStoreOptions {
  /** Postgres to use. Unset: embedded PGlite in `<dataDir>/pgdata` (in memory without a dataDir). */
  databaseUrl?: string;
  dataDir?: string;
  /**
   * A new PGlite data dir starts as a copy of this one (PGLITE_TEMPLATE_DIR: the build's) when it
   * was made by the installed PGlite; otherwise PGlite runs initdb.
   */
  pgliteTemplate?: string;
  /** Timeouts and health checks of the Postgres connections (defaults: `defaultPgConnectionOptions`). */
  postgres?: Partial<PgConnectionOptions>;
  /** How much change-log history compaction keeps (default 5 minutes). */
  compactKeepMs?: number;
  /** How often compaction runs (default 1 minute; 0 disables the schedule). */
  compactIntervalMs?: number;
  logger?: StoreLogger;
}

export const defaultCompactKeepMs = 5 * 60_000;
export const defaultCompactIntervalMs = 60_000;

/** Opens the database an options object names, without migrating it. */
export function openDb(opts: Pick<OpenStoreOptions, 'databaseUrl' | 'dataDir' | 'postgres' | 'logger' | 'pgliteTemplate'>): Promise<Db> {
  const logger = opts.logger ?? silentLogger;
  if (opts.databaseUrl) return openPgDb(opts.databaseUrl, { ...defaultPgConnectionOptions, ...opts.postgres }, logger);
  if (!opts.dataDir) return openPgliteDb();
  const dir = embeddedDatabaseDir(opts.dataDir);
  if (opts.pgliteTemplate) seedFromPgliteTemplate(dir, opts.pgliteTemplate);
  return openPgliteDb(dir);
}

/** Migrates `db` and starts a store on it; the store owns `db` from then on and closes it. */
export async function openStoreOnDb(db: Db, opts: Omit<OpenStoreOptions, 'databaseUrl' | 'dataDir' | 'postgres' | 'pgliteTemplate'> = {}): Promise<Store> {
  const logger = opts.logger ?? silentLogger;
  try {
    await migrate(db, logger);
    return await SqlStore.start(db, {
      compactKeepMs: opts.compactKeepMs ?? defaultCompactKeepMs,
      compactIntervalMs: opts.compactIntervalMs ?? defaultCompactIntervalMs,
      logger,
    });
  } catch (err) {
    await db.close().catch(() => {});
    throw err;
  }
}

/** Opens the cluster store: connects (or starts PGlite), applies pending migrations, starts listening and compacting. */
export async function openStore(opts: OpenStoreOptions = {}): Promise<Store> {
  return openStoreOnDb(await openDb(opts), opts);
}
