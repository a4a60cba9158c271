import { collectDefaultMetrics, Gauge, Registry } from 'prom-client';
import { bearerToken, CREDENTIAL_FLAGS, serveMetrics, stopOnSignals } from '@skiff/controller-runtime';
import { DNS_SERVICE_IP, exitOnUncaughtFailures, parseQuantity } from '@skiff/apimachinery';
import { readFileSync } from 'node:fs';
import { Command, InvalidArgumentError } from 'commander';
import { pino } from 'pino';
import { NODE_AGENT_DEFAULTS, startNodeAgent } from './index.js';
import { NODE_STATUS_REPORT_MS } from './node/nodeHeartbeat.js';
import { parseLabels } from './parseLabels.js';
import type { IsolationRequest } from './runtime/isolation.js';

function int(name: string) {
  return (v: string): number => {
    if (!/^\d+$/.test(v)) throw new InvalidArgumentError(`${name} must be a non-negative integer`);
    return Number(v);
  };
}

function atLeast(name: string, min: number) {
  return (v: string): number => {
    const n = int(name)(v);
    if (n < min) throw new InvalidArgumentError(`${name} must be at least ${min}`);
    return n;
  };
}

function quantity(name: string) {
  return (v: string): string => {
    let bytes: number;
    try {
      bytes = parseQuantity(v);
    } catch {
      throw new InvalidArgumentError(`${name} must be a quantity such as 10Mi`);
    }
    if (!(bytes > 0)) throw new InvalidArgumentError(`${name} must be more than 0`);
    return v;
  };
}

const program = new Command()
  .name('skiff-node-agent')
  .description('Skiff node agent: registers a Node, heartbeats, runs the pods bound to it and serves their logs')
  .requiredOption('--server <url>', 'API server URL')
  .option('--token <token>', 'the node token, also required by the agent HTTP endpoint (visible in the process list: prefer --token-file or SKIFF_TOKEN)')
  .option('--token-file <file>', 'read the node token from this file (first line)')
  .requiredOption('--node-name <name>', 'the Node name')
  .requiredOption('--pod-cidr <cidr>', 'pod address range inside 127.0.0.0/8, e.g. 127.16.0.0/16')
  .requiredOption('--data-dir <dir>', 'where pod records, volumes and logs live')
  .option('--port <n>', 'agent HTTP port (0 = any free port)', int('--port'), NODE_AGENT_DEFAULTS.port)
  .option('--node-ip <ip>', 'InternalIP, and where the HTTP endpoint listens', NODE_AGENT_DEFAULTS.nodeIp)
  .option('--ca-file <file>', 'CA certificate of the API server')
  .option('--cpu <quantity>', 'CPU capacity (default: the host CPUs)')
  .option('--memory <quantity>', 'memory capacity, e.g. 8Gi (default: the host memory)')
  .option('--max-pods <n>', 'pod capacity', int('--max-pods'), NODE_AGENT_DEFAULTS.maxPods)
  .option('--labels <k=v,...>', 'extra node labels', (v: string) => {
    const r = parseLabels(v);
    if (!r.ok) throw new InvalidArgumentError(r.message);
    return r.labels;
  })
  .option('--heartbeat-ms <ms>', 'lease renew period', int('--heartbeat-ms'), NODE_AGENT_DEFAULTS.heartbeatMs)
  .option('--node-status-ms <ms>', 'how often the node status is computed and written if it changed (default: every heartbeat)', int('--node-status-ms'))
  .option('--node-status-report-ms <ms>', 'how often an unchanged node status is written all the same', int('--node-status-report-ms'), NODE_STATUS_REPORT_MS)
  .option('--backoff-base-ms <ms>', 'first crash-loop back-off', int('--backoff-base-ms'), NODE_AGENT_DEFAULTS.backoffBaseMs)
  .option('--backoff-max-ms <ms>', 'crash-loop back-off cap', int('--backoff-max-ms'), NODE_AGENT_DEFAULTS.backoffMaxMs)
  .option('--container-runtime-endpoint <endpoint>', 'a CRI runtime socket (unix:///path/containerd.sock): pods are OCI containers from their images, each in its own network namespace')
  .option('--image-gc-high-threshold <percent>', 'image filesystem usage above which unused images are removed', int('--image-gc-high-threshold'), 85)
  .option('--image-gc-low-threshold <percent>', 'image filesystem usage image GC brings it under', int('--image-gc-low-threshold'), 80)
  .option('--cgroup-root <path>', 'container pods: the cgroup every pod\'s cgroup goes under, e.g. /skiff/node-1')
  .option('--pod-max-pids <n>', 'container pods: the most processes one pod may have (needs --cgroup-root)', int('--pod-max-pids'))
  .option('--simulate', 'report bound pods Running and Ready without running them (like kwok)')
  .option('--isolation <mode>', 'auto | bubblewrap | none', (v: string) => {
    if (!['auto', 'bubblewrap', 'none'].includes(v)) throw new InvalidArgumentError('must be auto, bubblewrap or none');
    return v as IsolationRequest;
  }, 'auto' as IsolationRequest)
  .option('--stop-pods-on-exit', 'stop the containers on SIGTERM/SIGINT (default: leave them running for the next agent to adopt)')
  .option('--shutdown-grace-ms <ms>', 'longest wait for containers to stop on --stop-pods-on-exit', int('--shutdown-grace-ms'), NODE_AGENT_DEFAULTS.shutdownGraceMs)
  .option('--boot-id <id>', 'this boot of the node (default: the kernel\'s boot id); containers an agent of another boot left running are stopped at start, not adopted')
  .option('--stats-interval-ms <ms>', 'how often node, pod and container usage is sampled (the summary API\'s cpu rates are over this window)', int('--stats-interval-ms'), 10_000)
  .option('--cluster-dns <ip>', 'the cluster DNS address pods\' /etc/resolv.conf points at', DNS_SERVICE_IP)
  .option('--container-log-max-size <quantity>', 'rotate a running container\'s log once it reaches this size (the kubelet\'s containerLogMaxSize)', quantity('--container-log-max-size'), '10Mi')
  .option('--container-log-max-files <n>', 'log files kept per container, the live one included (the kubelet\'s containerLogMaxFiles; at least 2)', atLeast('--container-log-max-files', 2), 5)
  .option('--metrics-port <n>', 'serve Prometheus /metrics on this port on 127.0.0.1 (0 = any free port)', int('--metrics-port'))
  .option('--log-level <level>', 'pino log level', 'info');

