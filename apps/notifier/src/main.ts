import { readFileSync } from 'node:fs';
import { Command, InvalidArgumentError } from 'commander';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { bearerToken, CREDENTIAL_FLAGS, redisUrl, serveMetrics, stopOnSignals } from '@skiff/controller-runtime';
import { startNotifier } from './index.js';
import { exitOnUncaughtFailures } from '@skiff/apimachinery';

function int(name: string) {
  return (v: string): number => {
    if (!/^\d+$/.test(v)) throw new InvalidArgumentError(`${name} must be a non-negative integer`);
    return Number(v);
  };
}

const program = new Command()
  .name('skiff-notifier')
  .description('Skiff notifier: posts sync, health, rollout, drift and node events to Webhooks, signed, in order per Application')
  .requiredOption('--server <url>', 'API server URL')
  .option('--token <token>', CREDENTIAL_FLAGS.token)
  .option('--token-file <file>', CREDENTIAL_FLAGS.tokenFile)
  .option('--ca-file <file>', 'CA certificate of the API server')
  .option('--redis-url <url>', CREDENTIAL_FLAGS.redisUrl)
  .option('--queue-prefix <prefix>', 'BullMQ key prefix (one per cluster)', 'skiff')
  .option('--metrics-port <n>', 'serve Prometheus /metrics on this port (0 = any free port)', int('--metrics-port'))
  .option('--log-level <level>', 'pino log level', 'info');

program.parse();
const o = program.opts<{ server: string; token?: string; tokenFile?: string; caFile?: string; redisUrl?: string; queuePrefix: string; metricsPort?: number; logLevel: string }>();
const logger = pino({ level: o.logLevel, base: { component: 'notifier' } });
exitOnUncaughtFailures(logger);
const token = bearerToken(o) ?? program.error(CREDENTIAL_FLAGS.missing);

try {
  const registry = new Registry();
  const notifier = await startNotifier({
    server: o.server,
    token,
    ca: o.caFile ? readFileSync(o.caFile, 'utf8') : undefined,
    redisUrl: redisUrl(o.redisUrl),
    prefix: o.queuePrefix,
    registry,
    log: logger,
  });
  const metricsServer = o.metricsPort !== undefined ? await serveMetrics(registry, o.metricsPort, logger) : undefined;
  stopOnSignals(logger, () => notifier.stop(), () => metricsServer?.close());
} catch (err) {
  logger.fatal({ err: (err as Error).message }, 'notifier failed to start');
  process.exit(1);
}
