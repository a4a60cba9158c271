import { mkdirSync } from 'node:fs';
import { PGlite, type Transaction } from '@electric-sql/pglite';
import type { Db, Queryable, SqlQuery } from './db.js';

/**
 * Embedded Postgres (WASM) in `dir`, or in memory without one. A single connection: PGlite runs
 * one statement at a time, and its LISTEN hears this same connection's NOTIFYs.
 */
export async function openPgliteDb(dir?: string): Promise<Db> {
  if (dir) mkdirSync(dir, { recursive: true });
  const pg = dir ? await PGlite.create(dir) : await PGlite.create();
  const on = (q: Pick<PGlite, 'query' | 'exec'> | Transaction): Queryable => ({
    query: async <Row>(sql: SqlQuery) => (await q.query<Row>(sql.text, sql.values ?? [])).rows,
    exec: async (script: string) => {
      await q.exec(script);
    },
  });
  return {
    backend: 'pglite',
    ...on(pg),
    transaction: (fn) => pg.transaction((tx) => fn(on(tx))),
    listen: async (channel, onPayload) => {
      const unlisten = await pg.listen(channel, onPayload);
      return () => unlisten();
    },
    close: () => pg.close(),
  };
}
