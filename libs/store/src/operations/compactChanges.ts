import type { Queryable } from '../db/db.js';
import { metaKeys, tables } from '../schema.js';

/*
 * compactChanges: deletes the change log's prefix older than `keepMs`, never the newest change,
 * and raises the compaction horizon to the last version deleted.
 *   in:  keepMs.   out: how many changes were deleted.
 *   atomicity: ONE statement (data-modifying CTEs share a transaction), so the rows and the
 *   horizon move together. Deleting by resourceVersion keeps the log a contiguous range.
 *   Concurrent compactions (two API servers) are harmless: the second deletes what is left and
 *   the horizon only grows.
 */
const sql = {
  name: 'skiff_compact_changes',
  text: `
    WITH cut AS (
      SELECT max(resource_version) AS rv FROM ${tables.changes}
      WHERE created_at < now() - make_interval(secs => $1::double precision / 1000)
        AND resource_version < (SELECT max(resource_version) FROM ${tables.changes})
    ),
    removed AS (
      DELETE FROM ${tables.changes} WHERE resource_version <= (SELECT rv FROM cut) RETURNING 1
    ),
    horizon AS (
      UPDATE ${tables.meta} SET value = greatest(value, (SELECT rv FROM cut))
      WHERE key = '${metaKeys.compactedResourceVersion}' AND (SELECT rv FROM cut) IS NOT NULL
    )
    SELECT count(*)::int AS removed FROM removed`,
};

export async function compactChanges(db: Queryable, keepMs: number): Promise<number> {
  const [row] = await db.query<{ removed: number }>({ ...sql, values: [Math.max(0, keepMs)] });
  return row.removed;
}
