import { Queue, UnrecoverableError, Worker, type Job, type JobsOptions } from 'bullmq';
import { Redis, type ChainableCommander } from 'ioredis';
import { deepEqual, groupVersion, NotFoundError, type KubeObject, type ResourceType } from '@skiff/apimachinery';
import { Informer, type ApiClient } from '@skiff/kube-client';
import type { Logger } from 'pino';
import { Registry } from 'prom-client';
import { CACHE_INDEXES, parseRefKey, refKey, TerminalError, type CacheIndex, type CacheIndexFunc, type Controller, type ObjectRef, type ReconcileContext } from './controller.js';
import { EventRecorder } from './events.js';
import { RunnerMetrics } from './metrics.js';
import { TickBatch } from './tickBatch.js';

export interface ManagerOptions {
  client: ApiClient;
  redisUrl: string;
  /** BullMQ key prefix: one per cluster (and per test run). */
  prefix: string;
  log: Logger;
  /** Reported as the source of Events. */
  component: string;
  now?: () => Date;
  registry?: Registry;
  /** Default resync period for controllers that do not set their own. */
  resyncMs?: number;
  /** How long a crashed worker's job stays locked before another worker takes it over. */
  lockDurationMs?: number;
}

const RETRY_BASE_MS = 100;
const RETRY_MAX_MS = 30_000;
const RETRY_ATTEMPTS = 1000;
/** The BullMQ priority of a key queued by informers and resyncs when urgent keys go first (Controller.urgentFirst). */
const BACKGROUND_PRIORITY = 10;
/** The dirty mark of a key asked for urgently while it ran. */
const URGENT = 'urgent';

/**
 * Runs controllers: shared informers feed keys into one BullMQ queue per controller (job id = key,
 * so a burst of changes to one object is one job); workers reconcile by key.
 *
 * A key changed while its job runs is marked dirty in Redis and queued again when the job
 * finishes, so no change is missed and no key runs twice at once. A periodic resync re-queues
 * every key, so a lost event or a flushed Redis cannot leave the cluster unconverged.
 */
export class ControllerManager {
  readonly registry: Registry;
  private readonly metrics: RunnerMetrics;
  private readonly informers = new Map<string, Informer>();
  private readonly runners: ControllerRunner[] = [];
  /** What every informer indexes: CACHE_INDEXES and the controllers' own. */
  private readonly indexes: Record<string, CacheIndexFunc> = { ...CACHE_INDEXES };
  private readonly connection: Redis;
  private readonly now: () => Date;
  /** Keys were dropped because Redis was away: resync when it is back. */
  private missedWhileAway = false;
  readonly events: EventRecorder;
  /** The runners' own Redis commands (dirty marks) of one turn of the event loop, as one pipeline. */
  private readonly commands = new TickBatch<(p: ChainableCommander) => void, unknown>(async (adds) => {
    const pipeline = this.connection.pipeline();
    for (const add of adds) add(pipeline);
    return ((await pipeline.exec()) ?? []).map(([err, value]) => err ?? value);
  });

  constructor(private readonly opts: ManagerOptions) {
    this.registry = opts.registry ?? new Registry();
    this.metrics = new RunnerMetrics(this.registry);
    this.connection = new Redis(opts.redisUrl, { maxRetriesPerRequest: null, lazyConnect: false });
    this.connection.on('error', (err) => opts.log.warn({ err: err.message }, 'redis connection error'));
    // Keys dropped while Redis was away are all in the informers' caches: queue everything again.
    this.connection.on('ready', () => {
      if (!this.missedWhileAway) return;
      this.missedWhileAway = false;
      opts.log.info('redis is back; queueing every key again');
      for (const r of this.runners) r.resyncNow();
    });
    this.now = opts.now ?? (() => new Date());
    this.events = new EventRecorder(opts.client, opts.component, opts.log, this.now);
  }

  add(controller: Controller): void {
    if (this.informers.size) throw new Error(`controller ${controller.name} added after the informers were made`);
    Object.assign(this.indexes, controller.indexes);
    this.runners.push(new ControllerRunner(controller, this, this.opts, this.metrics));
  }

