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
/** Keys per job of a batching controller (Controller.batch), unless it says. */
const BATCH_KEYS = 100;
/** Jobs of a batching controller each process runs at once: one draining while the next is fetched. */
const BATCH_JOBS = 2;

/** A failing key's wait before its next try: `baseMs * 2^(attempt-1)`, capped at `maxMs`. */
function retryDelayMs(attempt: number, retry: Controller['retry']): number {
  return Math.min((retry?.baseMs ?? RETRY_BASE_MS) * 2 ** Math.max(0, attempt - 1), retry?.maxMs ?? RETRY_MAX_MS);
}

/**
 * Runs controllers: shared informers feed keys into one BullMQ queue per controller (job id = key,
 * so a burst of changes to one object is one job); workers reconcile by key.
 *
 * A key changed while its job runs is marked dirty in Redis and queued again when the job
 * finishes, so no change is missed and no key runs twice at once. A periodic resync re-queues
 * every key, so a lost event or a flushed Redis cannot leave the cluster unconverged.
 *
 * A controller that runs as one active instance may batch instead (Controller.batch): the keys
 * queued in one turn of the event loop are one job, and this process keeps a key from being
 * queued or run twice.
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
    if (controller.batch && controller.urgentFirst) throw new Error(`controller ${controller.name}: batch and urgentFirst do not go together`);
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
  /** Batch mode (Controller.batch): keys queued and not started yet, with when they were queued. */
  private readonly queued = new Map<string, number>();
  /** Batch mode: keys queued in this turn of the event loop, not yet in a job. */
  private batchKeys: string[] = [];
  /** Batch mode: failed tries of each failing key, for its backoff. */
  private readonly failures = new Map<string, number>();
  /** Batch mode: keys reconciling now (at most the controller's concurrency), and runs waiting for a turn. */
  private active = 0;
  private readonly waitingForSlot: (() => void)[] = [];

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
    if (this.controller.batch) return this.addToBatch(key);
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

  /** Batch mode: the key goes into this turn's job, unless it waits in one already. */
  private addToBatch(key: string): void {
    if (this.queued.has(key)) return;
    this.queued.set(key, Date.now());
    this.batchKeys.push(key);
    if (this.batchKeys.length === 1) setImmediate(() => void this.flushBatch());
  }

  /** This turn's keys as jobs of up to maxKeys, in one addBulk (the turn has passed already: no TickBatch). */
  private async flushBatch(): Promise<void> {
    const keys = this.batchKeys;
    this.batchKeys = [];
    const max = this.controller.batch?.maxKeys ?? BATCH_KEYS;
    const jobs = [];
    for (let i = 0; i < keys.length; i += max) {
      jobs.push({ name: 'reconcile-batch', data: { keys: keys.slice(i, i + max) }, opts: { removeOnComplete: true, removeOnFail: true } });
    }
    try {
      await this.queue!.addBulk(jobs);
    } catch (err) {
      for (const key of keys) this.queued.delete(key);
      this.opts.log.warn({ controller: this.controller.name, keys: keys.length, err: (err as Error).message }, 'enqueue failed; the next resync will retry');
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
      concurrency: this.controller.batch ? BATCH_JOBS : (this.controller.concurrency ?? 4),
      lockDuration: this.opts.lockDurationMs ?? 5000,
      stalledInterval: this.opts.lockDurationMs ?? 5000,
      settings: { backoffStrategy: (attempts: number) => retryDelayMs(attempts, retry) },
    });
    this.worker.on('error', (err) => this.opts.log.warn({ controller: this.controller.name, err: err.message }, 'worker error'));
    // A batch's job has no key of its own: nothing was marked dirty for it.
    this.worker.on('completed', (job: Job) => {
      if (typeof job.data.key === 'string') void this.afterRun(job.data.key);
    });
    this.worker.on('failed', (job: Job | undefined, err: Error) => {
      if (job && typeof job.data.key === 'string' && err.name === 'UnrecoverableError') void this.afterRun(job.data.key);
    });
    this.started = true;

    for (const [key, urgent] of this.pendingBeforeStart) void this.add(key, urgent);
    this.pendingBeforeStart.clear();
    this.resync();
    const every = this.controller.resyncMs ?? this.opts.resyncMs ?? 30_000;
    this.resyncTimer = setInterval(() => {
      // A batched key queued a whole period ago should have run: its job was lost (Redis lost its data).
      this.forgetQueued(Date.now() - every);
      this.resync(!!this.controller.resyncWatched);
    }, every);
    this.resyncTimer.unref();
    this.depthTimer = setInterval(() => void this.sampleDepth(), 2000);
    this.depthTimer.unref();
  }

  async stop(): Promise<void> {
    this.started = false;
    if (this.resyncTimer) clearInterval(this.resyncTimer);
    if (this.depthTimer) clearInterval(this.depthTimer);
    for (const t of this.requeueTimers.values()) clearTimeout(t);
    this.queued.clear();
    this.failures.clear();
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
    if (!this.started) return;
    this.forgetQueued(Infinity);
    this.resync(true);
  }

  /** Batch mode: keys queued before `before` are queued again by the next add (their job may be gone). */
  private forgetQueued(before: number): void {
    for (const [key, at] of this.queued) if (at < before) this.queued.delete(key);
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
      if (this.controller.batch) return void this.metrics.depth.set({ controller: this.controller.name }, this.queued.size);
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
    if (Array.isArray(job.data.keys)) return this.processBatch(job.data.keys as string[]);
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
    await this.manager.command((p) => p.del(this.dirtyKey(key)));
    const failure = await this.reconcileOnce(key, job.attemptsMade + 1);
    if (failure) throw failure.terminal ? new UnrecoverableError(failure.error.message) : failure.error;
  }

  /**
   * Batch mode: runs a job's keys side by side, at most the controller's concurrency at once in
   * this process, and never one key twice at once. A key leaves the queued set when its run
   * starts, so a change during the run queues it again. Each key's failure is its own: retried
   * here with the controller's backoff, never failing the job (which would run every key again).
   */
  private async processBatch(keys: string[]): Promise<void> {
    await Promise.all(
      keys.map(async (key) => {
        await this.slot();
        try {
          this.queued.delete(key);
          if (this.running.has(key)) {
            this.again.add(key);
            return;
          }
          this.running.add(key);
          try {
            await this.reconcileBatched(key);
          } finally {
            this.running.delete(key);
            if (this.again.delete(key) && this.started) void this.add(key);
          }
        } finally {
          this.releaseSlot();
        }
      }),
    );
  }

  private async reconcileBatched(key: string): Promise<void> {
    const attempt = (this.failures.get(key) ?? 0) + 1;
    const failure = await this.reconcileOnce(key, attempt);
    if (!failure || failure.terminal) return void this.failures.delete(key);
    const retry = this.controller.retry;
    if (attempt >= (retry?.attempts ?? RETRY_ATTEMPTS)) {
      this.failures.delete(key);
      this.opts.log.warn({ controller: this.controller.name, key, attempts: attempt }, 'reconcile failed every try; the next resync queues it again');
      return;
    }
    this.failures.set(key, attempt);
    this.requeueAfter(key, retryDelayMs(attempt, retry));
  }

  /** Waits for one of the controller's `concurrency` turns (batch mode). */
  private slot(): Promise<void> {
    if (this.active < (this.controller.concurrency ?? 4)) {
      this.active++;
      return Promise.resolve();
    }
    return new Promise((resolve) => this.waitingForSlot.push(resolve));
  }

  /** Hands the turn to the next run waiting, if any. */
  private releaseSlot(): void {
    const next = this.waitingForSlot.shift();
    if (next) next();
    else this.active--;
  }

  /**
   * One reconcile of `key`, counted and logged: undefined when it succeeded (or the object is
   * gone), else the error and whether it is terminal (never worth a retry).
   */
  private async reconcileOnce(key: string, attempt: number): Promise<{ error: Error; terminal: boolean } | undefined> {
    const name = this.controller.name;
    const log = this.opts.log.child({ controller: name, key });
    const started = performance.now();
    try {
      const result = await this.controller.reconcile(parseRefKey(key), this.manager.context(log));
      const ms = performance.now() - started;
      this.metrics.reconciles.inc({ controller: name, result: 'success' });
      this.metrics.duration.observe({ controller: name }, ms / 1000);
      log.debug({ ms: Math.round(ms * 10) / 10 }, 'reconciled');
      if (result?.requeueAfterMs !== undefined) this.requeueAfter(key, result.requeueAfterMs);
      return undefined;
    } catch (err) {
      const ms = performance.now() - started;
      this.metrics.duration.observe({ controller: name }, ms / 1000);
      if (err instanceof TerminalError) {
        this.metrics.reconciles.inc({ controller: name, result: 'terminal' });
        log.error({ err: err.message, ms: Math.round(ms) }, 'reconcile failed terminally; not retrying');
        return { error: err, terminal: true };
      }
      if (err instanceof NotFoundError) {
        // The object went away between the event and the read: nothing to retry.
        this.metrics.reconciles.inc({ controller: name, result: 'success' });
        return undefined;
      }
      this.metrics.reconciles.inc({ controller: name, result: 'error' });
      log.warn({ err: (err as Error).message, attempt, ms: Math.round(ms) }, 'reconcile failed; retrying with backoff');
      return { error: err as Error, terminal: false };
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
