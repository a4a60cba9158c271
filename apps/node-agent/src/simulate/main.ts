import { collectDefaultMetrics, Gauge, Registry } from 'prom-client';
import { readFileSync } from 'node:fs';
import { Command, InvalidArgumentError } from 'commander';
import { pino } from 'pino';
import { bearerToken, CLIENT_RATE_FLAGS, CREDENTIAL_FLAGS, serveMetrics, stopOnSignals } from '@skiff/controller-runtime';
import { exitOnUncaughtFailures } from '@skiff/apimachinery';
import { parseLabels } from '../parseLabels.js';
import { NODE_STATUS_REPORT_MS } from '../node/nodeHeartbeat.js';
import { startSimulatedNodes } from './startSimulatedNodes.js';

function int(name: string) {
  return (v: string): number => {
    if (!/^\d+$/.test(v)) throw new InvalidArgumentError(`${name} must be a non-negative integer`);
    return Number(v);
  };
}

const program = new Command()
  .name('skiff-simulated-nodes')
  .description('kwok-style simulated nodes: registers COUNT Nodes that heartbeat and report the pods bound to them Running, without running anything')
  .requiredOption('--server <url>', 'API server URL')
  .option('--token <token>', CREDENTIAL_FLAGS.token)
  .option('--token-file <file>', CREDENTIAL_FLAGS.tokenFile)
  .option('--ca-file <file>', 'CA certificate of the API server')
  .requiredOption('--count <n>', 'how many nodes', int('--count'))
  .option('--name-prefix <prefix>', 'nodes are named PREFIX0, PREFIX1, ...', 'sim-node-')
  .option('--heartbeat-ms <ms>', 'lease renew period of each node', int('--heartbeat-ms'), 10_000)
  .option('--node-status-ms <ms>', 'how often each node status is computed and written if it changed (default: every heartbeat)', int('--node-status-ms'))
  .option('--node-status-report-ms <ms>', 'how often an unchanged node status is written all the same', int('--node-status-report-ms'), NODE_STATUS_REPORT_MS)
  .option('--cpu <quantity>', 'CPU capacity of each node', '32')
  .option('--memory <quantity>', 'memory capacity of each node', '256Gi')
  .option('--max-pods <n>', 'pod capacity of each node', int('--max-pods'), 110)
  .option('--labels <k=v,...>', 'extra labels on every node', (v: string) => {
    const r = parseLabels(v);
    if (!r.ok) throw new InvalidArgumentError(r.message);
    return r.labels;
  })
  .option('--keep-nodes-on-exit', 'leave the Nodes registered when stopped (default: delete them, so their pods are rescheduled)')
  .option('--metrics-port <n>', 'serve Prometheus /metrics on this port on 127.0.0.1 (0 = any free port)', int('--metrics-port'))
  .option('--kube-api-qps <n>', CLIENT_RATE_FLAGS.qps, int('--kube-api-qps'), 0)
  .option('--kube-api-burst <n>', CLIENT_RATE_FLAGS.burst, int('--kube-api-burst'))
  .option('--log-level <level>', 'pino log level', 'info');

program.parse();
const o = program.opts<{
  server: string;
  token?: string;
  tokenFile?: string;
  caFile?: string;
  count: number;
  namePrefix: string;
  heartbeatMs: number;
  nodeStatusMs?: number;
  nodeStatusReportMs: number;
  cpu: string;
  memory: string;
  maxPods: number;
  labels?: Record<string, string>;
  keepNodesOnExit?: boolean;
  metricsPort?: number;
  logLevel: string;
  kubeApiQps: number;
  kubeApiBurst?: number;
}>();

const logger = pino({ level: o.logLevel, base: { component: 'simulated-nodes' } });
exitOnUncaughtFailures(logger);
const token = bearerToken(o) ?? program.error(CREDENTIAL_FLAGS.missing);

try {
  const nodes = await startSimulatedNodes({
    server: o.server,
    token,
    ca: o.caFile ? readFileSync(o.caFile, 'utf8') : undefined,
    count: o.count,
    namePrefix: o.namePrefix,
    heartbeatMs: o.heartbeatMs,
    nodeStatusMs: o.nodeStatusMs,
    nodeStatusReportMs: o.nodeStatusReportMs,
    cpu: o.cpu,
    memory: o.memory,
    maxPods: o.maxPods,
    labels: o.labels,
    qps: o.kubeApiQps,
    burst: o.kubeApiBurst,
    logger,
  });
  let metricsServer: { close(): Promise<void> } | undefined;
  if (o.metricsPort !== undefined) {
    const registry = new Registry();
    collectDefaultMetrics({ register: registry });
    new Gauge({ name: 'skiff_simulated_nodes', help: 'Simulated nodes this process registered', registers: [registry] }).set(nodes.nodeNames.length);
    new Gauge({ name: 'skiff_node_pods', help: 'Pods bound to this process\'s simulated nodes', registers: [registry], collect() { this.set(nodes.podCount()); } });
    metricsServer = await serveMetrics(registry, o.metricsPort, logger);
  }
  stopOnSignals(logger, () => nodes.close({ removeNodes: !o.keepNodesOnExit }), () => metricsServer?.close());
} catch (err) {
  logger.fatal({ err: (err as Error).message }, 'simulated nodes failed to start');
  process.exit(1);
}
