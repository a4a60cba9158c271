import { findResource, TOKEN_NAMESPACE, type Kind, type KubeObject, type ObjectKey, type WatchEventType } from '@skiff/apimachinery';
import type { Store } from '@skiff/store';
import type { Logger } from 'pino';
import { byName } from './objects.js';
import type { WatchHandle, WatchHub } from './watch.js';

const NAMESPACES = findResource('', 'v1', 'namespaces')!;
const RESOURCE_QUOTAS = findResource('', 'v1', 'resourcequotas')!;
const LIMIT_RANGES = findResource('', 'v1', 'limitranges')!;
const SECRETS = findResource('', 'v1', 'secrets')!;

/** Called after a write of this process committed: the object as stored, or as deleted. */
export type WriteListener = (key: ObjectKey, object: KubeObject, deleted: boolean) => void;

/**
 * The store, telling `listeners` of every write it commits before the write's promise resolves,
 * so a cache of this process is fresh by the time the request that wrote answers.
 */
export function observeWrites(store: Store): { store: Store; onWrite(listener: WriteListener): () => void } {
  const listeners = new Set<WriteListener>();
  const tell = (key: ObjectKey, object: KubeObject, deleted: boolean) => {
    for (const l of listeners) l(key, object, deleted);
    return object;
  };
  const observed: Store = {
    create: async (key, object, opts) => tell(key, await store.create(key, object, opts), false),
    update: async (key, object, pre, opts) => tell(key, await store.update(key, object, pre, opts), false),
    delete: async (key, pre) => tell(key, await store.delete(key, pre), true),
    get: (key) => store.get(key),
    list: (opts) => store.list(opts),
    allocations: (pool) => store.allocations(pool),
    changesSince: (after, filter, limit) => store.changesSince(after, filter, limit),
    currentResourceVersion: () => store.currentResourceVersion(),
    oldestResourceVersion: () => store.oldestResourceVersion(),
    onCommit: (listener) => store.onCommit(listener),
    compact: (keepMs) => store.compact(keepMs),
    close: () => store.close(),
  };
  return {
    store: observed,
    onWrite: (listener) => {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}

interface Entry {
  /** Undefined for a key this process deleted that the watch has not yet reported deleted. */
  object: KubeObject | undefined;
  resourceVersion: bigint;
}

/**
 * One kind (optionally one namespace of it) in memory, for the API server's own lookups on the
 * request path (namespace lifecycle, quota and limit-range admission, token authentication), as
 * kube-apiserver's admission plugins and authenticators read informers instead of etcd.
 *
 * Listed at start, then fed by the watch hub, and by this process's own writes as they commit
 * (`observe`), so a write through this server is seen by the very next request. A write through
 * another API server sharing the database arrives by the hub: NOTIFY plus one change-log read,
 * normally a few milliseconds, and at most the hub's retry delay (1 s) while the database is
 * unreachable. An event older than what is held for its key is ignored, so both paths may report
 * the same change. A key the cache does not hold is looked up in the store (kube's "live lookup"),
 * so an object created through another server a moment ago is never missed by `get`.
 *
 * Objects handed out are shared: callers copy before changing them.
 */
export class KindCache {
  /** By `namespace/name`. */
  private readonly entries = new Map<string, Entry>();
  private watch: WatchHandle | undefined;
  private synced = false;
  private stopped = false;
  private restartTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly deps: { store: Store; hub: WatchHub; log: Pick<Logger, 'warn'> },
    readonly kind: Kind,
    /** Only this namespace's objects (all, when unset). */
    readonly namespace?: string,
  ) {}

  async start(): Promise<void> {
    const { items, resourceVersion } = await this.deps.store.list({ group: this.kind.group, resource: this.kind.resource, namespace: this.namespace });
    this.entries.clear();
    for (const obj of items) this.apply('ADDED', obj);
    this.watch = await this.deps.hub.watch({ type: this.kind, namespace: this.namespace }, resourceVersion, {
      send: (type, obj) => {
        if (type === 'ERROR') this.resync();
        else if (type !== 'BOOKMARK') this.apply(type, obj);
      },
    });
    this.synced = true;
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.restartTimer);
    this.watch?.stop();
  }

  /** Applies a write of this process (see observeWrites). */
  observe(key: ObjectKey, object: KubeObject, deleted: boolean): void {
    if (key.group !== this.kind.group || key.resource !== this.kind.resource) return;
    if (this.namespace !== undefined && key.namespace !== this.namespace) return;
    this.apply(deleted ? 'DELETED' : 'MODIFIED', object, true);
  }

  /** The object, from memory, or from the store when the cache does not hold it. */
  async get(namespace: string, name: string): Promise<KubeObject | undefined> {
    const held = this.synced ? this.entries.get(`${namespace}/${name}`)?.object : undefined;
    if (held) return held;
    return this.deps.store.get({ group: this.kind.group, resource: this.kind.resource, namespace, name });
  }

  /** A namespace's objects in name order. */
  async list(namespace: string): Promise<KubeObject[]> {
    if (!this.synced || (this.namespace !== undefined && namespace !== this.namespace)) {
      return [...(await this.deps.store.list({ group: this.kind.group, resource: this.kind.resource, namespace })).items].sort(byName);
    }
    const prefix = `${namespace}/`;
    const found: KubeObject[] = [];
    for (const [key, entry] of this.entries) if (entry.object && key.startsWith(prefix)) found.push(entry.object);
    return found.sort(byName);
  }

  private apply(type: WatchEventType, obj: KubeObject, local = false): void {
    const key = `${obj.metadata.namespace ?? ''}/${obj.metadata.name}`;
    const rv = BigInt(obj.metadata.resourceVersion ?? '0');
    const held = this.entries.get(key);
    if (held && held.resourceVersion > rv) return;
    // The watch reports changes in commit order: once it reports a delete, nothing older follows,
    // so the key is forgotten. A delete seen first from this process's write stays as a tombstone
    // until then, so the watch's older events cannot bring the object back.
    if (type === 'DELETED' && !local) this.entries.delete(key);
    else this.entries.set(key, { object: type === 'DELETED' ? undefined : obj, resourceVersion: rv });
  }

  /** After the hub lost events (it fell behind the change log): read the store until listed and watching again. */
  private resync(): void {
    this.synced = false;
    this.watch?.stop();
    const attempt = () => {
      if (this.stopped) return;
      this.start().catch((err: Error) => {
        this.deps.log.warn({ err: err.message, resource: this.kind.resource }, 'relisting a cache failed; retrying');
        this.restartTimer = setTimeout(attempt, 1_000);
        this.restartTimer.unref();
      });
    };
    attempt();
  }
}

