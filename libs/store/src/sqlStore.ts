import type { KubeObject, ObjectKey } from '@skiff/apimachinery';
import type { Db, StoreLogger } from './db/db.js';
import { changesSince } from './operations/changesSince.js';
import { compactChanges } from './operations/compactChanges.js';
import { getObject } from './operations/getObject.js';
import { getObjects } from './operations/getObjects.js';
import { listObjects } from './operations/listObjects.js';
import { currentResourceVersion, oldestResourceVersion } from './operations/resourceVersions.js';
import { applyWrites, createWrite, deleteWrite, updateWrite } from './operations/applyWrites.js';
import { listAllocations } from './operations/listAllocations.js';
import { changesChannel } from './schema.js';
import type { Change, ChangeFilter, ListOptions, ListResult, Store, WriteOptions, WritePreconditions } from './types.js';
import { WriteBatcher } from './writeBatcher.js';
import { RecentWrites } from './recentWrites.js';
import { ReadBatcher } from './readBatcher.js';

/**
 * Under the tests (vitest sets VITEST), every written object is frozen: code that changes an
 * object the store answered, which the change log's readers share, fails there instead of
 * corrupting a cache in production.
 */
const freezeWrites = !!process.env.VITEST;

function deepFreeze(value: unknown): void {
  if (value === null || typeof value !== 'object' || Object.isFrozen(value)) return;
  Object.freeze(value);
  for (const v of Object.values(value)) deepFreeze(v);
}

export interface SqlStoreOptions {
  /** Compact the change log every `compactIntervalMs`, keeping `compactKeepMs` of history. 0 disables. */
  compactIntervalMs: number;
  compactKeepMs: number;
  logger: StoreLogger;
}

/**
 * The Store on a migrated database. The SQL lives in ./operations; this class wires it to the
 * write batcher (group commit), the read batcher (concurrent gets share a statement), the commit listeners and the compaction schedule, and owns their
 * lifecycle.
 */
export class SqlStore implements Store {
  private readonly listeners = new Set<(resourceVersion: string) => void>();
  private readonly writes: WriteBatcher;
  /**
   * What this store wrote lately: the change log's rows of those versions are read back without
   * their objects. A written object is thus shared by the write's caller and every reader of the
   * change log (watch caches, watches): none may change it.
   */
  private readonly written = new RecentWrites();
  private readonly reads: ReadBatcher<ObjectKey, KubeObject>;
  /** Concurrent reads of the counter share a statement (each still sent after it was asked for). */
  private readonly counterReads: ReadBatcher<null, string>;
  private unlisten: (() => Promise<void>) | undefined;
  private compactTimer: NodeJS.Timeout | undefined;
  private compacting: Promise<unknown> | undefined;
  private closed: Promise<void> | undefined;

  private constructor(
    private readonly db: Db,
    private readonly opts: SqlStoreOptions,
  ) {
    this.writes = new WriteBatcher(async (batch) => {
      const outcomes = await applyWrites(db, batch);
      for (const outcome of outcomes) {
        if (!outcome.ok) continue;
        if (freezeWrites) deepFreeze(outcome.object);
        this.written.add(outcome.object);
      }
      return outcomes;
    });
    this.reads = new ReadBatcher(
      (key) => getObject(db, key),
      (keys) => getObjects(db, keys),
    );
    this.counterReads = new ReadBatcher(
      () => currentResourceVersion(db),
      async (keys) => {
        const rv = await currentResourceVersion(db);
        return keys.map(() => rv);
      },
      { maxInFlight: 2, maxBatch: 4096 },
    );
  }

  /** Starts listening for commits (before returning, so no write after this is missed) and the compaction schedule. */
  static async start(db: Db, opts: SqlStoreOptions): Promise<SqlStore> {
    const store = new SqlStore(db, opts);
    store.unlisten = await db.listen(
      changesChannel,
      (payload) => store.emit(payload),
      // Notifications sent while the connection was down are lost: tell listeners the newest version.
      () => store.emitCurrent(),
    );
    if (opts.compactIntervalMs > 0) {
      store.compactTimer = setInterval(() => store.scheduledCompaction(), opts.compactIntervalMs);
      store.compactTimer.unref();
    }
    return store;
  }

  get(key: ObjectKey): Promise<KubeObject | undefined> {
    return this.reads.get(key);
  }

  list(opts: ListOptions): Promise<ListResult> {
    return listObjects(this.db, opts);
  }

  create(key: ObjectKey, object: KubeObject, opts?: WriteOptions): Promise<KubeObject> {
    return this.writes.submit(createWrite(key, object, new Date(), opts?.allocations));
  }

  update(key: ObjectKey, object: KubeObject, pre?: WritePreconditions, opts?: WriteOptions): Promise<KubeObject> {
    return this.writes.submit(updateWrite(key, object, pre, opts?.allocations));
  }

  delete(key: ObjectKey, pre?: WritePreconditions): Promise<KubeObject> {
    return this.writes.submit(deleteWrite(key, pre));
  }

  allocations(pool: string): Promise<Set<string>> {
    return listAllocations(this.db, pool);
  }

  changesSince(after: string, filter?: ChangeFilter, limit?: number): Promise<Change[]> {
    return changesSince(this.db, after, filter, limit, this.written);
  }

  async currentResourceVersion(): Promise<string> {
    return (await this.counterReads.get(null))!;
  }

  oldestResourceVersion(): Promise<string> {
    return oldestResourceVersion(this.db);
  }

  onCommit(listener: (resourceVersion: string) => void): () => void {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }

  compact(keepMs: number): Promise<number> {
    return compactChanges(this.db, keepMs);
  }

  close(): Promise<void> {
    this.closed ??= (async () => {
      clearInterval(this.compactTimer);
      this.listeners.clear();
      await this.compacting;
      await this.writes.drain();
      await this.unlisten?.();
      await this.db.close();
    })();
    return this.closed;
  }

  private emit(resourceVersion: string): void {
    for (const listener of [...this.listeners]) {
      try {
        listener(resourceVersion);
      } catch (err) {
        this.opts.logger.error({ err: (err as Error).message }, 'onCommit listener threw');
      }
    }
  }

  /** Emits the newest resourceVersion, retrying every second while the database does not answer. */
  private emitCurrent(): void {
    currentResourceVersion(this.db).then(
      (rv) => this.emit(rv),
      (err: Error) => {
        if (this.closed) return;
        this.opts.logger.warn({ err: err.message }, 'reading the resourceVersion after reconnecting failed; retrying');
        setTimeout(() => this.emitCurrent(), 1_000).unref();
      },
    );
  }

  private scheduledCompaction(): void {
    if (this.compacting || this.closed) return;
    this.compacting = this.compact(this.opts.compactKeepMs)
      .then(
        (removed) => {
          if (removed > 0) this.opts.logger.info({ removed }, 'compacted the change log');
        },
        (err: Error) => this.opts.logger.warn({ err: err.message }, 'compacting the change log failed'),
      )
      .finally(() => {
        this.compacting = undefined;
      });
  }
}
