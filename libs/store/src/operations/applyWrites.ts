import { AlreadyExistsError, ConflictError, NotFoundError, type ApiError, type KubeObject, type ObjectKey } from '@skiff/apimachinery';
import type { Queryable, SqlQuery } from '../db/db.js';
import { inKubernetesOrder, prepareForCreate, timestampParam, withMetadata } from '../objectMeta.js';
import { functions } from '../schema.js';
import { AllocationConflictError, targetOf } from '../storeErrors.js';
import type { Allocation, WritePreconditions } from '../types.js';

/*
 * applyWrites: creates, updates and deletes, one or many, in ONE statement calling
 * apply_writes() from migrations/0001_cluster_store.sql, as replaced by 0002_allocations.sql:
 * one round trip, one transaction (counter, object rows, change-log rows, allocations, NOTIFY; see
 * the headers there).
 *   in:  writes built by createWrite / updateWrite / deleteWrite, applied in order.
 *   out: per write, the object as stored at its new resourceVersion, or the expected failure
 *        (NotFoundError, AlreadyExistsError, ConflictError, AllocationConflictError) for that
 *        write alone.
 *   atomicity: the batch commits or rolls back as a whole; an expected failure skips only its own
 *   write, and takes no resourceVersion.
 */

/** One write, serialised as an element of apply_writes()'s JSON argument. */
export interface WriteRequest {
  key: ObjectKey;
  json: string;
}

export type WriteOutcome = { ok: true; object: KubeObject } | { ok: false; error: ApiError };

const keyFields = (key: ObjectKey) => ({ group: key.group, resource: key.resource, namespace: key.namespace, name: key.name });
const preconditionFields = (pre: WritePreconditions = {}) => ({
  expectResourceVersion: pre.resourceVersion ?? null,
  expectUid: pre.uid ?? null,
});

const allocationFields = (allocations: Allocation[] | undefined) =>
  allocations ? { allocations: allocations.map((a) => ({ pool: a.pool, value: a.value })) } : {};

/**
 * A create: uid, creationTimestamp and generation are decided here (see prepareForCreate).
 * `allocations`: everything the object holds; none when omitted.
 */
export function createWrite(key: ObjectKey, object: KubeObject, now: Date, allocations?: Allocation[]): WriteRequest {
  const prepared = prepareForCreate(object, now);
  const meta = prepared.metadata;
  return {
    key,
    json: JSON.stringify({
      op: 'create',
      ...keyFields(key),
      uid: meta.uid,
      creationTimestamp: timestampParam(meta.creationTimestamp),
      deletionTimestamp: timestampParam(meta.deletionTimestamp),
      generation: meta.generation ?? null,
      ...allocationFields(allocations),
      object: prepared,
    }),
  };
}

/** An update. `allocations`: everything the object holds after it; omitted, they stay as they are. */
export function updateWrite(key: ObjectKey, object: KubeObject, pre?: WritePreconditions, allocations?: Allocation[]): WriteRequest {
  const copy = withMetadata(object);
  return {
    key,
    json: JSON.stringify({
      op: 'update',
      ...keyFields(key),
      deletionTimestamp: timestampParam(copy.metadata.deletionTimestamp),
      ...preconditionFields(pre),
      ...allocationFields(allocations),
      object: copy,
    }),
  };
}

export function deleteWrite(key: ObjectKey, pre?: WritePreconditions): WriteRequest {
  return { key, json: JSON.stringify({ op: 'delete', ...keyFields(key), ...preconditionFields(pre) }) };
}

export function applyWritesQuery(writes: WriteRequest[]): SqlQuery {
  return {
    name: 'skiff_apply_writes',
    text: `SELECT out_ord AS ord, out_error AS error, out_message AS message, out_object AS object
           FROM ${functions.applyWrites}($1::jsonb) ORDER BY out_ord`,
    values: [`[${writes.map((w) => w.json).join(',')}]`],
  };
}

interface OutcomeRow {
  ord: number;
  error: 'AlreadyExists' | 'NotFound' | 'Conflict' | 'AllocationConflict' | null;
  message: string | null;
  /** For AllocationConflict, the allocation another object holds. */
  object: KubeObject | Allocation | null;
}

export function toOutcome(row: OutcomeRow, key: ObjectKey): WriteOutcome {
  switch (row.error) {
    case null:
      return { ok: true, object: inKubernetesOrder(row.object as KubeObject) };
    case 'AlreadyExists':
      return { ok: false, error: new AlreadyExistsError(targetOf(key)) };
    case 'NotFound':
      return { ok: false, error: new NotFoundError(targetOf(key)) };
    case 'Conflict':
      return { ok: false, error: new ConflictError(targetOf(key), row.message ?? undefined) };
    case 'AllocationConflict': {
      const taken = row.object as Allocation;
      return { ok: false, error: new AllocationConflictError(taken.pool, taken.value, targetOf(key)) };
    }
  }
}

export async function applyWrites(db: Queryable, writes: WriteRequest[]): Promise<WriteOutcome[]> {
  const rows = await db.query<OutcomeRow>(applyWritesQuery(writes));
  return rows.map((row, i) => toOutcome(row, writes[i].key));
}
