import { inKubernetesOrder } from '../objectMeta.js';
import type { KubeObject, ObjectKey } from '@skiff/apimachinery';
import type { Queryable } from '../db/db.js';
import { tables } from '../schema.js';

/*
 * getObject: one primary-key lookup.
 *   in:  the key.   out: the stored object, or undefined.   atomicity: a single read.
 */
const sql = {
  name: 'skiff_get_object',
  text: `SELECT object FROM ${tables.objects}
         WHERE api_group = $1 AND resource = $2 AND namespace = $3 AND name = $4`,
};

export async function getObject(db: Queryable, key: ObjectKey): Promise<KubeObject | undefined> {
  const [row] = await db.query<{ object: KubeObject }>({ ...sql, values: [key.group, key.resource, key.namespace, key.name] });
  return row ? inKubernetesOrder(row.object) : undefined;
}