  informer(type: ResourceType): Informer {
    const id = informerId(type);
    let inf = this.informers.get(id);
    if (!inf) {
      inf = new Informer(this.opts.client, type, {
        onAdd: (obj) => this.dispatch(type, obj),
        onUpdate: (obj, old) => {
          this.dispatch(type, obj, old);
          // An ownerReference or a label that changed must wake the previous owner, or whoever
          // selected the object by its old labels, too.
          if (
            !deepEqual(old.metadata.ownerReferences, obj.metadata.ownerReferences) ||
            !deepEqual(old.metadata.labels ?? {}, obj.metadata.labels ?? {})
          ) {
            this.dispatch(type, old);
          }
        },
        onDelete: (obj) => this.dispatch(type, obj),
      }, { log: this.opts.log, indexers: this.indexes });
      this.informers.set(id, inf);
    }
    return inf;
  }

  cache = (type: ResourceType): readonly KubeObject[] => this.informer(type).list();

  byIndex = (type: ResourceType, index: CacheIndex | (string & {}), value: string): readonly KubeObject[] => this.informer(type).byIndex(index, value);

  cached = (type: ResourceType, ref: ObjectRef): KubeObject | undefined => this.informer(type).get(refKey(ref));

  /** Waiters for a cache state, by informer id, checked after each change of that kind. */
  private readonly cacheWaiters = new Map<string, Set<() => void>>();

  waitForCache = (type: ResourceType, seen: () => boolean, timeoutMs: number): Promise<boolean> => {
    if (seen()) return Promise.resolve(true);
    const id = informerId(type);
    let waiters = this.cacheWaiters.get(id);
    if (!waiters) this.cacheWaiters.set(id, (waiters = new Set()));
    const all = waiters;
    return new Promise((resolve) => {
      const done = (ok: boolean) => {
        clearTimeout(timer);
        all.delete(check);
        resolve(ok);
      };
      const check = () => {
        if (seen()) done(true);
      };
      const timer = setTimeout(() => done(false), timeoutMs);
      all.add(check);
    });
  };

  /**
   * Queues a key for a controller from outside the informers (a git ref changed, say); `urgent`
   * puts it ahead of the keys informers and resyncs queued (see Controller.urgentFirst).
   */
  enqueue(controllerName: string, ref: ObjectRef, opts: { urgent?: boolean } = {}): void {
    const runner = this.runners.find((r) => r.name === controllerName);
    if (!runner) throw new Error(`no controller named ${controllerName}`);
    runner.enqueue(ref, !!opts.urgent);
  }

  context(log: Logger): ReconcileContext {
    return { client: this.opts.client, log, events: this.events, now: this.now, cache: this.cache, byIndex: this.byIndex, cached: this.cached, waitForCache: this.waitForCache };
  }

  get redis(): Redis {
    return this.connection;
  }

  /** One command, sent with the others of this turn of the event loop in one pipeline. */
  command<R>(add: (p: ChainableCommander) => void): Promise<R> {
    return this.commands.add(add) as Promise<R>;
  }

  /**
   * Whether a key may be queued now. While Redis is away nothing is queued (commands would pile
   * up in the client for as long as it is gone, every resync adding a copy of every key); the
   * informers keep every object, so one resync when Redis is back catches up.
   */
  canQueue(): boolean {
    if (this.connection.status === 'ready') return true;
    if (!this.missedWhileAway) this.opts.log.warn({ status: this.connection.status }, 'redis is away; keys are not queued until it is back');
    this.missedWhileAway = true;
    return false;
  }

  async start(): Promise<void> {
    for (const r of this.runners) r.declareInformers();
    for (const inf of this.informers.values()) inf.start();
    await Promise.all([...this.informers.values()].map((i) => i.waitForSync()));
    // Keys asked for before Redis answers are dropped (see canQueue) and only a resync brings them
    // back: give a connection still being made a few seconds first, as a busy machine may need.
    await this.redisReady(10_000);
    for (const r of this.runners) await r.start();
  }

