import { readFileSync } from 'node:fs';
import { Command, InvalidArgumentError } from 'commander';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { bearerToken, CLIENT_RATE_FLAGS, CREDENTIAL_FLAGS, redisUrl, serveMetrics, stopOnSignals } from '@skiff/controller-runtime';
import { CONTROLLERS, DEFAULT_CONFIG, startControllerManager } from './index.js';
import { exitOnUncaughtFailures } from '@skiff/apimachinery';

function int(name: string) {
  return (v: string): number => {
    if (!/^\d+$/.test(v)) throw new InvalidArgumentError(`${name} must be a non-negative integer`);
    return Number(v);
  };
}

function nonNegative(name: string) {
  return (v: string): number => {
    if (!/^\d+(\.\d+)?$/.test(v)) throw new InvalidArgumentError(`${name} must be a non-negative number`);
    return Number(v);
  };
}

function fraction(name: string) {
  return (v: string): number => {
    const n = nonNegative(name)(v);
    if (n > 1) throw new InvalidArgumentError(`${name} must be between 0 and 1`);
    return n;
  };
}

const program = new Command()
  .name('skiff-controller-manager')
  .description(`Skiff controller manager: ${Object.keys(CONTROLLERS).join(', ')}`)
  .requiredOption('--server <url>', 'API server URL')
  .option('--token <token>', CREDENTIAL_FLAGS.token)
  .option('--token-file <file>', CREDENTIAL_FLAGS.tokenFile)
  .option('--redis-url <url>', CREDENTIAL_FLAGS.redisUrl)
  .option('--queue-prefix <prefix>', 'BullMQ key prefix (one per cluster)', 'skiff')
  .option('--controllers <names>', 'comma-separated subset to run (default: all)')
  .option('--node-monitor-grace-ms <ms>', 'a node whose lease is this old is NotReady', int('--node-monitor-grace-ms'), DEFAULT_CONFIG.nodeMonitorGraceMs)
  .option('--pod-eviction-timeout-ms <ms>', 'pods on a NotReady node are evicted after this long', int('--pod-eviction-timeout-ms'), DEFAULT_CONFIG.podEvictionTimeoutMs)
  .option('--node-eviction-rate <nodes/s>', 'NotReady nodes a second, per zone, whose pods start being evicted', nonNegative('--node-eviction-rate'), DEFAULT_CONFIG.nodeEvictionRate)
  .option('--secondary-node-eviction-rate <nodes/s>', 'the same in an unhealthy zone of more than --large-cluster-size-threshold nodes', nonNegative('--secondary-node-eviction-rate'), DEFAULT_CONFIG.secondaryNodeEvictionRate)
  .option('--unhealthy-zone-threshold <fraction>', 'a zone with at least this fraction (and at least 3) of its nodes NotReady is unhealthy', fraction('--unhealthy-zone-threshold'), DEFAULT_CONFIG.unhealthyZoneThreshold)
  .option('--large-cluster-size-threshold <n>', 'an unhealthy zone of at most this many nodes evicts nothing', int('--large-cluster-size-threshold'), DEFAULT_CONFIG.largeClusterSizeThreshold)
  .option('--horizontal-pod-autoscaler-sync-period-ms <ms>', 'how often each HorizontalPodAutoscaler is evaluated', int('--horizontal-pod-autoscaler-sync-period-ms'), DEFAULT_CONFIG.hpaSyncPeriodMs)
  .option('--horizontal-pod-autoscaler-downscale-stabilization-ms <ms>', 'HPAs without behavior scale down to the highest recommendation of this window', int('--horizontal-pod-autoscaler-downscale-stabilization-ms'), DEFAULT_CONFIG.hpaDownscaleStabilizationMs)
  .option('--resync-ms <ms>', 'every object is reconciled at least this often', int('--resync-ms'))
  .option('--metrics-port <n>', 'serve Prometheus /metrics on this port (0 = any free port)', int('--metrics-port'))
  .option('--ca-file <file>', 'CA certificate of the API server')
  .option('--root-ca-file <file>', 'the cluster CA to publish as kube-root-ca.crt in every namespace')
  .option('--kube-api-qps <n>', CLIENT_RATE_FLAGS.qps, int('--kube-api-qps'), 0)
  .option('--kube-api-burst <n>', CLIENT_RATE_FLAGS.burst, int('--kube-api-burst'))
  .option('--log-level <level>', 'pino log level', 'info');

program.parse();
const o = program.opts<{
  server: string; token?: string; tokenFile?: string; redisUrl?: string; queuePrefix: string; controllers?: string; nodeMonitorGraceMs: number;
  podEvictionTimeoutMs: number; nodeEvictionRate: number; secondaryNodeEvictionRate: number; unhealthyZoneThreshold: number; largeClusterSizeThreshold: number;
  horizontalPodAutoscalerSyncPeriodMs: number; horizontalPodAutoscalerDownscaleStabilizationMs: number; resyncMs?: number; metricsPort?: number; caFile?: string; rootCaFile?: string; logLevel: string; kubeApiQps: number; kubeApiBurst?: number;
}>();
const logger = pino({ level: o.logLevel, base: { component: 'controller-manager' } });
exitOnUncaughtFailures(logger);
const token = bearerToken(o) ?? program.error(CREDENTIAL_FLAGS.missing);

try {
  const registry = new Registry();
  const cm = await startControllerManager({
    server: o.server,
    token,
    ca: o.caFile ? readFileSync(o.caFile, 'utf8') : undefined,
    qps: o.kubeApiQps,
    burst: o.kubeApiBurst,
    redisUrl: redisUrl(o.redisUrl),
    prefix: o.queuePrefix,
    controllers: o.controllers?.split(',').map((s) => s.trim()).filter(Boolean),
    nodeMonitorGraceMs: o.nodeMonitorGraceMs,
    podEvictionTimeoutMs: o.podEvictionTimeoutMs,
    nodeEvictionRate: o.nodeEvictionRate,
    secondaryNodeEvictionRate: o.secondaryNodeEvictionRate,
    unhealthyZoneThreshold: o.unhealthyZoneThreshold,
    largeClusterSizeThreshold: o.largeClusterSizeThreshold,
    hpaSyncPeriodMs: o.horizontalPodAutoscalerSyncPeriodMs,
    hpaDownscaleStabilizationMs: o.horizontalPodAutoscalerDownscaleStabilizationMs,
    resyncMs: o.resyncMs,
    rootCaPem: o.rootCaFile ? readFileSync(o.rootCaFile, 'utf8') : undefined,
    registry,
    log: logger,
  });
  const metricsServer = o.metricsPort !== undefined ? await serveMetrics(registry, o.metricsPort, logger) : undefined;
  stopOnSignals(logger, () => cm.stop(), () => metricsServer?.close());
} catch (err) {
  logger.fatal({ err: (err as Error).message }, 'controller manager failed to start');
  process.exit(1);
}
