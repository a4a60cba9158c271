import { fieldValue, matchesFields, matchesLabels, type FieldSelector, type KubeObject, type LabelSelector } from '@skiff/apimachinery';
import type { Change } from '@skiff/store';
import { eventFor, type WatchFilter, type WatchSink } from '../watch.js';
import { holdEncoded } from './encodedObjects.js';
import { SortedKeys } from './sortedKeys.js';

/** One change of the resource as the cache applied it, with the object it replaced (none for a create). */
interface AppliedChange {
  rv: bigint;
  change: Change;
  before: KubeObject | undefined;
}

interface CacheWatcher {
  filter: WatchFilter;
  sink: WatchSink;
  cursor: bigint;
}

export interface CacheSelection {
  /** The resourceVersion to read at: the cache's own, or an older one its window still covers. */
  at: bigint;
  namespace?: string;
  labels?: LabelSelector;
  fields?: FieldSelector;
  /** The key (cacheKey) the previous page ended with. */
  after?: string;
  limit?: number;
}

export interface CacheSelectionResult {
  items: KubeObject[];
  /** The last key returned, when more items follow. */
  continueAfter?: string;
  /** How many items follow, when cut short and no selector filtered. */
  remainingItemCount?: number;
}

/** Keys sort as the store's primary key (namespace, name): NUL is below every name character. */
export function cacheKey(namespace: string | undefined, name: string): string {
  return `${namespace ?? ''}\u0000${name}`;
}

export function splitCacheKey(key: string): { namespace: string; name: string } {
  const i = key.indexOf('\u0000');
  return { namespace: key.slice(0, i), name: key.slice(i + 1) };
}

const NAMESPACE_INDEX = 'metadata.namespace';

/**
 * The objects of one resource (group/resource) as of `rv`, kept current from the change log in
 * commit order, plus a window of its most recent changes. The window lets the cache answer for
 * any resourceVersion from `floor` to `rv`: a list at an older version (a continued list, an
 * exact one) is the current state with the window's changes after it undone, and a watch from
 * there replays the window. Objects are never changed in place, so pages and events share them.
 */
export class ResourceCache {
  private readonly objects = new Map<string, KubeObject>();
  private readonly all = new SortedKeys();
  /** field path -> value -> keys; always metadata.namespace, plus the fields the kind is selected by. */
  private readonly indexes = new Map<string, Map<string, SortedKeys>>();
  private window: AppliedChange[] = [];
  private windowStart = 0;
  private readonly watchers = new Set<CacheWatcher>();
  private waiters: { rv: bigint; resolve: () => void }[] = [];
  /** The newest resourceVersion applied (every change of the store up to it has been seen). */
  rv = 0n;
  /** The window holds every change of this resource after `floor`. */
  floor = 0n;

  constructor(
    indexedFields: readonly string[],
    private readonly windowCapacity: number,
  ) {
    for (const field of [NAMESPACE_INDEX, ...indexedFields]) this.indexes.set(field, new Map());
  }

  get size(): number {
    return this.objects.size;
  }

  get windowSize(): number {
    return this.window.length - this.windowStart;
  }

  get watcherCount(): number {
    return this.watchers.size;
  }

  /** Fills the cache from a consistent list at `rv`. */
  reset(items: KubeObject[], rv: bigint): void {
    for (const obj of items) {
      const key = cacheKey(obj.metadata.namespace, obj.metadata.name!);
      this.put(key, obj, this.objects.get(key));
    }
    this.rv = rv;
    this.floor = rv;
  }

