import pg from 'pg';
import type { Db, Queryable, SqlQuery, StoreLogger } from './db.js';
import { PgNotificationListener } from './pgNotificationListener.js';

/** Postgres through a `pg` Pool; LISTEN gets a dedicated connection of its own. */
export async function openPgDb(connectionString: string, log: StoreLogger): Promise<Db> {
  const pool = new pg.Pool({ connectionString, application_name: 'skiff-store' });
  // An idle pooled connection the server closes must not crash the process; the pool replaces it.
  pool.on('error', (err) => log.warn({ err: err.message }, 'idle store connection failed'));
  const on = (q: pg.Pool | pg.PoolClient): Queryable => ({
    query: async <Row>(sql: SqlQuery) =>
      (await q.query({ name: sql.name, text: sql.text, values: sql.values })).rows as Row[],
    exec: async (script: string) => {
      await q.query(script);
    },
  });
  const listeners = new Set<PgNotificationListener>();
  try {
    await pool.query('SELECT 1');
  } catch (err) {
    await pool.end();
    throw err;
  }
  return {
    backend: 'postgres',
    ...on(pool),
    transaction: async (fn) => {
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
    },
    listen: async (channel, onPayload, onReconnect) => {
      const listener = new PgNotificationListener(connectionString, channel, onPayload, onReconnect, log);
      await listener.start();
      listeners.add(listener);
      return async () => {
        listeners.delete(listener);
        await listener.close();
      };
    },
    close: async () => {
      await Promise.all([...listeners].map((l) => l.close()));
      listeners.clear();
      await pool.end();
    },
  };
}
