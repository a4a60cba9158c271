import { inKubernetesOrder } from '../objectMeta.js';
import type { KubeObject, ObjectKey } from '@skiff/apimachinery';
import type { Queryable } from '../db/db.js';
import { tables } from '../schema.js';

/*
 * getObjects: many primary-key lookups in one statement (the read batcher's query).
 *   in:  the keys.   out: for each key, in order, the stored object or undefined.
 *   atomicity: a single read: every object as of one snapshot, taken when the statement starts.
 */
const sql = {
  name: 'skiff_get_objects',
  text: `SELECT k.i::int AS i, o.object
         FROM unnest($1::text[], $2::text[], $3::text[], $4::text[]) WITH ORDINALITY AS k(api_group, resource, namespace, name, i)
         JOIN ${tables.objects} AS o USING (api_group, resource, namespace, name)`,
};

export async function getObjects(db: Queryable, keys: readonly ObjectKey[]): Promise<(KubeObject | undefined)[]> {
  const rows = await db.query<{ i: number; object: KubeObject }>({
    ...sql,
    values: [keys.map((k) => k.group), keys.map((k) => k.resource), keys.map((k) => k.namespace), keys.map((k) => k.name)],
  });
  const found: (KubeObject | undefined)[] = new Array(keys.length).fill(undefined);
  for (const row of rows) found[row.i - 1] = inKubernetesOrder(row.object);
  return found;
}