  /** A change of this resource, in commit order. */
  apply(change: Change): void {
    const rv = BigInt(change.resourceVersion);
    if (rv <= this.rv) return;
    const key = cacheKey(change.key.namespace || undefined, change.key.name);
    const before = this.objects.get(key);
    if (change.type !== 'DELETED') this.put(key, change.object, before);
    else if (before) {
      this.unindex(key, before);
      this.objects.delete(key);
      this.all.delete(key);
    }
    // The log's copy of the previous object is `before` again: the window keeps only the cache's.
    const { prevObject: _logCopy, ...kept } = change;
    this.window.push({ rv, change: kept, before });
    this.trimWindow();
    // The cache knows the replaced object even where the log has none (deletes, old rows).
    const seen: Change = change.type === 'MODIFIED' && before ? { ...change, prevObject: before } : change;
    for (const w of this.watchers) {
      w.cursor = rv;
      const event = eventFor(w.filter, seen);
      if (event) w.sink.send(event.type, event.object);
    }
    this.advance(rv);
  }

  /** A change of another resource: the cache is current up to it. */
  advance(rv: bigint): void {
    if (rv <= this.rv) return;
    this.rv = rv;
    for (const w of this.watchers) w.cursor = rv;
    if (this.waiters.length === 0) return;
    const due = this.waiters.filter((w) => w.rv <= rv);
    this.waiters = this.waiters.filter((w) => w.rv > rv);
    for (const w of due) w.resolve();
  }

