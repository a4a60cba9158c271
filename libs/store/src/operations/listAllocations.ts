import type { Queryable } from '../db/db.js';
import { tables } from '../schema.js';

/*
 * listAllocations: the values of one pool that some object holds.
 *   in:  the pool.   out: its held values.   atomicity: a single read; a value free here may be
 *   taken before a write claims it, which apply_writes() then reports as AllocationConflict.
 */
const sql = {
  name: 'skiff_list_allocations',
  text: `SELECT value FROM ${tables.allocations} WHERE pool = $1`,
};

export async function listAllocations(db: Queryable, pool: string): Promise<Set<string>> {
  const rows = await db.query<{ value: string }>({ ...sql, values: [pool] });
  return new Set(rows.map((r) => r.value));
}
