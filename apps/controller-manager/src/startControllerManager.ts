import { ControllerManager } from '@skiff/controller-runtime';
import { clientFor, type ConnectionOptions } from '@skiff/kube-client';
import { pino, type Logger } from 'pino';
import { Registry } from 'prom-client';
import { DEFAULT_CONFIG, type ControllerConfig } from './config.js';
import { CONTROLLERS } from './controllers.js';

export interface ControllerManagerOptions extends ConnectionOptions, Partial<ControllerConfig> {
  redisUrl: string;
  /** BullMQ key prefix: one per cluster (and per test run). */
  prefix: string;
  /** Names from CONTROLLERS; default all. */
  controllers?: string[];
  log?: Logger;
  registry?: Registry;
  now?: () => Date;
  resyncMs?: number;
}

export interface RunningControllerManager {
  registry: Registry;
  controllers: string[];
  stop(): Promise<void>;
}

/**
 * Starts the controllers on the shared runner. Several replicas may run against one cluster:
 * they share the BullMQ queues, and the runner never hands one key to two workers at once.
 */
export async function startControllerManager(opts: ControllerManagerOptions): Promise<RunningControllerManager> {
  const log = opts.log ?? pino({ level: 'info' });
  const client = clientFor(opts, 'skiff-controller-manager');
  const registry = opts.registry ?? new Registry();
  const config: ControllerConfig = {
    nodeMonitorGraceMs: opts.nodeMonitorGraceMs ?? DEFAULT_CONFIG.nodeMonitorGraceMs,
    podEvictionTimeoutMs: opts.podEvictionTimeoutMs ?? DEFAULT_CONFIG.podEvictionTimeoutMs,
    podGcQuarantineMs: opts.podGcQuarantineMs ?? DEFAULT_CONFIG.podGcQuarantineMs,
    hpaSyncPeriodMs: opts.hpaSyncPeriodMs ?? DEFAULT_CONFIG.hpaSyncPeriodMs,
    hpaDownscaleStabilizationMs: opts.hpaDownscaleStabilizationMs ?? DEFAULT_CONFIG.hpaDownscaleStabilizationMs,
    hpaTolerance: opts.hpaTolerance ?? DEFAULT_CONFIG.hpaTolerance,
    nodeEvictionRate: opts.nodeEvictionRate ?? DEFAULT_CONFIG.nodeEvictionRate,
    secondaryNodeEvictionRate: opts.secondaryNodeEvictionRate ?? DEFAULT_CONFIG.secondaryNodeEvictionRate,
    unhealthyZoneThreshold: opts.unhealthyZoneThreshold ?? DEFAULT_CONFIG.unhealthyZoneThreshold,
    largeClusterSizeThreshold: opts.largeClusterSizeThreshold ?? DEFAULT_CONFIG.largeClusterSizeThreshold,
    rootCaPem: opts.rootCaPem,
  };
  const names = opts.controllers ?? Object.keys(CONTROLLERS);
  const unknown = names.filter((n) => !CONTROLLERS[n]);
  if (unknown.length) throw new Error(`unknown controllers: ${unknown.join(', ')} (known: ${Object.keys(CONTROLLERS).join(', ')})`);

  const manager = new ControllerManager({ client, redisUrl: opts.redisUrl, prefix: opts.prefix, log, component: 'controller-manager', registry, now: opts.now, resyncMs: opts.resyncMs });
  for (const name of names) for (const controller of [CONTROLLERS[name](config)].flat()) manager.add(controller);
  try {
    await manager.start();
  } catch (err) {
    await manager.stop();
    throw err;
  }
  log.info({ prefix: opts.prefix, controllers: names }, 'controller manager started');
  return { registry, controllers: names, stop: () => manager.stop() };
}
