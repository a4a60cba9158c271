import pg from 'pg';
import type { Db, Queryable, SqlQuery, StoreLogger } from './db.js';
import { DbAvailability } from './dbAvailability.js';
import { pgClientConfig, pgPoolConfig, type PgConnectionOptions } from './pgConnectionOptions.js';
import { PgNotificationListener } from './pgNotificationListener.js';

function on(q: pg.Pool | pg.PoolClient): Queryable {
  return {
    query: async <Row>(sql: SqlQuery) => (await q.query({ name: sql.name, text: sql.text, values: sql.values })).rows as Row[],
    exec: async (script: string) => {
      await q.query(script);
    },
  };
}

/**
 * Postgres through a `pg` Pool; LISTEN gets a dedicated connection of its own. Every statement
 * goes through a DbAvailability, so a database that cannot be reached fails statements with a 503
 * at once; the pool is then replaced, since its idle connections may be half-open.
 */
export async function openPgDb(connectionString: string, opts: PgConnectionOptions, log: StoreLogger): Promise<Db> {
  const newPool = () => {
    const p = new pg.Pool(pgPoolConfig(connectionString, opts));
    // An idle pooled connection the server closes must not crash the process; the pool replaces it.
    p.on('error', (err) => log.warn({ err: err.message }, 'idle store connection failed'));
    return p;
  };
  let pool = newPool();
  const availability = new DbAvailability(
    () => probe(connectionString, opts),
    () => {
      const old = pool;
      pool = newPool();
      // Connections still checked out return to the old pool and are closed with it.
      void old.end().catch(() => {});
    },
    log,
  );
  const listeners = new Set<PgNotificationListener>();
  try {
    await pool.query('SELECT 1');
  } catch (err) {
    await pool.end();
    throw err;
  }
  return {
    backend: 'postgres',
    query: (sql) => availability.run(() => on(pool).query(sql)),
    exec: (script) => availability.run(() => on(pool).exec(script)),
    transaction: (fn) =>
      availability.run(async () => {
        const client = await pool.connect();
        try {
          await client.query('BEGIN');
          const result = await fn(on(client));
          await client.query('COMMIT');
          client.release();
          return result;
        } catch (err) {
          // A connection whose ROLLBACK fails is in an unknown state: destroy it rather than reuse it.
          await client.query('ROLLBACK').then(
            () => client.release(),
            (rollbackErr: Error) => client.release(rollbackErr),
          );
          throw err;
        }
      }),
    listen: async (channel, onPayload, onReconnect) => {
      const listener = new PgNotificationListener(pgClientConfig(connectionString, 'skiff-store-listener', opts), channel, {
        onPayload,
        onReconnect: () => {
          availability.markReachable();
          onReconnect();
        },
        onSilent: (cause) => availability.markUnreachable(cause),
        healthCheckIntervalMs: opts.healthCheckIntervalMs,
        healthCheckTimeoutMs: opts.connectTimeoutMs,
        log,
      });
      await listener.start();
      listeners.add(listener);
      return async () => {
        listeners.delete(listener);
        await listener.close();
      };
    },
    close: async () => {
      availability.close();
      await Promise.all([...listeners].map((l) => l.close()));
      listeners.clear();
      await pool.end();
    },
  };
}

/** Connects afresh (never a pooled, possibly half-open connection) and runs `SELECT 1`. */
async function probe(connectionString: string, opts: PgConnectionOptions): Promise<void> {
  const client = new pg.Client({ ...pgClientConfig(connectionString, 'skiff-store-probe', opts), query_timeout: opts.connectTimeoutMs });
  // A failure after connecting surfaces through the query; this keeps it from crashing the process.
  client.on('error', () => {});
  try {
    await client.connect();
    await client.query('SELECT 1');
  } finally {
    void client.end().catch(() => {});
  }
}
