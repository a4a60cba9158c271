import {
  ExpiredError,
  NotFoundError,
  parseFieldSelector,
  parseLabelSelector,
  resourceVersionTooLarge,
  type KubeObject,
  type Kind,
} from '@skiff/apimachinery';
import type { Store } from '@skiff/store';
import { Gauge, type Registry } from 'prom-client';
import { asServed, type ListPage } from '../rest.js';
import { expiredStatus, type WatchFilter, type WatchHandle, type WatchHub, type WatchSink } from '../watch.js';
import { decodeContinueToken, encodeContinueToken } from './continueToken.js';
import { cacheKey, ResourceCache, splitCacheKey } from './resourceCache.js';

export interface WatchCacheOptions {
  store: Store;
  hub: WatchHub;
  logger: { warn(obj: object, msg: string): void };
  /** Changes each resource's cache keeps for older reads and watches (default 10,000). */
  windowEvents?: number;
  /** How long a consistent read waits for the cache to reach the store's version before reading the store instead (default 3 s). */
  consistentReadTimeoutMs?: number;
}

export interface CachedListQuery {
  resourceVersion?: string;
  resourceVersionMatch?: string;
  labelSelector?: string;
  fieldSelector?: string;
  limit?: number;
  continue?: string;
}

/** How long a read at a resourceVersion newer than the cache waits for it (kube-apiserver's cacher: 3 s), then 504. */
const WAIT_FOR_VERSION_MS = 3_000;

export const CONTINUE_TOO_OLD =
  'The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter, or use the continue token in this response to retrieve the remainder of the results. Continuing with the provided token results in an inconsistent list - objects that were created, modified, or deleted between the time the first chunk was returned and now may show up in the list.';

/**
 * The API server's watch cache (kube-apiserver's cacher): per resource, an in-memory copy of its
 * objects, made from one consistent list of the store the first time the resource is listed or
 * watched, then kept current by the watch hub's feed, which reads the change log once per commit
 * for this whole process, in commit order. Lists, GETs at resourceVersion 0 and watches from a
 * recent resourceVersion are answered from it; see docs/adr/019-watch-cache.md for which read is
 * served where. Postgres stays the source of truth: the cache holds nothing the log did not say.
 */
export class WatchCache {
  private readonly caches = new Map<string, Promise<ResourceCache>>();
  private readonly ready = new Map<string, { type: Kind; cache: ResourceCache; handle: WatchHandle }>();
  private readonly windowEvents: number;
  private readonly consistentReadTimeoutMs: number;
  private stopped = false;

  constructor(private readonly opts: WatchCacheOptions) {
    this.windowEvents = opts.windowEvents ?? 10_000;
    this.consistentReadTimeoutMs = opts.consistentReadTimeoutMs ?? 3_000;
  }

  /**
   * A list as Kubernetes serves it by resourceVersion: unset, at least the store's newest version
   * (consistent read); "0", whatever the cache holds; "N", not older than N; "N" with
   * resourceVersionMatch=Exact, exactly N; a continue token, at the version of its first page.
   * Undefined when the cache cannot answer and the store should (as before the cache).
   */
  async list(type: Kind, namespace: string | undefined, query: CachedListQuery): Promise<ListPage | undefined> {
    const labels = query.labelSelector ? parseLabelSelector(query.labelSelector) : undefined;
    const fields = query.fieldSelector ? parseFieldSelector(query.fieldSelector) : undefined;
    const token = query.continue ? decodeContinueToken(query.continue) : undefined;
    if (token && token.resourceVersion === undefined) return undefined;
    const rv = token ? token.resourceVersion : query.resourceVersion;
    if (rv !== undefined && rv !== '' && !/^\d{1,19}$/.test(rv)) return undefined;
    const cache = await this.cacheFor(type);
    if (!cache) return undefined;

    let at: bigint;
    if (token) {
      at = BigInt(token.resourceVersion!);
      if (!(await this.reach(cache, at))) throw resourceVersionTooLarge(token.resourceVersion!, String(cache.rv));
      if (!cache.covers(at)) throw new ExpiredError(CONTINUE_TOO_OLD);
    } else if (!rv) {
      const current = BigInt(await this.opts.store.currentResourceVersion());
      if (cache.rv < current) this.opts.hub.refresh();
      if (!(await cache.waitFor(current, this.consistentReadTimeoutMs))) {
        this.opts.logger.warn({ resource: resourceId(type), cache: String(cache.rv), store: String(current) }, 'the watch cache did not reach the store\'s version in time; reading the store');
        return undefined;
      }
      at = cache.rv;
    } else if (query.resourceVersionMatch === 'Exact') {
      at = BigInt(rv);
      if (!(await this.reach(cache, at))) throw resourceVersionTooLarge(rv, String(cache.rv));
      if (!cache.covers(at)) throw new ExpiredError(`too old resource version: ${rv} (${cache.floor})`);
    } else {
      // Not older than `rv`: a cache that does not get there in time leaves it to the store, which waits for it as before.
      if (!(await this.reach(cache, BigInt(rv)))) return undefined;
      at = cache.rv;
    }

    const page = cache.select({
      at,
      namespace: type.namespaced ? namespace : undefined,
      labels,
      fields,
      after: token ? cacheKey(token.namespace, token.name) : undefined,
      limit: query.limit,
    });
    const last = page.continueAfter !== undefined ? splitCacheKey(page.continueAfter) : undefined;
    return {
      items: page.items.map((obj) => served(type, obj)),
      resourceVersion: String(at),
      continue: last ? encodeContinueToken({ ...last, resourceVersion: String(at) }) : undefined,
      remainingItemCount: page.remainingItemCount,
    };
  }

