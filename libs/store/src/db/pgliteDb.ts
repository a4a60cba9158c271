import { mkdirSync } from 'node:fs';
import { PGlite, type Transaction } from '@electric-sql/pglite';
import type { Db, Queryable, SqlQuery } from './db.js';

/**
 * The embedded database's buffer pool. PGlite starts with initdb's 128MB, and making that pool
 * is most of its start: 0.88-0.98 s to open a data dir on this 2-core machine, against 0.64-0.65 s
 * with 32MB (0.54-0.58 s with 16MB). A local cluster's database is a few MB; what does not fit is
 * read back through the file system's cache.
 */
const PGLITE_SHARED_BUFFERS = '32MB';

/**
 * Embedded Postgres (WASM) in `dir`, or in memory without one. A single connection: PGlite runs
 * one statement at a time, and its LISTEN hears this same connection's NOTIFYs.
 */
export async function openPgliteDb(dir?: string): Promise<Db> {
  if (dir) mkdirSync(dir, { recursive: true });
  const options = { startParams: [...PGlite.defaultStartParams, '-c', `shared_buffers=${PGLITE_SHARED_BUFFERS}`] };
  const pg = dir ? await PGlite.create(dir, options) : await PGlite.create(options);
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