program.parse();
const o = program.opts<{
  server: string;
  token?: string;
  tokenFile?: string;
  nodeName: string;
  podCidr: string;
  dataDir: string;
  port: number;
  nodeIp: string;
  caFile?: string;
  cpu?: string;
  memory?: string;
  maxPods: number;
  labels?: Record<string, string>;
  heartbeatMs: number;
  nodeStatusMs?: number;
  nodeStatusReportMs: number;
  backoffBaseMs: number;
  backoffMaxMs: number;
  simulate?: boolean;
  containerRuntimeEndpoint?: string;
  imageGcHighThreshold: number;
  cgroupRoot?: string;
  podMaxPids?: number;
  imageGcLowThreshold: number;
  isolation: IsolationRequest;
  stopPodsOnExit?: boolean;
  shutdownGraceMs: number;
  bootId?: string;
  clusterDns: string;
  statsIntervalMs: number;
  metricsPort?: number;
  containerLogMaxSize: string;
  containerLogMaxFiles: number;
  logLevel: string;
}>();

const logger = pino({ level: o.logLevel, base: { node: o.nodeName } });
exitOnUncaughtFailures(logger);
const token = bearerToken(o) ?? program.error(CREDENTIAL_FLAGS.missing);

try {
  const agent = await startNodeAgent({
    server: o.server,
    token,
    ca: o.caFile ? readFileSync(o.caFile, 'utf8') : undefined,
    nodeName: o.nodeName,
    podCidr: o.podCidr,
    dataDir: o.dataDir,
    port: o.port,
    nodeIp: o.nodeIp,
    clusterDns: o.clusterDns,
    statsIntervalMs: o.statsIntervalMs,
    containerLogMaxSizeBytes: Math.floor(parseQuantity(o.containerLogMaxSize)),
    containerLogMaxFiles: o.containerLogMaxFiles,
    cpu: o.cpu,
    memory: o.memory,
    maxPods: o.maxPods,
    labels: o.labels,
    heartbeatMs: o.heartbeatMs,
    nodeStatusMs: o.nodeStatusMs,
    nodeStatusReportMs: o.nodeStatusReportMs,
    backoffBaseMs: o.backoffBaseMs,
    backoffMaxMs: o.backoffMaxMs,
    simulate: !!o.simulate,
    containerRuntimeEndpoint: o.containerRuntimeEndpoint,
    imageGcHighThresholdPercent: o.imageGcHighThreshold,
    cgroupRoot: o.cgroupRoot,
    podMaxPids: o.podMaxPids,
    imageGcLowThresholdPercent: o.imageGcLowThreshold,
    isolation: o.isolation,
    stopPodsOnExit: !!o.stopPodsOnExit,
    shutdownGraceMs: o.shutdownGraceMs,
    bootId: o.bootId,
    logger,
  });
  let metricsServer: { close(): Promise<void> } | undefined;
  if (o.metricsPort !== undefined) {
    const registry = new Registry();
    collectDefaultMetrics({ register: registry });
    new Gauge({ name: 'skiff_node_pods', help: 'Pods this agent runs (or reports, simulated)', registers: [registry], collect() { this.set(agent.podCount()); } });
    new Gauge({ name: 'skiff_node_info', help: 'The node this agent is, and its isolation', labelNames: ['node', 'isolation'], registers: [registry] }).set({ node: agent.nodeName, isolation: agent.isolation }, 1);
    metricsServer = await serveMetrics(registry, o.metricsPort, logger);
  }
  stopOnSignals(logger, () => agent.close(), () => metricsServer?.close());
} catch (err) {
  logger.fatal({ err: (err as Error).message }, 'node agent failed to start');
  process.exit(1);
}
