/**
 * Every name the store's SQL uses, in one place. The tables and functions themselves are created
 * by migrations/0001_cluster_store.sql and 0002_allocations.sql, which spell the same names:
 * change them together.
 */
export const tables = {
  objects: 'objects',
  changes: 'changes',
  counter: 'resource_version_counter',
  meta: 'store_meta',
  /** Values no two objects may hold at once (cluster IPs, node ports), each with its holder's key. */
  allocations: 'allocations',
  migrations: 'schema_migrations',
} as const;

/** Keys of `store_meta`. */
export const metaKeys = {
  /** Every change at or below this resourceVersion has been compacted away. */
  compactedResourceVersion: 'compacted_resource_version',
} as const;

export const functions = {
  /** Applies a batch of creates, updates and deletes in one transaction (see operations/applyWrites.ts). */
  applyWrites: 'apply_writes',
  /** Sets the allocations one object holds; called only by apply_writes (migrations/0002_allocations.sql). */
  claimAllocations: 'claim_allocations',
} as const;

/** The NOTIFY channel every committed write batch signals on; the payload is the newest resourceVersion it wrote. */
export const changesChannel = 'skiff_changes';

/** pg_advisory_xact_lock key held while migrating ("skiff" as ASCII bytes), so API servers starting together take turns. */
export const migrationLockKey = 0x736b696666;
