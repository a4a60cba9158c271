import type { KubeObject, ObjectKey } from '@skiff/apimachinery';

/** One entry of the change log: the object as it was at `resourceVersion`. */
export interface Change {
  type: 'ADDED' | 'MODIFIED' | 'DELETED';
  resourceVersion: string;
  key: ObjectKey;
  object: KubeObject;
  /** For MODIFIED: the object as it was just before (absent in entries from before it was kept). */
  prevObject?: KubeObject;
}

export interface ListOptions {
  group: string;
  resource: string;
  /** Omit to list across all namespaces (or for cluster-scoped kinds). */
  namespace?: string;
  limit?: number;
  /** The last name-key of the previous page, from a previous `ListResult.continueAfter`. */
  continueAfter?: { namespace: string; name: string };
}

export interface ListResult {
  items: KubeObject[];
  /** The store-wide resourceVersion this list is consistent with. */
  resourceVersion: string;
  /** Set when `limit` cut the list short: pass it back as `continueAfter`. */
  continueAfter?: { namespace: string; name: string };
  /** How many items remain after this page, when cut short. */
  remainingItemCount?: number;
}

export interface WritePreconditions {
  /** Fail with ConflictError unless the stored object is at exactly this resourceVersion. */
  resourceVersion?: string;
  /** Fail with ConflictError unless the stored object has this uid. */
  uid?: string;
}

/**
 * A value from a shared pool that at most one object holds at a time, e.g. `{ pool: 'service-ip',
 * value: '127.224.0.7' }` or `{ pool: 'node-port', value: '30080' }`.
 */
export interface Allocation {
  pool: string;
  value: string;
}

export interface WriteOptions {
  /**
   * Every allocation the object holds after the write, claimed in the write's transaction: those
   * it no longer lists are released. Omitted on update: the object keeps what it holds.
   */
  allocations?: Allocation[];
}

export interface ChangeFilter {
  group?: string;
  resource?: string;
  namespace?: string;
  /**
   * false: leave out each MODIFIED change's `prevObject` (a reader that keeps its own copy of
   * the objects does not need it, and reading and parsing it is most of what it costs). Default true.
   */
  withPrevious?: boolean;
}

/**
 * The cluster store. Every write is one transaction that takes the next global resourceVersion
 * (commit order), writes the object and appends to the change log; watchers are woken by NOTIFY.
 *
 * The store owns metadata.resourceVersion, metadata.generation (bumped when anything outside
 * metadata and status changes) and keeps metadata.uid / creationTimestamp stable across updates.
 * Everything else about the object is the API server's business.
 */
export interface Store {
  get(key: ObjectKey): Promise<KubeObject | undefined>;
  list(opts: ListOptions): Promise<ListResult>;
  /**
   * Throws AlreadyExistsError, AllocationConflictError (another object holds one of
   * `opts.allocations`; nothing is written). Assigns uid and creationTimestamp when missing.
   */
  create(key: ObjectKey, object: KubeObject, opts?: WriteOptions): Promise<KubeObject>;
  /** Throws NotFoundError, ConflictError (precondition failed), AllocationConflictError. */
  update(key: ObjectKey, object: KubeObject, pre?: WritePreconditions, opts?: WriteOptions): Promise<KubeObject>;
  /**
   * Throws NotFoundError, ConflictError. Releases the object's allocations. Returns the object as
   * deleted, at its DELETED resourceVersion.
   */
  delete(key: ObjectKey, pre?: WritePreconditions): Promise<KubeObject>;
  /** The values of `pool` some object holds, to pick a free one from. */
  allocations(pool: string): Promise<Set<string>>;
  /** Changes with resourceVersion > `after`, in order. Throws ExpiredError when `after` is older than the log. */
  changesSince(after: string, filter?: ChangeFilter, limit?: number): Promise<Change[]>;
  /** The newest resourceVersion committed. */
  currentResourceVersion(): Promise<string>;
  /** The oldest resourceVersion a watch may still start from. */
  oldestResourceVersion(): Promise<string>;
  /** Called (with the newest resourceVersion, possibly coalesced) after any commit, in any process sharing the database. */
  onCommit(listener: (resourceVersion: string) => void): () => void;
  /** Delete change-log entries older than `keepMs` (but never the newest). Returns how many were removed. */
  compact(keepMs: number): Promise<number>;
  close(): Promise<void>;
}