  /** A GET at resourceVersion 0: the cached object when the resource is cached already, else undefined (read the store). */
  getCached(type: Kind, namespace: string | undefined, name: string): KubeObject | undefined {
    const entry = this.ready.get(resourceId(type));
    return entry ? this.cachedObject(entry.cache, type, namespace, name) : undefined;
  }

  /**
   * A GET as Kubernetes serves it by resourceVersion, from the cache (made on first use, as for a
   * list): unset, at least the store's newest version (a consistent read, as a LIST without one:
   * the counter read is shared by concurrent requests); "0", whatever the cache holds; "N", once
   * the cache has applied N. Undefined when the cache cannot answer in time and the store should.
   */
  async get(type: Kind, namespace: string | undefined, name: string, resourceVersion: string | undefined): Promise<KubeObject | undefined> {
    const cache = this.ready.get(resourceId(type))?.cache ?? (await this.cacheFor(type));
    if (!cache) return undefined;
    if (resourceVersion === '0') return this.cachedObject(cache, type, namespace, name);
    if (resourceVersion) {
      if (!/^\d{1,19}$/.test(resourceVersion) || !(await this.reach(cache, BigInt(resourceVersion)))) return undefined;
    } else {
      const current = BigInt(await this.opts.store.currentResourceVersion());
      if (cache.rv < current) {
        this.opts.hub.refresh();
        if (!(await cache.waitFor(current, this.consistentReadTimeoutMs))) return undefined;
      }
    }
    // The cache may have been dropped (and its objects with it) while this read waited.
    return this.ready.get(resourceId(type))?.cache === cache ? this.cachedObject(cache, type, namespace, name) : undefined;
  }

  private cachedObject(cache: ResourceCache, type: Kind, namespace: string | undefined, name: string): KubeObject {
    const obj = cache.get(type.namespaced ? namespace : undefined, name);
    if (!obj) throw new NotFoundError({ kind: type.resource, group: type.group, name });
    return served(type, obj);
  }

  /**
   * The object as the cache holds it now, when its resource is cached (undefined otherwise, or
   * when the cache does not hold it): a write's first guess at the stored object, as kube-apiserver's
   * cacher hands GuaranteedUpdate its cached copy. It may be behind the store; the caller checks it
   * with the write's resourceVersion precondition. Shared with lists and events: never change it.
   */
  latest(type: Kind, namespace: string | undefined, name: string): KubeObject | undefined {
    return this.ready.get(resourceId(type))?.cache.get(type.namespaced ? namespace : undefined, name);
  }

  /**
   * A watch after `from`: from memory when the cache's window reaches back that far, otherwise
   * from the change log through the hub (which answers 410 once the log is compacted past it).
   */
  async watch(filter: WatchFilter, from: string, sink: WatchSink): Promise<WatchHandle> {
    const cache = await this.cacheFor(filter.type);
    const rv = BigInt(from);
    if (cache && rv >= cache.floor && (await this.reach(cache, rv)) && cache.covers(rv)) return cache.watch(filter, rv, sink);
    return this.opts.hub.watch(filter, from, sink);
  }

