import { inKubernetesOrder } from '../objectMeta.js';
import { BadRequestError, ExpiredError, type KubeObject } from '@skiff/apimachinery';
import type { Queryable, SqlQuery } from '../db/db.js';
import { metaKeys, tables } from '../schema.js';
import type { RecentWrites } from '../recentWrites.js';
import type { Change, ChangeFilter } from '../types.js';

/*
 * changesSince: the change log after a resourceVersion, oldest first.
 *   in:  `after` (exclusive), an optional group/resource/namespace filter, an optional limit.
 *   out: the changes, and the compaction horizon, which decides ExpiredError.
 *   atomicity: ONE statement, so the horizon and the rows come from one snapshot; compaction
 *   deletes rows and raises the horizon in one transaction, so a read can never see rows missing
 *   without also seeing the horizon that says so.
 *
 * The scan walks the change log's primary key from `after`; the filter is applied to the rows
 * read, with no index of its own (the log holds minutes of history).
 *
 * The statement is deliberately not a named (prepared) one: Postgres would plan it once for any
 * `after`, and may keep a generic plan made while the log was a page or two, a sequential scan
 * and a sort, which then reads the whole log on every call (seen: 5-9 ms per read at 60,000
 * changes, where autovacuum is off and the table never gets statistics). Planned for each call,
 * it walks the primary key from `after` and stops at the limit.
 */
interface ChangeRow {
  horizon: string;
  resource_version: string | null;
  type: Change['type'] | null;
  api_group: string;
  resource: string;
  namespace: string;
  name: string;
  /** Null for a version the caller holds the object of (`known`). */
  object: KubeObject | null;
  prev_object: KubeObject | null;
}

export function changesSinceQuery(after: bigint, filter: ChangeFilter = {}, limit?: number, known: string[] = []): SqlQuery {
  return {
    text: `
      SELECT meta.value::text AS horizon, c.resource_version::text AS resource_version, c.type,
             c.api_group, c.resource, c.namespace, c.name,
             CASE WHEN c.resource_version = ANY ($6::bigint[]) THEN NULL ELSE c.object END AS object,
             ${filter.withPrevious === false ? 'NULL::jsonb AS prev_object' : 'c.prev_object'}
      FROM ${tables.meta} AS meta
      LEFT JOIN LATERAL (
        SELECT * FROM ${tables.changes}
        WHERE resource_version > $1
          AND ($2::text IS NULL OR api_group = $2)
          AND ($3::text IS NULL OR resource = $3)
          AND ($4::text IS NULL OR namespace = $4)
        ORDER BY resource_version
        LIMIT $5
      ) AS c ON true
      WHERE meta.key = '${metaKeys.compactedResourceVersion}'
      ORDER BY c.resource_version`,
    values: [after.toString(), filter.group ?? null, filter.resource ?? null, filter.namespace ?? null, limit && limit > 0 ? limit : null, `{${known.join(',')}}`],
  };
}

export function parseResourceVersion(rv: string): bigint {
  if (!/^\d{1,19}$/.test(rv)) throw new BadRequestError(`invalid resource version "${rv}"`);
  return BigInt(rv);
}

/** `known`: the objects of versions the query was told not to send (RecentWrites.after). */
export function toChanges(after: bigint, rows: ChangeRow[], known?: ReadonlyMap<string, KubeObject>): Change[] {
  const horizon = BigInt(rows[0].horizon);
  // Everything at or below the horizon is gone: a reader that has not seen it has missed events.
  if (after < horizon) throw new ExpiredError(`too old resource version: ${after} (${horizon})`);
  return rows
    .filter((r) => r.resource_version !== null)
    .map((r) => ({
      type: r.type!,
      resourceVersion: r.resource_version!,
      key: { group: r.api_group, resource: r.resource, namespace: r.namespace, name: r.name },
      object: r.object ? inKubernetesOrder(r.object) : known!.get(r.resource_version!)!,
      ...(r.prev_object ? { prevObject: inKubernetesOrder(r.prev_object) } : {}),
    }));
}

/**
 * `written`: what this process wrote lately (RecentWrites); the rows of those versions come back
 * without their objects, which are taken from it instead. The versions are taken before the query,
 * so an object dropped from it meanwhile is still at hand.
 */
export async function changesSince(db: Queryable, after: string, filter?: ChangeFilter, limit?: number, written?: RecentWrites): Promise<Change[]> {
  const from = parseResourceVersion(after);
  const known = written?.after(from);
  return toChanges(from, await db.query<ChangeRow>(changesSinceQuery(from, filter, limit, known ? [...known.keys()] : [])), known);
}
