import { readFileSync } from 'node:fs';
import { Command, InvalidArgumentError } from 'commander';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { DNS_SERVICE_IP } from '@skiff/apimachinery';
import { serveMetrics, stopOnSignals } from '@skiff/controller-runtime';
import { startProxy } from './index.js';

function int(name: string) {
  return (v: string): number => {
    if (!/^\d+$/.test(v)) throw new InvalidArgumentError(`${name} must be a non-negative integer`);
    return Number(v);
  };
}

const program = new Command()
  .name('skiff-proxy')
  .description("Skiff proxy, one per machine: listens on each Service's ClusterIP (and NodePort) and forwards to ready endpoints; serves cluster DNS")
  .requiredOption('--server <url>', 'API server URL')
  .requiredOption('--token <token>', 'bearer token')
  .option('--ca-file <file>', 'CA certificate of the API server')
  .option('--node-port-address <ip>', 'address NodePort and LoadBalancer Services listen on', '127.0.0.1')
  .option('--dns-address <ip>', 'address cluster DNS listens on (UDP and TCP)', DNS_SERVICE_IP)
  .option('--dns-port <n>', 'port cluster DNS listens on', int('--dns-port'), 53)
  .option('--metrics-port <n>', 'serve Prometheus /metrics on this port (0 = any free port)', int('--metrics-port'))
  .option('--log-level <level>', 'pino log level', 'info');

program.parse();
const o = program.opts<{ server: string; token: string; caFile?: string; nodePortAddress: string; dnsAddress: string; dnsPort: number; metricsPort?: number; logLevel: string }>();
const logger = pino({ level: o.logLevel, base: { component: 'proxy' } });

try {
  const registry = new Registry();
  const proxy = await startProxy({
    server: o.server,
    token: o.token,
    ca: o.caFile ? readFileSync(o.caFile, 'utf8') : undefined,
    nodePortAddress: o.nodePortAddress,
    dnsAddress: o.dnsAddress,
    dnsPort: o.dnsPort,
    registry,
    log: logger,
  });
  const metricsServer = o.metricsPort !== undefined ? await serveMetrics(registry, o.metricsPort, logger) : undefined;
  stopOnSignals(logger, () => proxy.close(), () => metricsServer?.close());
} catch (err) {
  logger.fatal({ err: (err as Error).message }, 'proxy failed to start');
  process.exit(1);
}