  /** Watches served from memory, less the hub watches that feed the caches: added to the hub's count, the watches clients hold. */
  get watcherCount(): number {
    let n = 0;
    for (const { cache } of this.ready.values()) n += cache.watcherCount - 1;
    return n;
  }

  /** Objects and window changes held, per cached resource. */
  sizes(): { group: string; resource: string; objects: number; events: number }[] {
    return [...this.ready.values()].map(({ type, cache }) => ({ group: type.group, resource: type.resource, objects: cache.size, events: cache.windowSize }));
  }

  stop(): void {
    this.stopped = true;
    for (const id of [...this.ready.keys()]) this.drop(id, 'the API server is shutting down');
  }

  /** Waits (up to 3 s) until the cache has applied `rv`; false if it has not by then. */
  private async reach(cache: ResourceCache, rv: bigint): Promise<boolean> {
    if (cache.rv >= rv) return true;
    this.opts.hub.refresh();
    return cache.waitFor(rv, WAIT_FOR_VERSION_MS);
  }

  /** The resource's cache, made on first use; undefined when it could not be made (the store answers instead). */
  private async cacheFor(type: Kind): Promise<ResourceCache | undefined> {
    if (this.stopped) return undefined;
    const id = resourceId(type);
    let pending = this.caches.get(id);
    if (!pending) {
      pending = this.fill(id, type);
      this.caches.set(id, pending);
      pending.catch(() => this.caches.delete(id));
    }
    try {
      return await pending;
    } catch (err) {
      this.opts.logger.warn({ err: (err as Error).message, resource: id }, 'filling the watch cache failed; reading the store');
      return undefined;
    }
  }

  private async fill(id: string, type: Kind): Promise<ResourceCache> {
    const storage = type.conversion?.storage ?? type;
    const cache = new ResourceCache(['metadata.name', ...(storage.cacheIndexes ?? type.cacheIndexes ?? [])], this.windowEvents);
    const all = await this.opts.store.list({ group: type.group, resource: type.resource });
    cache.reset(all.items, BigInt(all.resourceVersion));
    const handle = await this.opts.hub.watch({ type }, all.resourceVersion, {
      change: (change) => {
        if (change.key.group === type.group && change.key.resource === type.resource) cache.apply(change);
        else cache.advance(BigInt(change.resourceVersion));
      },
      // The hub fell behind the log's compaction: this copy missed changes. The next use refills it.
      send: (eventType, object) => {
        if (eventType === 'ERROR') this.drop(id, (object as { message?: string }).message ?? 'the watch cache fell behind');
      },
    });
    if (this.stopped) {
      handle.stop();
      throw new Error('stopped');
    }
    this.ready.set(id, { type, cache, handle });
    return cache;
  }

  private drop(id: string, reason: string): void {
    const entry = this.ready.get(id);
    this.ready.delete(id);
    this.caches.delete(id);
    if (!entry) return;
    entry.handle.stop();
    entry.cache.endWatches(expiredStatus(reason));
  }
}

function resourceId(type: { group: string; resource: string }): string {
  return `${type.group}/${type.resource}`;
}

/** The stored object as the requested version shows it (see Rest.list). */
function served(type: Kind, obj: KubeObject): KubeObject {
  const conv = type.conversion;
  return conv ? conv.fromStorage(asServed(conv.storage, obj)) : asServed(type, obj);
}

/** Objects and window changes per cached resource, as gauges on the server's registry. */
export function registerWatchCacheMetrics(registry: Registry, cache: WatchCache): void {
  const gauges = [
    { name: 'apiserver_watch_cache_objects', help: 'Objects held in the watch cache, per resource.', count: 'objects' },
    { name: 'apiserver_watch_cache_events', help: 'Recent changes held in the watch cache for older reads and watches, per resource.', count: 'events' },
  ] as const;
  for (const { name, help, count } of gauges) {
    new Gauge({
      name,
      help,
      labelNames: ['group', 'resource'],
      registers: [registry],
      collect() {
        this.reset();
        for (const s of cache.sizes()) this.set({ group: s.group, resource: s.resource }, s[count]);
      },
    });
  }
}