  /** Resolves once the Redis connection is ready, or after `ms` (a Redis that is away is handled by canQueue). */
  private redisReady(ms: number): Promise<void> {
    if (this.connection.status === 'ready') return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.connection.off('ready', done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.connection.on('ready', done);
    });
  }

  async stop(): Promise<void> {
    for (const inf of this.informers.values()) inf.stop();
    await Promise.all(this.runners.map((r) => r.stop()));
    this.connection.disconnect();
  }

  private dispatch(type: ResourceType, obj: KubeObject, old?: KubeObject): void {
    for (const r of this.runners) r.onChange(type, obj, old);
    const waiters = this.cacheWaiters.get(informerId(type));
    if (waiters) for (const check of [...waiters]) check();
  }
}

class ControllerRunner {
  private queue: Queue | undefined;
  private worker: Worker | undefined;
  /** BullMQ treats a connection it is handed as shared and never closes it: stop() must. */
  private workerConnection: Redis | undefined;
  private resyncTimer: NodeJS.Timeout | undefined;
  private depthTimer: NodeJS.Timeout | undefined;
  private readonly requeueTimers = new Map<string, NodeJS.Timeout>();
  /** Keys reconciling in this process now, and those asked for again meanwhile. */
  private readonly running = new Set<string>();
  private readonly again = new Set<string>();
  private started = false;
  /** Keys queued before start, and whether urgently. */
  private readonly pendingBeforeStart = new Map<string, boolean>();
  /** The jobs queued in one turn of the event loop, added with one addBulk (one pipeline). */
  private readonly jobs = new TickBatch<{ name: string; data: { key: string }; opts: JobsOptions }, Job>((items) => this.queue!.addBulk(items));

  constructor(
    private readonly controller: Controller,
    private readonly manager: ControllerManager,
    private readonly opts: ManagerOptions,
    private readonly metrics: RunnerMetrics,
  ) {}

  get name(): string {
    return this.controller.name;
  }

  private get queueName(): string {
    return `controller-${this.controller.name}`;
  }

  private dirtyKey(key: string): string {
    return `${this.opts.prefix}:dirty:${this.controller.name}:${key}`;
  }

  declareInformers(): void {
    this.manager.informer(this.controller.for);
    for (const t of this.controller.owns ?? []) this.manager.informer(t);
    for (const w of this.controller.watches ?? []) this.manager.informer(w.type);
  }

  /** `old`: the object before, when this is an update. */
  onChange(type: ResourceType, obj: KubeObject, old?: KubeObject): void {
    const c = this.controller;
    if (sameType(type, c.for) && (!c.filter || c.filter(obj)) && (!old || !c.updated || c.updated(obj, old))) this.enqueue({ namespace: obj.metadata.namespace, name: obj.metadata.name! });
    if (c.owns?.some((t) => sameType(t, type))) {
      const owner = obj.metadata.ownerReferences?.find((r) => r.controller && r.kind === c.for.kind && r.apiVersion === groupVersion(c.for));
      if (owner) this.enqueue({ namespace: c.for.namespaced ? obj.metadata.namespace : undefined, name: owner.name });
    }
    for (const w of c.watches ?? []) {
      if (sameType(w.type, type)) for (const ref of w.map(obj, this.manager)) this.enqueue(ref);
    }
  }

  enqueue(ref: ObjectRef, urgent = false): void {
    const key = refKey(ref);
    if (!this.started || !this.queue) {
      this.pendingBeforeStart.set(key, urgent || !!this.pendingBeforeStart.get(key));
      return;
    }
    void this.add(key, urgent);
  }

