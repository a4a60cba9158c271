import type { KubeObject, ResourceType } from '@skiff/apimachinery';
import type { ApiClient } from '@skiff/kube-client';
import type { Logger } from 'pino';
import type { EventRecorder } from './events.js';

/** What a controller reconciles: one object of its root kind, by key alone. */
export interface ObjectRef {
  namespace?: string;
  name: string;
}

export interface ReconcileResult {
  /** Reconcile this key again after this long, even if nothing changes (time-based checks). */
  requeueAfterMs?: number;
}

/** The controller manager's informer caches, read-only. */
export interface CacheReader {
  /** Cached view of a watched kind (eventually consistent; read the API for decisions that must not be stale). */
  cache(type: ResourceType): readonly KubeObject[];
  /**
   * The cached objects of a watched kind under one value of an index (CACHE_INDEXES, or one the
   * manager was given in `ManagerOptions.indexes`): the pods of one owner or on one node, without
   * scanning every pod.
   */
  byIndex(type: ResourceType, index: CacheIndex | (string & {}), value: string): readonly KubeObject[];
  /** One cached object by namespace and name. */
  cached(type: ResourceType, ref: ObjectRef): KubeObject | undefined;
}

export interface ReconcileContext extends CacheReader {
  client: ApiClient;
  log: Logger;
  events: EventRecorder;
  now(): Date;
  /**
   * Resolves true once `seen()` holds, checked now and after each change the cache of `type`
   * takes in; false after `timeoutMs`. A controller that reads its children from the cache waits
   * with it until its own writes are there, so its next pass cannot act on a cache without them.
   */
  waitForCache(type: ResourceType, seen: () => boolean, timeoutMs: number): Promise<boolean>;
}

/**
 * The indexes every informer of a controller manager keeps (client-go's Indexers): by namespace,
 * by uid, by the uid of each owner, by the uid of the object's controller (its controlling ownerReference), the namespaces of
 * objects no controller owns (orphans an owner may adopt), and pods by node.
 */
export const CACHE_INDEXES = {
  namespace: (obj: KubeObject) => [obj.metadata.namespace ?? ''],
  uid: (obj: KubeObject) => (obj.metadata.uid ? [obj.metadata.uid] : []),
  /** The uid of every owner (controlling or not): an object's dependents. */
  owner: (obj: KubeObject) => (obj.metadata.ownerReferences ?? []).map((r) => r.uid),
  controller: (obj: KubeObject) => {
    const uid = obj.metadata.ownerReferences?.find((r) => r.controller)?.uid;
    return uid ? [uid] : [];
  },
  orphans: (obj: KubeObject) => (obj.metadata.ownerReferences?.some((r) => r.controller) ? [] : [obj.metadata.namespace ?? '']),
  nodeName: (obj: KubeObject) => {
    const node = (obj.spec as { nodeName?: string } | undefined)?.nodeName;
    return obj.kind === 'Pod' && node ? [node] : [];
  },
} as const;
export type CacheIndex = keyof typeof CACHE_INDEXES;
/** An index function: the values an object is found under. */
export type CacheIndexFunc = (obj: KubeObject) => string[];

/**
 * A controller declares what it reconciles and what wakes it; the shared runner owns the queue,
 * retries, metrics, logging and the promise that one key is never reconciled twice at once.
 * Errors: throw to retry with backoff; throw TerminalError for input that will never succeed.
 */
export interface Controller {
  name: string;
  for: ResourceType;
  /** Child kinds: a change to a child wakes its controlling owner of the `for` kind. */
  owns?: ResourceType[];
  /** Other kinds, with how a change maps to keys of the `for` kind. */
  watches?: { type: ResourceType; map(obj: KubeObject, ctx: CacheReader): ObjectRef[] }[];
  /**
   * Which objects of the `for` kind can need a reconcile at all (controller-runtime's predicates):
   * others are never queued, by events or by resync. It must depend on the object alone.
   */
  filter?(obj: KubeObject): boolean;
  /**
   * Which updates of a `for` object can need a reconcile (controller-runtime's update predicates):
   * others wake nothing. Adds, deletes and resyncs always do. At scale this keeps, say, a Lease
   * renewal or a pod's status write from queueing the garbage collector.
   */
  updated?(obj: KubeObject, old: KubeObject): boolean;
  /** Indexes of its own that every informer of the manager keeps (read with `byIndex`). */
  indexes?: Record<string, CacheIndexFunc>;
  /** Workers per process. */
  concurrency?: number;
  /**
   * Keys asked for urgently (`ControllerManager.enqueue(name, ref, { urgent: true })`, e.g. a
   * commit that changed what an Application renders) run before the keys informers and resyncs
   * queue, and move ahead when one is queued already. Off by default: priorities cost BullMQ a
   * little, so only controllers with such keys pay it.
   */
  urgentFirst?: boolean;
  /**
   * Keys go to BullMQ in batches: those queued in one turn of the event loop become one job of up
   * to `maxKeys` keys (default 100), whose keys run side by side (at most `concurrency` at once
   * per process), instead of one job per key. A job costs BullMQ a few Redis round trips and
   * scripts; at hundreds of keys a second that was a third of the scheduler's CPU.
   *
   * A key is then kept from being queued twice, and from running twice at once, by this process
   * alone (no job id per key, no dirty marks in Redis): for a controller that runs as one active
   * instance, as the scheduler does. A failing key is retried with the `retry` backoff from this
   * process. Not with `urgentFirst`.
   */
  batch?: { maxKeys?: number };
  /** Every key of the `for` kind is reconciled at least this often. */
  resyncMs?: number;
  /**
   * The periodic resync also passes every cached object of the owned and watched kinds through
   * their mappings, for a controller whose keys may name objects that do not exist (the pod
   * garbage collector's missing nodes), which a resync of its own kind never reaches. Cheap only
   * when the mappings usually return nothing.
   */
  resyncWatched?: boolean;
  /**
   * Backoff of a failing key: `baseMs * 2^(attempt-1)`, capped at `maxMs`, for `attempts` tries
   * (default 100 ms, 30 s, 1000). A key whose tries run out is queued again by the next resync.
   */
  retry?: { baseMs?: number; maxMs?: number; attempts?: number };
  reconcile(ref: ObjectRef, ctx: ReconcileContext): Promise<ReconcileResult | void>;
}

export class TerminalError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TerminalError';
  }
}

export function refKey(ref: ObjectRef): string {
  return ref.namespace ? `${ref.namespace}/${ref.name}` : ref.name;
}

export function parseRefKey(key: string): ObjectRef {
  const slash = key.indexOf('/');
  return slash < 0 ? { name: key } : { namespace: key.slice(0, slash), name: key.slice(slash + 1) };
}

export function refOf(obj: KubeObject): ObjectRef {
  return { namespace: obj.metadata.namespace, name: obj.metadata.name! };
}

/** A CacheReader over fixed lists (for pure tests of watch maps): its indexes are scans. */
export function cacheReaderOf(list: (type: ResourceType) => readonly KubeObject[], indexes: Record<string, CacheIndexFunc> = {}): CacheReader {
  const all: Record<string, CacheIndexFunc> = { ...CACHE_INDEXES, ...indexes };
  return {
    cache: list,
    byIndex: (type, index, value) => list(type).filter((o) => all[index](o).includes(value)),
    cached: (type, ref) => list(type).find((o) => o.metadata.name === ref.name && o.metadata.namespace === ref.namespace),
  };
}
