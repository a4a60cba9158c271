import { inKubernetesOrder } from '../objectMeta.js';
import type { KubeObject } from '@skiff/apimachinery';
import type { Queryable, SqlQuery } from '../db/db.js';
import { tables } from '../schema.js';
import type { ListOptions, ListResult } from '../types.js';

/*
 * listObjects: one page of one resource, in (namespace, name) order, with the resourceVersion it
 * is consistent with.
 *   in:  group, resource, optional namespace, optional limit, optional keyset cursor.
 *   out: the page, the counter's value, and when the page was cut short, the cursor for the next
 *        page and how many items remain after it.
 *   atomicity: ONE statement, so the counter, the page and the count share one snapshot: the
 *   list is exactly the state at that resourceVersion.
 *
 * The page is a range scan of the primary key (api_group, resource[, namespace]) starting after
 * the cursor; without a cursor it starts after ('', ''), before every real name. It fetches
 * limit + 1 rows to learn whether more follow; only then is the rest counted.
 */
interface ListRow {
  resource_version: string;
  remaining: string | null;
  namespace: string | null;
  name: string | null;
  object: KubeObject | null;
}

export function listObjectsQuery(opts: ListOptions): { query: SqlQuery; limit: number | null } {
  const namespaced = opts.namespace !== undefined;
  const after = opts.continueAfter ?? { namespace: '', name: '' };
  const limit = opts.limit && opts.limit > 0 ? opts.limit : null;
  // $1 group, $2 resource, $3 namespace (listed, or the cursor's), $4 cursor name, $5 limit + 1, $6 limit
  const where = namespaced
    ? `api_group = $1 AND resource = $2 AND namespace = $3 AND name > $4`
    : `api_group = $1 AND resource = $2 AND (api_group, resource, namespace, name) > ($1, $2, $3, $4)`;
  const text = `
      WITH page AS (
        SELECT namespace, name, object FROM ${tables.objects}
        WHERE ${where}
        ORDER BY namespace, name
        LIMIT $5
      )
      SELECT counter.value::text AS resource_version,
             CASE WHEN (SELECT count(*) FROM page) > $6
                  THEN (SELECT count(*) FROM ${tables.objects} WHERE ${where}) - $6 END AS remaining,
             page.namespace, page.name, page.object
      FROM ${tables.counter} AS counter LEFT JOIN page ON true
      ORDER BY page.namespace, page.name`;
  return {
    query: {
      name: namespaced ? 'skiff_list_namespace' : 'skiff_list_all',
      text,
      values: [opts.group, opts.resource, namespaced ? opts.namespace : after.namespace, after.name, limit === null ? null : limit + 1, limit],
    },
    limit,
  };
}

export function toListResult(rows: ListRow[], limit: number | null): ListResult {
  const items = rows.filter((r) => r.object !== null);
  const result: ListResult = { items: items.map((r) => inKubernetesOrder(r.object!)), resourceVersion: rows[0].resource_version };
  if (limit !== null && items.length > limit) {
    result.items.length = limit;
    const last = items[limit - 1];
    result.continueAfter = { namespace: last.namespace!, name: last.name! };
    result.remainingItemCount = Number(rows[0].remaining);
  }
  return result;
}

export async function listObjects(db: Queryable, opts: ListOptions): Promise<ListResult> {
  const { query, limit } = listObjectsQuery(opts);
  return toListResult(await db.query<ListRow>(query), limit);
}
