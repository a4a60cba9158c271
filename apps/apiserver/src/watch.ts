import {
  ExpiredError,
  resourceVersionTooLarge,
  matchesFields,
  matchesLabels,
  toStatus,
  type FieldSelector,
  type KubeObject,
  type LabelSelector,
  type Kind,
  type WatchEventType,
} from '@skiff/apimachinery';
import type { Change, Store } from '@skiff/store';

export interface WatchFilter {
  type: Kind;
  namespace?: string;
  labels?: LabelSelector;
  fields?: FieldSelector;
}

export interface WatchHandle {
  stop(): void;
  /** The newest resourceVersion this watch has passed, for bookmarks. */
  resourceVersion(): string;
}

export interface WatchSink {
  send(type: WatchEventType, object: KubeObject): void;
  /**
   * When set, takes every change after the watch's start in commit order, of any resource, as
   * read from the log (the watch cache's feed); `send` then only gets an ERROR that ends the watch.
   */
  change?(change: Change): void;
}

interface Watcher {
  filter: WatchFilter;
  sink: WatchSink;
  /** The newest resourceVersion already sent (or skipped) for this watcher. */
  cursor: bigint;
  /** Live changes that arrived while the watcher was still catching up from the log. */
  buffer: Change[] | undefined;
}

const retryReadMs = 1_000;

/**
 * Whether a watcher needs a MODIFIED change's previous object: one with a label or field selector
 * (an object that stops matching is DELETED to it), unless it takes raw changes (a watch cache,
 * which keeps its own copy of every object).
 */
function needsPrevious(w: Watcher): boolean {
  return !w.sink.change && !!(w.filter.labels || w.filter.fields);
}

function selects(filter: WatchFilter, object: KubeObject): boolean {
  if (filter.labels && !matchesLabels(filter.labels, object.metadata.labels)) return false;
  if (filter.fields && !matchesFields(filter.fields, object)) return false;
  return true;
}

/**
 * What a watch sees of a change, as kube-apiserver's cacher decides it: with a label or field
 * selector an object that starts to match is ADDED, one that stops matching is DELETED (with the
 * object as it was, at the change's resourceVersion), and changes wholly outside are not sent.
 */
export function eventFor(filter: WatchFilter, change: Change): { type: WatchEventType; object: KubeObject } | undefined {
  if (change.key.group !== filter.type.group || change.key.resource !== filter.type.resource) return undefined;
  if (filter.namespace !== undefined && change.key.namespace !== filter.namespace) return undefined;
  const now = selects(filter, change.object);
  if (change.type !== 'MODIFIED' || !change.prevObject || (!filter.labels && !filter.fields)) return now ? { type: change.type, object: change.object } : undefined;
  const before = selects(filter, change.prevObject);
  if (now) return { type: before ? 'MODIFIED' : 'ADDED', object: change.object };
  if (!before) return undefined;
  return { type: 'DELETED', object: { ...change.prevObject, metadata: { ...change.prevObject.metadata, resourceVersion: change.resourceVersion } } };
}

/**
 * Fans the store's change log out to every watch of this process. One cursor reads the log when
 * the store signals a commit (LISTEN/NOTIFY), so N watchers cost one query per commit, not N.
 */
export class WatchHub {
  private readonly watchers = new Set<Watcher>();
  private cursor: bigint | undefined;
  private pumping: Promise<void> | undefined;
  private again = false;
  private unsubscribe: (() => void) | undefined;
  private retryTimer: NodeJS.Timeout | undefined;
  private stopped = false;
  /** Callers of `waitFor`, each told once the hub has delivered up to its version. */
  private readonly waiters = new Set<{ rv: bigint; done(reached: boolean): void }>();

  constructor(
    private readonly store: Store,
    private readonly log: { warn(obj: object, msg: string): void } = console as never,
  ) {}

