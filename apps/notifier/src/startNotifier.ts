import { ControllerManager } from '@skiff/controller-runtime';
import { clientFor, type ConnectionOptions } from '@skiff/kube-client';
import { pino, type Logger } from 'pino';
import { Registry } from 'prom-client';
import { NotifierMetrics } from './metrics.js';
import { webhookController } from './webhookController.js';

export interface NotifierOptions extends ConnectionOptions {
  redisUrl: string;
  /** BullMQ key prefix: one per cluster (and per test run). */
  prefix: string;
  log?: Logger;
  registry?: Registry;
  /** Streams delivering at once (default 8). */
  concurrency?: number;
  now?: () => Date;
  resyncMs?: number;
  /**
   * Backoff of a failing stream: 1 s doubling to 60 s, and 1000 tries (about 16 hours) before the
   * job gives up; the next resync queues the stream again, so retries never really stop.
   */
  retryBaseMs?: number;
  retryMaxMs?: number;
  retryAttempts?: number;
}

export interface RunningNotifier {
  registry: Registry;
  stop(): Promise<void>;
}

const RETRY_BASE_MS = 1000;
const RETRY_MAX_MS = 60_000;
const RETRY_ATTEMPTS = 1000;

/**
 * Starts the notifier: posts the Events Skiff records (syncs, health, rollouts, drift, nodes) to
 * the Webhooks that subscribe to them, signed, in order per Application, each once.
 */
export async function startNotifier(opts: NotifierOptions): Promise<RunningNotifier> {
  const log = opts.log ?? pino({ level: 'info' });
  const client = clientFor(opts, 'skiff-notifier');
  const registry = opts.registry ?? new Registry();
  const metrics = new NotifierMetrics(registry);
  const manager = new ControllerManager({ client, redisUrl: opts.redisUrl, prefix: opts.prefix, log, component: 'skiff-notifier', registry, now: opts.now, resyncMs: opts.resyncMs });
  let stopping = false;
  manager.add(
    webhookController({
      metrics,
      stopping: () => stopping,
      enqueue: (ref) => manager.enqueue('webhook', ref),
      concurrency: opts.concurrency,
      retry: { baseMs: opts.retryBaseMs ?? RETRY_BASE_MS, maxMs: opts.retryMaxMs ?? RETRY_MAX_MS, attempts: opts.retryAttempts ?? RETRY_ATTEMPTS },
    }),
  );
  try {
    await manager.start();
  } catch (err) {
    await manager.stop();
    throw err;
  }
  log.info({ prefix: opts.prefix }, 'notifier started');
  return {
    registry,
    async stop() {
      stopping = true;
      await manager.stop();
    },
  };
}
