import pg from 'pg';
import { rate } from './stats.js';

/** A ConfigMap-sized body, as the store's figures write. */
export const rawInsertBody = (i: number) => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `s-${i}`, namespace: 'default' }, data: { i: String(i), pad: 'x'.repeat(200) } });

/**
 * Single-row INSERTs/s straight into a table of the database at `url` (no store, no API): the
 * baseline other figures are read against, measured in the same run because the machine is noisy.
 */
export async function rawInsertRate(url: string, n: number, concurrency: number, tag = `c${concurrency}`): Promise<number> {
  const pool = new pg.Pool({ connectionString: url, max: concurrency });
  try {
    await pool.query('CREATE TABLE IF NOT EXISTS bench_raw (id bigserial PRIMARY KEY, k text NOT NULL, v jsonb NOT NULL)');
    return await rate(n, concurrency, (i) => pool.query('INSERT INTO bench_raw (k, v) VALUES ($1, $2)', [`${tag}-${i}`, JSON.stringify(rawInsertBody(i))]));
  } finally {
    await pool.end();
  }
}
