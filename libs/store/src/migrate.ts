import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Umzug, type MigrationParams } from 'umzug';
import type { Db, Queryable, StoreLogger } from './db/db.js';
import { migrationLockKey, tables } from './schema.js';

/** The repository's migrations/ directory, found from this file rather than the working directory. */
export const migrationsDir = fileURLToPath(new URL('../../../migrations/', import.meta.url));

/**
 * Applies every pending migrations/*.sql file, in name order, recording each in the
 * `schema_migrations` table.
 *
 * Atomicity: all of it runs in ONE transaction that first takes a transaction-scoped advisory
 * lock, so API servers starting together on the same database take turns: the second waits, then
 * finds nothing pending. A failing migration rolls back every migration of this run. (PGlite has a
 * single connection, so the lock is uncontended there; it is taken anyway to keep one code path.)
 * Returns the names applied by this call.
 */
export async function migrate(db: Db, log: StoreLogger): Promise<string[]> {
  const files = readdirSync(migrationsDir)
    .filter((f) => f.endsWith('.sql'))
    .sort();
  return db.transaction(async (tx) => {
    await tx.query({ text: 'SELECT pg_advisory_xact_lock($1)', values: [migrationLockKey] });
    await tx.exec(
      `CREATE TABLE IF NOT EXISTS ${tables.migrations} (name text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())`,
    );
    const umzug = new Umzug<Queryable>({
      context: tx,
      migrations: files.map((file) => ({
        name: file,
        up: async ({ context }: MigrationParams<Queryable>) => context.exec(readFileSync(`${migrationsDir}/${file}`, 'utf8')),
      })),
      storage: {
        executed: async ({ context }) =>
          (await context.query<{ name: string }>({ text: `SELECT name FROM ${tables.migrations} ORDER BY name` })).map((r) => r.name),
        logMigration: async ({ name, context }) => {
          await context.query({ text: `INSERT INTO ${tables.migrations} (name) VALUES ($1)`, values: [name] });
        },
        unlogMigration: async ({ name, context }) => {
          await context.query({ text: `DELETE FROM ${tables.migrations} WHERE name = $1`, values: [name] });
        },
      },
      logger: undefined,
    });
    const applied = await umzug.up();
    if (applied.length > 0) log.info({ migrations: applied.map((m) => m.name) }, 'applied store migrations');
    return applied.map((m) => m.name);
  });
}