  /** Resolves true once the cache has applied `rv`, false when `timeoutMs` passes first. */
  waitFor(rv: bigint, timeoutMs: number): Promise<boolean> {
    if (this.rv >= rv) return Promise.resolve(true);
    return new Promise((resolve) => {
      const waiter = {
        rv,
        resolve: () => {
          clearTimeout(timer);
          resolve(true);
        },
      };
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== waiter);
        resolve(false);
      }, timeoutMs);
      this.waiters.push(waiter);
    });
  }

  /** Whether a list or watch at `rv` can be answered from memory. */
  covers(rv: bigint): boolean {
    return rv >= this.floor && rv <= this.rv;
  }

  get(namespace: string | undefined, name: string): KubeObject | undefined {
    return this.objects.get(cacheKey(namespace, name));
  }

  /**
   * The objects selected as of `sel.at` (which `covers`), in key order, from `sel.after` on. The
   * namespace or an equality field selector on an indexed field narrows the keys walked.
   */
  select(sel: CacheSelection): CacheSelectionResult {
    const undone = this.undoneSince(sel.at);
    const scope = this.scopeOf(sel);
    const current = scope.keys ? scope.keys.after(sel.after) : [][Symbol.iterator]();
    // Keys whose object at `at` is outside the current scope (deleted or moved since) walk beside it.
    const extra = [...undone.entries()]
      .filter(([key, obj]) => obj && (sel.after === undefined || key > sel.after) && !scope.holdsNow(key))
      .map(([key]) => key)
      .sort();
    const selects = (obj: KubeObject) =>
      (sel.namespace === undefined || (obj.metadata.namespace ?? '') === sel.namespace) &&
      (!sel.labels || matchesLabels(sel.labels, obj.metadata.labels)) &&
      (!sel.fields || matchesFields(sel.fields, obj));
    const items: KubeObject[] = [];
    const limit = sel.limit && sel.limit > 0 ? sel.limit : Infinity;
    const countRest = !sel.labels && !sel.fields;
    let lastKey: string | undefined;
    let more = 0;
    let x = 0;
    let next = current.next();
    for (;;) {
      let key: string;
      if (!next.done && (x >= extra.length || next.value < extra[x])) {
        key = next.value;
        next = current.next();
      } else if (x < extra.length) {
        key = extra[x++];
      } else break;
      const obj = undone.has(key) ? undone.get(key) : this.objects.get(key);
      if (!obj || !selects(obj)) continue;
      if (items.length < limit) {
        items.push(obj);
        lastKey = key;
        continue;
      }
      more++;
      if (!countRest) break;
    }
    if (more === 0) return { items };
    return { items, continueAfter: lastKey, ...(countRest ? { remainingItemCount: more } : {}) };
  }

  /** Starts a watch after `from` (which `covers`): the window's later changes now, then live ones. */
  watch(filter: WatchFilter, from: bigint, sink: WatchSink): { stop(): void; resourceVersion(): string } {
    for (let i = this.windowStart; i < this.window.length; i++) {
      const { rv, change, before } = this.window[i];
      if (rv <= from) continue;
      const event = eventFor(filter, change.type === 'MODIFIED' && before ? { ...change, prevObject: before } : change);
      if (event) sink.send(event.type, event.object);
    }
    const watcher: CacheWatcher = { filter, sink, cursor: this.rv > from ? this.rv : from };
    this.watchers.add(watcher);
    return {
      stop: () => {
        this.watchers.delete(watcher);
      },
      resourceVersion: () => String(watcher.cursor),
    };
  }

  /** Ends every watch with `status` (an ERROR event): the cache is being dropped. */
  endWatches(status: KubeObject): void {
    for (const w of this.watchers) w.sink.send('ERROR', status);
    this.watchers.clear();
    for (const w of this.waiters) w.resolve();
    this.waiters = [];
  }

  /** key -> the object as it was at `at` (undefined: absent then), for every key changed after `at`. */
  private undoneSince(at: bigint): Map<string, KubeObject | undefined> {
    const undone = new Map<string, KubeObject | undefined>();
    if (at >= this.rv) return undone;
    for (let i = this.window.length - 1; i >= this.windowStart && this.window[i].rv > at; i--) {
      const { change, before } = this.window[i];
      // Walking back, the earliest change after `at` is set last: its `before` is the state at `at`.
      undone.set(cacheKey(change.key.namespace || undefined, change.key.name), before);
    }
    return undone;
  }

  private scopeOf(sel: CacheSelection): { keys: SortedKeys | undefined; holdsNow(key: string): boolean } {
    const eq = sel.fields?.requirements.find((r) => r.op === '=' && this.indexes.has(r.field) && r.field !== NAMESPACE_INDEX);
    if (eq) {
      const keys = this.indexes.get(eq.field)!.get(eq.value);
      return {
        keys,
        holdsNow: (key) => {
          const obj = this.objects.get(key);
          return obj !== undefined && fieldValue(obj, eq.field) === eq.value;
        },
      };
    }
    if (sel.namespace !== undefined) {
      const keys = this.indexes.get(NAMESPACE_INDEX)!.get(sel.namespace);
      return { keys, holdsNow: (key) => this.objects.has(key) && splitCacheKey(key).namespace === sel.namespace };
    }
    return { keys: this.all, holdsNow: (key) => this.objects.has(key) };
  }

  /** Stores `obj` under `key`, replacing `before` (the object held there, if any): only the index entries whose value changed move. */
  private put(key: string, obj: KubeObject, before: KubeObject | undefined): void {
    holdEncoded(obj);
    this.objects.set(key, obj);
    if (!before) this.all.add(key);
    for (const [field, index] of this.indexes) {
      const value = fieldValue(obj, field);
      if (before) {
        const was = fieldValue(before, field);
        if (was === value) continue;
        unindexValue(index, was, key);
      }
      let keys = index.get(value);
      if (!keys) index.set(value, (keys = new SortedKeys()));
      keys.add(key);
    }
  }

  private unindex(key: string, obj: KubeObject): void {
    for (const [field, index] of this.indexes) unindexValue(index, fieldValue(obj, field), key);
  }

  private trimWindow(): void {
    if (this.windowSize <= this.windowCapacity) return;
    this.floor = this.window[this.windowStart].rv;
    this.window[this.windowStart++] = undefined as never;
    // Drop the consumed prefix now and then, not on every change.
    if (this.windowStart >= this.windowCapacity) {
      this.window = this.window.slice(this.windowStart);
      this.windowStart = 0;
    }
  }
}

/** Takes `key` out of the index entry for `value`, and the entry out once empty. */
function unindexValue(index: Map<string, SortedKeys>, value: string, key: string): void {
  const keys = index.get(value);
  keys?.delete(key);
  if (keys?.size === 0) index.delete(value);
}