/** What the API server keeps in memory for its own lookups on the request path (see KindCache). */
export interface ServerCaches {
  /** The store whose writes the caches observe: every write of the server goes through it. */
  store: Store;
  namespaces: KindCache;
  resourceQuotas: KindCache;
  limitRanges: KindCache;
  /** The token Secrets bearer tokens are checked against (in TOKEN_NAMESPACE). */
  tokenSecrets: KindCache;
  stop(): void;
}

export async function startServerCaches(store: Store, hub: WatchHub, log: Pick<Logger, 'warn'>): Promise<ServerCaches> {
  const observed = observeWrites(store);
  const deps = { store, hub, log };
  const caches = {
    namespaces: new KindCache(deps, NAMESPACES),
    resourceQuotas: new KindCache(deps, RESOURCE_QUOTAS),
    limitRanges: new KindCache(deps, LIMIT_RANGES),
    tokenSecrets: new KindCache(deps, SECRETS, TOKEN_NAMESPACE),
  };
  const all = Object.values(caches);
  const unobserve = observed.onWrite((key, object, deleted) => {
    for (const c of all) c.observe(key, object, deleted);
  });
  await Promise.all(all.map((c) => c.start()));
  return {
    store: observed.store,
    ...caches,
    stop: () => {
      unobserve();
      for (const c of all) c.stop();
    },
  };
}
