import { readFileSync } from 'node:fs';
import { Command, InvalidArgumentError, Option } from 'commander';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { DNS_SERVICE_IP, exitOnUncaughtFailures } from '@skiff/apimachinery';
import { bearerToken, CREDENTIAL_FLAGS, serveMetrics, stopOnSignals } from '@skiff/controller-runtime';
import { cleanupNftables, DEFAULT_NFT_TABLE, startProxy, type ProxyMode } from './index.js';

function int(name: string) {
  return (v: string): number => {
    if (!/^\d+$/.test(v)) throw new InvalidArgumentError(`${name} must be a non-negative integer`);
    return Number(v);
  };
}

const program = new Command()
  .name('skiff-proxy')
  .description("Skiff proxy, one per machine: serves each Service's ClusterIP (and NodePort) by forwarding to ready endpoints; serves cluster DNS")
  .option('--server <url>', 'API server URL (required unless --cleanup)')
  .option('--token <token>', CREDENTIAL_FLAGS.token)
  .option('--token-file <file>', CREDENTIAL_FLAGS.tokenFile)
  .option('--ca-file <file>', 'CA certificate of the API server')
  .addOption(new Option('--mode <mode>', 'userspace: listen on each ClusterIP; nftables: the kernel serves ClusterIPs from one nftables table').choices(['userspace', 'nftables']).default('userspace'))
  .option('--nft-table <name>', 'nftables mode: the table (family ip) to own; one per cluster on a machine', DEFAULT_NFT_TABLE)
  .option('--cluster-cidr <cidr>', 'nftables mode: pod addresses; connections to a ClusterIP from outside them are masqueraded')
  .option('--service-cluster-ip-range <cidr>', 'nftables mode: the Service range; connections to an unallocated address in it are rejected')
  .option('--masquerade-all', 'nftables mode: masquerade every connection to a ClusterIP (nodes without br_netfilter)')
  .option('--kernel-node-port-addresses <ips>', 'nftables mode: node addresses (comma-separated) on which NodePorts are served in the kernel too', (v: string) => v.split(',').filter(Boolean))
  .option('--cleanup', 'delete the nftables table (--nft-table) and exit')
  .option('--node-port-address <ip>', 'address NodePort and LoadBalancer Services listen on', '127.0.0.1')
  .option('--dns-address <ip>', 'address cluster DNS listens on (UDP and TCP)', DNS_SERVICE_IP)
  .option('--dns-port <n>', 'port cluster DNS listens on', int('--dns-port'), 53)
  .addOption(new Option('--ingress-http-port <n>', 'run the ingress controller (IngressClass controller skiff.dev/ingress): HTTP on this port (0 = any free port)').argParser(int('--ingress-http-port')).env('SKIFF_INGRESS_HTTP_PORT'))
  .addOption(new Option('--ingress-https-port <n>', 'ingress controller: HTTPS on this port, certificates by SNI from the Ingresses\' TLS Secrets').argParser(int('--ingress-https-port')).env('SKIFF_INGRESS_HTTPS_PORT'))
  .addOption(new Option('--ingress-address <ip>', 'ingress controller: the address its listeners bind').default('127.0.0.1').env('SKIFF_INGRESS_ADDRESS'))
  .option('--ingress-status-address <ip>', "ingress controller: the address written to served Ingresses' status.loadBalancer (default: --ingress-address)")
  .option('--metrics-port <n>', 'serve Prometheus /metrics on this port (0 = any free port)', int('--metrics-port'))
  .option('--log-level <level>', 'pino log level', 'info');

program.parse();
const o = program.opts<{
  server?: string;
  token?: string;
  tokenFile?: string;
  caFile?: string;
  mode: ProxyMode;
  nftTable: string;
  clusterCidr?: string;
  serviceClusterIpRange?: string;
  masqueradeAll?: boolean;
  kernelNodePortAddresses?: string[];
  cleanup?: boolean;
  nodePortAddress: string;
  dnsAddress: string;
  dnsPort: number;
  metricsPort?: number;
  ingressHttpPort?: number;
  ingressHttpsPort?: number;
  ingressAddress: string;
  ingressStatusAddress?: string;
  logLevel: string;
}>();
const logger = pino({ level: o.logLevel, base: { component: 'proxy' } });
exitOnUncaughtFailures(logger);

if (o.cleanup) {
  const result = await cleanupNftables(o.nftTable);
  if (!result.ok) {
    logger.fatal({ table: o.nftTable, stderr: result.error }, 'cleanup failed');
    process.exit(1);
  }
  logger.info({ table: o.nftTable }, result.existed ? 'nftables table deleted' : 'no nftables table to delete');
  process.exit(0);
}
if (!o.server) program.error('error: --server is required (unless --cleanup)');
const token = bearerToken(o) ?? program.error(CREDENTIAL_FLAGS.missing);

try {
  const registry = new Registry();
  const proxy = await startProxy({
    server: o.server!,
    token,
    ca: o.caFile ? readFileSync(o.caFile, 'utf8') : undefined,
    mode: o.mode,
    nftTable: o.nftTable,
    clusterCidr: o.clusterCidr,
    serviceClusterIpRange: o.serviceClusterIpRange,
    masqueradeAll: o.masqueradeAll,
    kernelNodePortAddresses: o.kernelNodePortAddresses,
    nodePortAddress: o.nodePortAddress,
    dnsAddress: o.dnsAddress,
    dnsPort: o.dnsPort,
    ingressHttpPort: o.ingressHttpPort,
    ingressHttpsPort: o.ingressHttpsPort,
    ingressAddress: o.ingressAddress,
    ingressStatusAddress: o.ingressStatusAddress,
    registry,
    log: logger,
  });
  const metricsServer = o.metricsPort !== undefined ? await serveMetrics(registry, o.metricsPort, logger) : undefined;
  stopOnSignals(logger, () => proxy.close(), () => metricsServer?.close());
} catch (err) {
  logger.fatal({ err: (err as Error).message }, 'proxy failed to start');
  process.exit(1);
}