  /**
   * Queues the key (one job per key: a key queued already is not queued twice) and marks it dirty,
   * so a run in progress is followed by another. With `urgentFirst`, other keys wait at
   * BACKGROUND_PRIORITY and an urgent one at none (BullMQ runs those first); an urgent key that
   * is waiting in the background moves up, and its dirty mark says "urgent" for the run after.
   */
  private async add(key: string, urgent = false): Promise<void> {
    if (!this.manager.canQueue()) return;
    const prioritized = !!this.controller.urgentFirst;
    urgent &&= prioritized;
    try {
      const dirty = this.dirtyKey(key);
      // The mark first, then the job: a run that starts in between clears the mark, and runs anyway.
      await this.manager.command((p) => (urgent ? p.set(dirty, URGENT, 'EX', 3600) : p.set(dirty, '1', 'EX', 3600, 'NX')));
      const id = jobId(key);
      const priority = prioritized && !urgent ? BACKGROUND_PRIORITY : 0;
      await this.jobs.add({ name: 'reconcile', data: { key }, opts: { jobId: id, priority, removeOnComplete: true, removeOnFail: true, attempts: this.controller.retry?.attempts ?? RETRY_ATTEMPTS, backoff: { type: 'capped' } } });
      if (urgent) await this.hurry(id);
    } catch (err) {
      this.opts.log.warn({ controller: this.controller.name, key, err: (err as Error).message }, 'enqueue failed; the next resync will retry');
    }
  }

  /** A job for the key was waiting in the background already (the add above kept it): ahead of the rest now. */
  private async hurry(id: string): Promise<void> {
    const job = await this.queue!.getJob(id);
    if (!job?.opts.priority) return;
    // It may have started meanwhile: then there is nothing to move, and the dirty mark runs it again.
    await job.changePriority({ priority: 0 }).catch(() => undefined);
  }

  async start(): Promise<void> {
    const { retry } = this.controller;
    this.workerConnection = this.manager.redis.duplicate();
    this.queue = new Queue(this.queueName, { connection: this.manager.redis, prefix: this.opts.prefix });
    this.worker = new Worker(this.queueName, (job) => this.process(job), {
      connection: this.workerConnection,
      prefix: this.opts.prefix,
      concurrency: this.controller.concurrency ?? 4,
      lockDuration: this.opts.lockDurationMs ?? 5000,
      stalledInterval: this.opts.lockDurationMs ?? 5000,
      settings: { backoffStrategy: (attempts: number) => Math.min((retry?.baseMs ?? RETRY_BASE_MS) * 2 ** Math.max(0, attempts - 1), retry?.maxMs ?? RETRY_MAX_MS) },
    });
    this.worker.on('error', (err) => this.opts.log.warn({ controller: this.controller.name, err: err.message }, 'worker error'));
    this.worker.on('completed', (job: Job) => void this.afterRun(job.data.key as string));
    this.worker.on('failed', (job: Job | undefined, err: Error) => {
      if (job && err.name === 'UnrecoverableError') void this.afterRun(job.data.key as string);
    });
    this.started = true;

    for (const [key, urgent] of this.pendingBeforeStart) void this.add(key, urgent);
    this.pendingBeforeStart.clear();
    this.resync();
    const every = this.controller.resyncMs ?? this.opts.resyncMs ?? 30_000;
    this.resyncTimer = setInterval(() => this.resync(!!this.controller.resyncWatched), every);
    this.resyncTimer.unref();
    this.depthTimer = setInterval(() => void this.sampleDepth(), 2000);
    this.depthTimer.unref();
  }

  async stop(): Promise<void> {
    this.started = false;
    if (this.resyncTimer) clearInterval(this.resyncTimer);
    if (this.depthTimer) clearInterval(this.depthTimer);
    for (const t of this.requeueTimers.values()) clearTimeout(t);
    await this.worker?.close();
    await this.queue?.close();
    this.workerConnection?.disconnect();
  }

  /**
   * Redis came back: queues every key again, those of the controller's kind and those its owned
   * and watched kinds map to (a key dropped while Redis was away may be one only a watched object
   * names, such as the missing node the pod garbage collector is keyed by), by passing every
   * cached object of those kinds through onChange as an informer event would.
   */
  resyncNow(): void {
    if (this.started) this.resync(true);
  }

  /** Queues every key of the controller's kind; with `watched`, also every key its owned and watched kinds' cached objects map to. */
  private resync(watched = false): void {
    const c = this.controller;
    for (const obj of this.manager.cache(c.for)) {
      if (!c.filter || c.filter(obj)) this.enqueue({ namespace: obj.metadata.namespace, name: obj.metadata.name! });
    }
    if (!watched) return;
    const others = [...(c.owns ?? []), ...(c.watches ?? []).map((w) => w.type)].filter((t, i, all) => !sameType(t, c.for) && all.findIndex((u) => sameType(u, t)) === i);
    for (const type of others) for (const obj of this.manager.cache(type)) this.onChange(type, obj);
  }

