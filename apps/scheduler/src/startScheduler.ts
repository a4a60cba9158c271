import { ControllerManager } from '@skiff/controller-runtime';
import { clientFor, type ConnectionOptions } from '@skiff/kube-client';
import { pino, type Logger } from 'pino';
import { Registry } from 'prom-client';
import type { Profile } from './framework/types.js';
import { EventQueue } from './eventQueue.js';
import { SchedulerMetrics } from './metrics.js';
import { SchedulerCache } from './schedulerCache.js';
import { NODES, PERSISTENTVOLUMECLAIMS, PERSISTENTVOLUMES, PODS, schedulerController, STORAGECLASSES } from './schedulerController.js';

export interface SchedulerOptions extends ConnectionOptions {
  redisUrl: string;
  /** BullMQ key prefix: one per cluster (and per test run). */
  prefix: string;
  log?: Logger;
  registry?: Registry;
  /** Bindings in flight at once (default 64). */
  concurrency?: number;
  schedulerName?: string;
  profile?: Profile;
  now?: () => Date;
  resyncMs?: number;
  backoffInitialMs?: number;
  backoffMaxMs?: number;
  /** kube-scheduler's percentageOfNodesToScore: 0 (default) adaptive, 100 every node. */
  percentageOfNodesToScore?: number;
  /** Scheduled events sent per second (0: no limit) and at once: default 50 and 100, as kube-scheduler's event client. */
  eventsQps?: number;
  eventsBurst?: number;
}

export interface RunningScheduler {
  registry: Registry;
  stop(): Promise<void>;
}

/**
 * Starts the scheduler: informers on pods and nodes feed its cache, the shared controller runner
 * feeds it pending pods. Run one per cluster: the assumed-pods cache that prevents overbooking
 * lives in this process (kube-scheduler runs one active instance, by leader election, for the
 * same reason).
 */
export async function startScheduler(opts: SchedulerOptions): Promise<RunningScheduler> {
  const log = opts.log ?? pino({ level: 'info' });
  const client = clientFor(opts, 'skiff-scheduler');
  const registry = opts.registry ?? new Registry();
  const cache = new SchedulerCache(opts.schedulerName);
  const metrics = new SchedulerMetrics(registry, () => cache.unschedulableKeys().length);
  const manager = new ControllerManager({ client, redisUrl: opts.redisUrl, prefix: opts.prefix, log, component: opts.schedulerName ?? 'default-scheduler', registry, now: opts.now, resyncMs: opts.resyncMs });
  const scheduledEvents = new EventQueue(manager.events, { qps: opts.eventsQps, burst: opts.eventsBurst, onDrop: () => metrics.eventsDropped.inc() });
  manager.add(
    schedulerController({
      cache,
      metrics,
      profile: opts.profile,
      schedulerName: opts.schedulerName,
      concurrency: opts.concurrency,
      backoffInitialMs: opts.backoffInitialMs,
      backoffMaxMs: opts.backoffMaxMs,
      percentageOfNodesToScore: opts.percentageOfNodesToScore,
      lookup: {
        pod: (key) => manager.informer(PODS).get(key),
        node: (name) => manager.informer(NODES).get(name),
        claim: (namespace, name) => manager.informer(PERSISTENTVOLUMECLAIMS).get(`${namespace}/${name}`),
        volumes: () => manager.informer(PERSISTENTVOLUMES).list(),
        storageClass: (name) => manager.informer(STORAGECLASSES).get(name),
      },
      scheduledEvents,
    }),
  );
  try {
    await manager.start();
  } catch (err) {
    await manager.stop();
    throw err;
  }
  log.info({ prefix: opts.prefix }, 'scheduler started');
  return {
    registry,
    async stop() {
      await manager.stop();
      await scheduledEvents.flush();
    },
  };
}