  async start(): Promise<void> {
    this.cursor = BigInt(await this.store.currentResourceVersion());
    this.unsubscribe = this.store.onCommit(() => this.pump());
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.retryTimer);
    this.unsubscribe?.();
    this.watchers.clear();
    for (const w of this.waiters) w.done(false);
  }

  get size(): number {
    return this.watchers.size;
  }

  /**
   * Starts a watch after `from` (exclusive). Throws ExpiredError if the log no longer reaches back
   * that far. Returns the handle that ends the watch and tells how far it has read.
   */
  async watch(filter: WatchFilter, from: string, sink: WatchSink): Promise<WatchHandle> {
    const watcher: Watcher = { filter, sink, cursor: BigInt(from), buffer: [] };
    this.watchers.add(watcher);
    const stop = () => {
      this.watchers.delete(watcher);
    };
    try {
      const backlog = await this.store.changesSince(from, { group: filter.type.group, resource: filter.type.resource, namespace: filter.namespace });
      for (const change of backlog) this.deliver(watcher, change);
      const buffered = watcher.buffer ?? [];
      watcher.buffer = undefined;
      for (const change of buffered) this.deliver(watcher, change);
    } catch (err) {
      stop();
      throw err;
    }
    return { stop, resourceVersion: () => String(watcher.cursor) };
  }

  private deliver(watcher: Watcher, change: Change): void {
    const rv = BigInt(change.resourceVersion);
    if (rv <= watcher.cursor) return;
    watcher.cursor = rv;
    if (watcher.sink.change) return watcher.sink.change(change);
    const event = eventFor(watcher.filter, change);
    if (event) watcher.sink.send(event.type, event.object);
  }

  /** Reads the log now, without waiting for the store's commit signal (a consistent read that wants the newest version). */
  refresh(): void {
    if (!this.stopped) this.pump();
  }

  /**
   * Resolves true once every watcher has been given the changes up to `rv` (the hub read the log
   * that far), false after `timeoutMs`. Reads the log now rather than waiting for a commit signal.
   */
  waitFor(rv: bigint, timeoutMs: number): Promise<boolean> {
    if (this.cursor !== undefined && this.cursor >= rv) return Promise.resolve(true);
    return new Promise((resolve) => {
      const waiter = {
        rv,
        done: (reached: boolean) => {
          clearTimeout(timer);
          this.waiters.delete(waiter);
          resolve(reached);
        },
      };
      const timer = setTimeout(() => waiter.done(false), timeoutMs);
      this.waiters.add(waiter);
      this.refresh();
    });
  }

  private pump(): void {
    if (this.pumping) {
      this.again = true;
      return;
    }
    this.pumping = (async () => {
      do {
        this.again = false;
        try {
          await this.readNewChanges();
        } catch (err) {
          if (err instanceof ExpiredError) {
            // The hub fell behind compaction (should not happen with minutes of history): restart
            // from now; watchers whose events were lost are ended so their clients relist.
            this.log.warn({ err: err.message }, 'watch hub fell behind the change log; ending watches');
            for (const w of this.watchers) w.sink.send('ERROR', expiredStatus(err.message));
            this.watchers.clear();
            this.cursor = BigInt(await this.store.currentResourceVersion());
          } else {
            // No commit may come to wake the hub (the store was unreachable and is quiet since), so
            // it tries again by itself: watchers get what they missed without re-watching.
            this.log.warn({ err: (err as Error).message }, 'reading the change log failed; retrying');
            if (!this.stopped && !this.retryTimer) {
              this.retryTimer = setTimeout(() => {
                this.retryTimer = undefined;
                this.pump();
              }, retryReadMs);
              this.retryTimer.unref();
            }
          }
        }
      } while (this.again);
      this.pumping = undefined;
    })();
  }

  private anyNeedsPrevious(): boolean {
    for (const w of this.watchers) if (needsPrevious(w)) return true;
    return false;
  }

  private async readNewChanges(): Promise<void> {
    for (;;) {
      // Previous objects only when a watcher needs them. One that began while a read without them
      // was under way (its backlog reads with them) gets none of that read: it is made again.
      const withPrevious = this.anyNeedsPrevious();
      const changes = await this.store.changesSince(String(this.cursor), { withPrevious }, 1000);
      if (!withPrevious && this.anyNeedsPrevious()) continue;
      if (changes.length === 0) return;
      for (const change of changes) {
        this.cursor = BigInt(change.resourceVersion);
        for (const w of this.watchers) {
          if (w.buffer) w.buffer.push(change);
          else this.deliver(w, change);
        }
      }
      for (const w of this.waiters) if (w.rv <= this.cursor!) w.done(true);
      if (changes.length < 1000) return;
    }
  }
}

export function expiredStatus(message: string): KubeObject {
  return toStatus(new ExpiredError(message)) as unknown as KubeObject;
}

/**
 * A request from a resourceVersion newer than the store has (a client that saw another server, or
 * a made-up one) waits up to 3 s for the store to get there, as kube-apiserver's cacher does, then
 * is a 504 with cause ResourceVersionTooLarge: never a watch that silently skips what comes before.
 */
export async function awaitResourceVersion(store: Store, requested: string, waitMs = 3_000): Promise<void> {
  const want = BigInt(requested);
  const deadline = Date.now() + waitMs;
  for (;;) {
    const current = await store.currentResourceVersion();
    if (BigInt(current) >= want) return;
    if (Date.now() >= deadline) throw resourceVersionTooLarge(requested, current);
    await new Promise((r) => setTimeout(r, 100));
  }
}
