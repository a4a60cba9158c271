import { readFileSync } from 'node:fs';
import { Command, InvalidArgumentError } from 'commander';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { bearerToken, CLIENT_RATE_FLAGS, CREDENTIAL_FLAGS, redisUrl, serveMetrics, stopOnSignals } from '@skiff/controller-runtime';
import { startScheduler } from './index.js';
import { exitOnUncaughtFailures } from '@skiff/apimachinery';

function int(name: string) {
  return (v: string): number => {
    if (!/^\d+$/.test(v)) throw new InvalidArgumentError(`${name} must be a non-negative integer`);
    return Number(v);
  };
}

function percentage(v: string): number {
  const n = int('--percentage-of-nodes-to-score')(v);
  if (n > 100) throw new InvalidArgumentError('--percentage-of-nodes-to-score must be between 0 and 100');
  return n;
}

const program = new Command()
  .name('skiff-scheduler')
  .description('Skiff scheduler: binds pending pods to nodes (filter: readiness, taints, node selector/affinity, resources; score: least allocated, spread)')
  .requiredOption('--server <url>', 'API server URL')
  .option('--token <token>', CREDENTIAL_FLAGS.token)
  .option('--token-file <file>', CREDENTIAL_FLAGS.tokenFile)
  .option('--redis-url <url>', CREDENTIAL_FLAGS.redisUrl)
  .option('--queue-prefix <prefix>', 'BullMQ key prefix (one per cluster)', 'skiff')
  .option('--metrics-port <n>', 'serve Prometheus /metrics on this port (0 = any free port)', int('--metrics-port'))
  .option('--ca-file <file>', 'CA certificate of the API server')
  .option('--concurrency <n>', 'bindings in flight at once', int('--concurrency'), 64)
  .option('--percentage-of-nodes-to-score <n>', 'stop filtering once this percentage of the nodes (at least 100) is feasible; 0 = adaptive (50% at 100 nodes down to 5%), 100 = all', percentage, 0)
  .option('--events-qps <n>', 'Scheduled events sent per second at most; more wait (up to 1,000, then they are dropped); 0 = no limit', int('--events-qps'), 50)
  .option('--events-burst <n>', 'Scheduled events sent at once after a quiet spell', int('--events-burst'), 100)
  .option('--kube-api-qps <n>', CLIENT_RATE_FLAGS.qps, int('--kube-api-qps'), 0)
  .option('--kube-api-burst <n>', CLIENT_RATE_FLAGS.burst, int('--kube-api-burst'))
  .option('--log-level <level>', 'pino log level', 'info');

program.parse();
const o = program.opts<{ server: string; token?: string; tokenFile?: string; redisUrl?: string; queuePrefix: string; metricsPort?: number; caFile?: string; concurrency: number; percentageOfNodesToScore: number; logLevel: string; eventsQps: number; eventsBurst: number; kubeApiQps: number; kubeApiBurst?: number }>();
const logger = pino({ level: o.logLevel, base: { component: 'scheduler' } });
exitOnUncaughtFailures(logger);
const token = bearerToken(o) ?? program.error(CREDENTIAL_FLAGS.missing);

try {
  const registry = new Registry();
  const scheduler = await startScheduler({
    server: o.server,
    token,
    ca: o.caFile ? readFileSync(o.caFile, 'utf8') : undefined,
    qps: o.kubeApiQps,
    burst: o.kubeApiBurst,
    redisUrl: redisUrl(o.redisUrl),
    prefix: o.queuePrefix,
    concurrency: o.concurrency,
    percentageOfNodesToScore: o.percentageOfNodesToScore,
    eventsQps: o.eventsQps,
    eventsBurst: o.eventsBurst,
    registry,
    log: logger,
  });
  const metricsServer = o.metricsPort !== undefined ? await serveMetrics(registry, o.metricsPort, logger) : undefined;
  stopOnSignals(logger, () => scheduler.stop(), () => metricsServer?.close());
} catch (err) {
  logger.fatal({ err: (err as Error).message }, 'scheduler failed to start');
  process.exit(1);
}
