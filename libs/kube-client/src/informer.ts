import { ExpiredError, keyString, type KubeObject, type ResourceType } from '@skiff/apimachinery';
import type { ApiClient } from './client.js';

export interface InformerHandlers {
  onAdd?(obj: KubeObject): void;
  onUpdate?(obj: KubeObject, old: KubeObject): void;
  onDelete?(obj: KubeObject): void;
  /** After each (re)list, with the full set: lets a consumer resync everything it tracks. */
  onSynced?(objects: KubeObject[]): void;
}

export interface InformerOptions {
  namespace?: string;
  labelSelector?: string;
  fieldSelector?: string;
  /** Delay before reconnecting after an error; doubles up to maxBackoffMs. */
  backoffMs?: number;
  maxBackoffMs?: number;
  log?: { warn(obj: object, msg: string): void };
  /**
   * Named indexes of the cache (client-go's Indexers): each maps an object to the values it is
   * found under, so `byIndex` answers "the pods on node X" or "the pods of owner U" without a scan.
   */
  indexers?: Record<string, IndexFunc>;
}

/** The values an object is indexed under (none: it is not in that index). */
export type IndexFunc = (obj: KubeObject) => string[];

/** The index every informer keeps: objects by namespace ('' for cluster-scoped ones). */
export const NAMESPACE_INDEX = 'namespace';
const byNamespace: IndexFunc = (obj) => [obj.metadata.namespace ?? ''];

export function objectKey(obj: KubeObject): string {
  return obj.metadata.namespace ? `${obj.metadata.namespace}/${obj.metadata.name}` : obj.metadata.name!;
}

/**
 * List, then watch from the list's resourceVersion, keeping a cache; a dropped watch resumes from
 * the last version seen, and a 410 Expired relists (delivering the differences as events).
 */
export class Informer {
  private readonly cache = new Map<string, KubeObject>();
  private resourceVersion = '';
  private abort = new AbortController();
  private running = false;
  private synced = false;
  private syncWaiters: (() => void)[] = [];
  private readonly indexers: Record<string, IndexFunc>;
  /** index name -> value -> object key -> object */
  private readonly indices = new Map<string, Map<string, Map<string, KubeObject>>>();

  constructor(
    private readonly client: ApiClient,
    readonly type: ResourceType,
    private readonly handlers: InformerHandlers,
    private readonly opts: InformerOptions = {},
  ) {
    this.indexers = { [NAMESPACE_INDEX]: byNamespace, ...opts.indexers };
    for (const name of Object.keys(this.indexers)) this.indices.set(name, new Map());
  }

  /** The cached objects indexed under `value` in index `name` (which must be declared). */
  byIndex(name: string, value: string): KubeObject[] {
    const index = this.indices.get(name);
    if (!index) throw new Error(`informer for ${this.type.resource} has no index ${name}`);
    const found = index.get(value);
    return found ? [...found.values()] : [];
  }

  private store(key: string, obj: KubeObject, old: KubeObject | undefined): void {
    if (old) this.unindex(key, old);
    this.cache.set(key, obj);
    for (const [name, fn] of Object.entries(this.indexers)) {
      const index = this.indices.get(name)!;
      for (const value of fn(obj)) {
        let bucket = index.get(value);
        if (!bucket) index.set(value, (bucket = new Map()));
        bucket.set(key, obj);
      }
    }
  }

  private remove(key: string, old: KubeObject): void {
    this.unindex(key, old);
    this.cache.delete(key);
  }

  private unindex(key: string, old: KubeObject): void {
    for (const [name, fn] of Object.entries(this.indexers)) {
      const index = this.indices.get(name)!;
      for (const value of fn(old)) {
        const bucket = index.get(value);
        bucket?.delete(key);
        if (bucket?.size === 0) index.delete(value);
      }
    }
  }

  get(key: string): KubeObject | undefined {
    return this.cache.get(key);
  }

  list(): KubeObject[] {
    return [...this.cache.values()];
  }

  hasSynced(): boolean {
    return this.synced;
  }

  waitForSync(): Promise<void> {
    if (this.synced) return Promise.resolve();
    return new Promise((resolve) => this.syncWaiters.push(resolve));
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    void this.loop();
  }

  stop(): void {
    this.running = false;
    this.abort.abort();
  }

  private async loop(): Promise<void> {
    let backoff = this.opts.backoffMs ?? 200;
    while (this.running) {
      try {
        if (!this.resourceVersion) await this.relist();
        await this.client.watch(
          this.type,
          { namespace: this.opts.namespace, labelSelector: this.opts.labelSelector, fieldSelector: this.opts.fieldSelector, resourceVersion: this.resourceVersion, allowWatchBookmarks: true, timeoutSeconds: 300 },
          (ev) => {
            if (ev.type === 'ERROR') {
              const status = ev.object as unknown as { code?: number; message?: string };
              if (status.code === 410) throw new ExpiredError(status.message ?? 'expired');
              throw new Error(status.message ?? 'watch error');
            }
            this.apply(ev.type, ev.object);
          },
          this.abort.signal,
        );
        backoff = this.opts.backoffMs ?? 200;
      } catch (err) {
        if (!this.running) return;
        if (err instanceof ExpiredError) {
          this.resourceVersion = '';
          continue;
        }
        this.opts.log?.warn({ resource: this.type.resource, err: (err as Error).message }, 'watch failed; retrying');
        await new Promise((r) => setTimeout(r, backoff));
        backoff = Math.min(backoff * 2, this.opts.maxBackoffMs ?? 5000);
      }
    }
  }

  private async relist(): Promise<void> {
    const list = await this.client.list(this.type, { namespace: this.opts.namespace, labelSelector: this.opts.labelSelector, fieldSelector: this.opts.fieldSelector });
    const seen = new Set<string>();
    for (const obj of list.items) {
      const key = objectKey(obj);
      seen.add(key);
      const old = this.cache.get(key);
      this.store(key, obj, old);
      if (!old) this.handlers.onAdd?.(obj);
      else if (old.metadata.resourceVersion !== obj.metadata.resourceVersion) this.handlers.onUpdate?.(obj, old);
    }
    for (const [key, old] of this.cache) {
      if (!seen.has(key)) {
        this.remove(key, old);
        this.handlers.onDelete?.(old);
      }
    }
    this.resourceVersion = list.metadata.resourceVersion;
    this.handlers.onSynced?.(list.items);
    if (!this.synced) {
      this.synced = true;
      for (const w of this.syncWaiters.splice(0)) w();
    }
  }

  private apply(type: string, obj: KubeObject): void {
    if (obj.metadata?.resourceVersion) this.resourceVersion = obj.metadata.resourceVersion;
    if (type === 'BOOKMARK') return;
    const key = objectKey(obj);
    const old = this.cache.get(key);
    if (type === 'DELETED') {
      if (old) this.remove(key, old);
      this.handlers.onDelete?.(old ?? obj);
      return;
    }
    this.store(key, obj, old);
    if (old) this.handlers.onUpdate?.(obj, old);
    else this.handlers.onAdd?.(obj);
  }
}

export { keyString };