  private async sampleDepth(): Promise<void> {
    if (this.manager.redis.status !== 'ready') return;
    try {
      const counts = await this.queue!.getJobCounts('waiting', 'delayed', 'prioritized');
      this.metrics.depth.set({ controller: this.controller.name }, (counts.waiting ?? 0) + (counts.delayed ?? 0) + (counts.prioritized ?? 0));
    } catch {
      /* Redis away: the gauge keeps its last value */
    }
  }

  /** A change that arrived while the key ran queues it again, now that its job is gone. */
  private async afterRun(key: string): Promise<void> {
    try {
      const dirtyKey = this.dirtyKey(key);
      const dirty = await this.manager.command<string | null>((p) => p.getdel(dirtyKey));
      if (dirty) await this.add(key, dirty === URGENT);
    } catch (err) {
      this.opts.log.warn({ controller: this.controller.name, key, err: (err as Error).message }, 'checking for changes during a reconcile failed');
    }
  }

  /**
   * Runs one job, never two of one key at once in this process: Redis's job ids keep a key from
   * being queued twice, but a Redis that lost its data (flushed, restarted empty) no longer
   * knows a key is running. A job for a key that is running here is run again after it instead.
   */
  private async process(job: Job): Promise<void> {
    const key = job.data.key as string;
    if (this.running.has(key)) {
      this.again.add(key);
      return;
    }
    this.running.add(key);
    try {
      await this.reconcileKey(job, key);
    } finally {
      this.running.delete(key);
      if (this.again.delete(key) && this.started) void this.add(key);
    }
  }

  private async reconcileKey(job: Job, key: string): Promise<void> {
    const name = this.controller.name;
    const dirty = this.dirtyKey(key);
    await this.manager.command((p) => p.del(dirty));
    const log = this.opts.log.child({ controller: name, key });
    const started = performance.now();
    try {
      const result = await this.controller.reconcile(parseRefKey(key), this.manager.context(log));
      const ms = performance.now() - started;
      this.metrics.reconciles.inc({ controller: name, result: 'success' });
      this.metrics.duration.observe({ controller: name }, ms / 1000);
      log.debug({ ms: Math.round(ms * 10) / 10 }, 'reconciled');
      if (result?.requeueAfterMs !== undefined) this.requeueAfter(key, result.requeueAfterMs);
    } catch (err) {
      const ms = performance.now() - started;
      this.metrics.duration.observe({ controller: name }, ms / 1000);
      if (err instanceof TerminalError) {
        this.metrics.reconciles.inc({ controller: name, result: 'terminal' });
        log.error({ err: err.message, ms: Math.round(ms) }, 'reconcile failed terminally; not retrying');
        throw new UnrecoverableError(err.message);
      }
      if (err instanceof NotFoundError) {
        // The object went away between the event and the read: nothing to retry.
        this.metrics.reconciles.inc({ controller: name, result: 'success' });
        return;
      }
      this.metrics.reconciles.inc({ controller: name, result: 'error' });
      log.warn({ err: (err as Error).message, attempt: job.attemptsMade + 1, ms: Math.round(ms) }, 'reconcile failed; retrying with backoff');
      throw err;
    }
  }

  private requeueAfter(key: string, ms: number): void {
    const existing = this.requeueTimers.get(key);
    if (existing) clearTimeout(existing);
    const t = setTimeout(() => {
      this.requeueTimers.delete(key);
      if (this.started) void this.add(key);
    }, Math.max(0, ms));
    t.unref();
    this.requeueTimers.set(key, t);
  }
}

const informerId = (type: ResourceType) => `${groupVersion(type)}/${type.resource}`;

function sameType(a: ResourceType, b: ResourceType): boolean {
  return a.group === b.group && a.resource === b.resource;
}

/** BullMQ job ids may not contain ':'; keys are `namespace/name`. */
function jobId(key: string): string {
  return key.replace(/:/g, '%3A');
}
