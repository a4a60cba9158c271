import type { Queryable } from '../db/db.js';
import { metaKeys, tables } from '../schema.js';

/*
 * The store-wide resourceVersions.
 *   currentResourceVersion: the counter, i.e. the newest committed write (a write holds the
 *     counter row until it commits, so a reader never sees a version whose write is not visible).
 *   oldestResourceVersion: the compaction horizon; a watch may start from it or anything newer.
 * Each is a single read; both return decimal strings.
 */
const currentSql = { name: 'skiff_current_rv', text: `SELECT value::text AS rv FROM ${tables.counter}` };
const oldestSql = {
  name: 'skiff_oldest_rv',
  text: `SELECT value::text AS rv FROM ${tables.meta} WHERE key = '${metaKeys.compactedResourceVersion}'`,
};

export async function currentResourceVersion(db: Queryable): Promise<string> {
  const [row] = await db.query<{ rv: string }>(currentSql);
  return row.rv;
}

export async function oldestResourceVersion(db: Queryable): Promise<string> {
  const [row] = await db.query<{ rv: string }>(oldestSql);
  return row.rv;
}
