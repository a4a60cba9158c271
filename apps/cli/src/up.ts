import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import https from 'node:https';
import { join, resolve } from 'node:path';
import { writeKubeconfig } from './kubeconfig.js';
import { componentCommand, logTail, waitFor } from './processes.js';
import { Supervisor } from './supervisor.js';
import { ensureTokens } from './tokens.js';
import { ensurePrivateDir } from './secretFiles.js';
import { ensureEncryptionConfig } from './encryptionConfig.js';
import { ensurePki } from './pki.js';
import type { ContainerdHandle } from '@skiff/cri';
import type { RunningRegistry } from '@skiff/oci';
import { ensureClusterIdentity, serviceNetwork } from './cluster.js';
import { containerNetwork, hostRoutes, routeConflicts, setUpHostNetwork, type HostNetwork } from './hostNetwork.js';
import { decideRuntime, type RuntimeRequest } from './runtimeMode.js';

/** The most processes one pod may have (the kubelet's --pod-max-pids). */
const POD_MAX_PIDS = 4096;
/**
 * How long `skiff up` waits for a node agent to stop (it stops its pods first, within
 * --shutdown-grace-ms 3000) before SIGKILL: inside the 10 s a supervisor gives a process group
 * between SIGTERM and SIGKILL.
 */
const AGENT_STOP_GRACE_MS = 8000;
/** The node agents here heartbeat every second; a node whose lease is this old is NotReady. */
const NODE_MONITOR_GRACE_MS = 6000;

/**
 * Simulated nodes heartbeat every 2 s, slower when there are many, so all of them together renew
 * at most 100 Leases a second (1,000 nodes: every 10 s, as kubelets do); the node monitor grace
 * then covers three of their heartbeats (1,000 nodes: 30 s).
 */
export function simulatedNodeHeartbeatMs(count: number): number {
  return Math.min(10_000, Math.max(2000, count * 10));
}
import { pickListenPort } from './listenPort.js';
// The store's template alone: its index loads the database clients.
import { embeddedDatabaseDir, seedFromPgliteTemplate } from '@skiff/store/template';

export interface UpOptions {
  dataDir: string;
  port: number;
  nodes: number;
  host: string;
  /** Create the example repository and its Application at first start (default true). */
  example?: boolean;
  /** How pods run: `containerd` (OCI containers), `process`, or `auto` (containers where the machine can). */
  runtime?: RuntimeRequest;
  /** Seconds between evaluations of each HorizontalPodAutoscaler (default 15, as kube-controller-manager). */
  hpaSyncPeriod?: number;
  /** Seconds between node agents' usage samples (default 10). */
  metricsResolution?: number;
  /** Passed to the API server's --disable-admission-plugins (e.g. `ServiceAccount`). */
  disableAdmissionPlugins?: string;
  /** kwok-style nodes (`sim-node-0`, ...) in one more process: pods on them are reported Running, nothing runs. */
  simulatedNodes?: number;
}

/**
 * `skiff up`: the whole local cluster in the foreground. Each component is its own process, its
 * log in DIR/logs; Ctrl-C stops them all.
 */
export async function up(opts: UpOptions): Promise<void> {
  const dataDir = resolve(opts.dataDir);
  const logDir = join(dataDir, 'logs');
  // Tokens, keys, the database and logs live here: only the user who runs Skiff may look in.
  ensurePrivateDir(dataDir);
  ensurePrivateDir(logDir);
  const { file: tokenFile, adminToken, componentTokenFiles } = ensureTokens(dataDir);
  const encryptionConfig = ensureEncryptionConfig(dataDir);
  // A first start's keys are made on the thread pool while this thread copies the database template
  // into the data dir (which the API server would do first, after its keys: 0.3-0.5 s each).
  const pkiMade = ensurePki(dataDir, opts.host === '0.0.0.0' || opts.host === '127.0.0.1' ? [] : [opts.host]);
  // Awaited below; a failed copy meanwhile must not leave it an unhandled rejection.
  pkiMade.catch(() => {});
  // The API server's embedded database (DATABASE_URL names Postgres instead).
  if (!process.env.DATABASE_URL) seedFromPgliteTemplate(embeddedDatabaseDir(dataDir));
  const pki = await pkiMade;
  const url = `https://${opts.host === '0.0.0.0' ? '127.0.0.1' : opts.host}:${opts.port}`;
  const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
  // Every process Skiff starts trusts the cluster CA (the API server serves HTTPS only). Secrets
  // reach the components by file (tokens) or environment (Redis and Postgres URLs, which may carry
  // passwords), never by argument: /proc/PID/cmdline is readable by every local user.
  const childEnv = { ...process.env, NODE_EXTRA_CA_CERTS: pki.caFile, REDIS_URL: redisUrl };
  process.env.NODE_EXTRA_CA_CERTS = pki.caFile;
  const runDir = join(dataDir, 'run');
  mkdirSync(runDir, { recursive: true });
  // Crash loops become Events once there is a client (the API server is up).
  let recordCrashLoop: ((name: string, message: string) => void) | undefined;
  const supervisor = new Supervisor({ runDir, logDir, report: (line) => console.error(line), onCrashLoop: (state, message) => recordCrashLoop?.(state.name, message) });
  /** What runs outside the components and goes after them, newest first: containerds, the registry, the host network. */
  const afterProcesses: (() => Promise<void> | void)[] = [];
  let stopping = false;

  const stopAll = async (code: number) => {
    if (stopping) return;
    stopping = true;
    console.log('skiff: stopping...');
    await supervisor.stop();
    for (const step of afterProcesses) {
      try {
        await step();
      } catch (err) {
        console.error(`skiff: cleaning up: ${(err as Error).message}`);
      }
    }
    console.log('skiff: stopped');
    process.exit(code);
  };
  process.on('SIGINT', () => void stopAll(0));
  process.on('SIGTERM', () => void stopAll(0));

  // A start that fails half-way stops what it already started, rather than leaving it running.
  try {
    const runtime = await decideRuntime(opts.runtime ?? 'auto');
    console.log(`skiff: ${runtime.message}`);
    const identity =
      runtime.mode === 'containerd'
        ? ensureClusterIdentity(dataDir, { registryPort: await pickListenPort() }, (id) => routeConflicts(hostRoutes(), containerNetwork(id)).length === 0)
        : ensureClusterIdentity(dataDir);
    const net = runtime.mode === 'containerd' ? containerNetwork(identity) : undefined;
    const { serviceCidr, dnsIp } = net ?? serviceNetwork(identity);
    let registry: RunningRegistry | undefined;
    let hostNet: HostNetwork | undefined;
    let images: typeof import('./localRegistry.js') | undefined;
    if (net) {
      const [{ removeCgroupTree }, localRegistry] = await Promise.all([import('@skiff/node-agent'), import('./localRegistry.js')]);
      images = localRegistry;
      // Pods get their own network namespaces: the host side first (addresses, routes).
      hostNet = setUpHostNetwork(net);
      const made = hostNet;
      afterProcesses.unshift(() => made.teardown());
      // After the runtimes have removed the pods: the (then empty) pod cgroups of every node.
      afterProcesses.unshift(() => removeCgroupTree(net.cgroupRoot));
      // The proxy removes its nftables table when it stops; this covers a proxy that was killed.
      afterProcesses.unshift(() => void spawnSync('nft', ['delete', 'table', 'ip', net.nftTable], { stdio: 'ignore' }));
      const reg = await localRegistry.startLocalRegistry(join(dataDir, 'registry'), identity.registryPort!, (image) => console.log(`skiff: image ${image} ready`));
      registry = reg;
      afterProcesses.unshift(() => reg.stop());
    }
    supervisor.start({
      name: 'apiserver',
      command: componentCommand('apiserver'),
      args: ['--data-dir', dataDir, '--host', opts.host, '--port', String(opts.port), '--token-file', tokenFile, '--tls-cert-file', pki.certFile, '--tls-private-key-file', pki.keyFile, '--client-ca-file', pki.caFile, '--service-account-signing-key-file', pki.serviceAccountKeyFile, '--service-account-key-file', pki.serviceAccountKeyFile, '--service-cluster-ip-range', serviceCidr, '--encryption-provider-config', encryptionConfig, '--audit-log-path', join(logDir, 'audit.log'), ...(opts.disableAdmissionPlugins ? ['--disable-admission-plugins', opts.disableAdmissionPlugins] : []), ...(net ? ['--advertise-address', net.hostIp] : [])],
      env: childEnv,
    });
    const apiserverLog = join(logDir, 'apiserver.log');
    // What runs once the API server is ready is loaded while it starts, and the example's git
    // repository, which needs no API server, is made meanwhile.
    const afterReady = Promise.all([import('@skiff/kube-client'), import('./crashLoopEvents.js'), import('./nodeTokens.js'), import('./example.js')]);
    const exampleRepo = opts.example === false ? undefined : afterReady.then(([, , , example]) => example.ensureExampleRepo(dataDir));
    // Awaited below; a failure meanwhile must not be an unhandled rejection.
    afterReady.catch(() => {});
    exampleRepo?.catch(() => {});

    await waitFor(
      'the API server to be ready',
      async () => (await httpsGet(`${url}/readyz`, pki.caPem)) === 200,
      60_000,
      // A first start that fails (a port in use, a bad flag) fails `skiff up`; later deaths are restarts.
      () => (supervisor.state('apiserver')?.lastExit ? `apiserver exited; see ${apiserverLog}\n${logTail(apiserverLog)}` : undefined),
    );

    const [{ ApiClient }, { crashLoopRecorder }, { ensureNodeToken }, { ensureExampleApplication }] = await afterReady;
    const client = new ApiClient({ server: url, token: adminToken, ca: pki.caPem, userAgent: 'skiff-up' });
    const nodeNames = new Set(Array.from({ length: opts.nodes }, (_, i) => `node-${i + 1}`));
    recordCrashLoop = crashLoopRecorder({ client, apiReady: async () => (await httpsGet(`${url}/readyz`, pki.caPem)) === 200, isNode: (name) => nodeNames.has(name) });
    const queuePrefix = `skiff-${identity.id}`;
    // Each run of `skiff up` is a boot of its nodes: pods an earlier run left running (it was
    // killed) are stopped by the agents, not adopted; an agent restarted within this run adopts them.
    const bootId = randomUUID();
    /**
     * Starts a component under the supervisor (started again if it dies; its pid in DIR/run/NAME.pid).
     * A node agent (not `controlPlane`) gets longer to stop: it stops its pods first.
     */
    // Every process serves Prometheus metrics on its own loopback port (the API server on its own
    // port, at /metrics); DIR/run/metrics.json lists them all.
    const metrics: Record<string, string> = { apiserver: `${url}/metrics` };
    // Ports handed out here are not bound until each process starts: never hand one out twice.
    const handedOut = new Set<number>([opts.port]);
    const nextMetricsPort = async () => {
      let port = await pickListenPort();
      while (handedOut.has(port)) port = await pickListenPort();
      handedOut.add(port);
      return port;
    };
    const component = (name: string, app: string, componentArgs: string[], controlPlane: boolean, metricsPort?: number, stopsFirst?: boolean) => {
      const args = metricsPort ? [...componentArgs, '--metrics-port', String(metricsPort)] : componentArgs;
      if (metricsPort) metrics[name] = `http://127.0.0.1:${metricsPort}/metrics`;
      supervisor.start({ name, command: componentCommand(app), args, env: childEnv, stopGraceMs: controlPlane ? undefined : AGENT_STOP_GRACE_MS, stopsFirst });
    };
    const simulatedHeartbeatMs = simulatedNodeHeartbeatMs(opts.simulatedNodes ?? 0);
    component('controller-manager', 'controller-manager', ['--server', url, '--token-file', componentTokenFiles['controller-manager'], '--queue-prefix', queuePrefix, '--root-ca-file', pki.caFile, '--node-monitor-grace-ms', String(Math.max(NODE_MONITOR_GRACE_MS, 3 * simulatedHeartbeatMs)), '--pod-eviction-timeout-ms', '5000', '--horizontal-pod-autoscaler-sync-period-ms', String((opts.hpaSyncPeriod ?? 15) * 1000)], true, await nextMetricsPort());
    component('git-watcher', 'git-watcher', ['--server', url, '--token-file', componentTokenFiles['git-watcher'], '--queue-prefix', queuePrefix, '--cache-dir', join(dataDir, 'git-cache')], true, await nextMetricsPort());
    component('notifier', 'notifier', ['--server', url, '--token-file', componentTokenFiles['notifier'], '--queue-prefix', queuePrefix], true, await nextMetricsPort());
    component('scheduler', 'scheduler', ['--server', url, '--token-file', componentTokenFiles['scheduler'], '--queue-prefix', queuePrefix], true, await nextMetricsPort());
    // One proxy per machine: ClusterIPs (in the kernel when pods are containers), NodePorts on 127.0.0.1, and the cluster DNS.
    const proxyMode = net
      ? ['--mode', 'nftables', '--nft-table', net.nftTable, '--cluster-cidr', net.clusterCidr, '--service-cluster-ip-range', net.serviceCidr, '--kernel-node-port-addresses', net.hostIp, ...(hostNet?.bridgeNetfilter ? [] : ['--masquerade-all'])]
      : [];
    // The proxy is also the ingress controller (IngressClass `skiff`): HTTP and HTTPS on free loopback ports.
    const ingress = { http: await nextMetricsPort(), https: await nextMetricsPort() };
    writeFileSync(join(runDir, 'ingress.json'), JSON.stringify(ingress, null, 2) + '\n');
    const ingressArgs = ['--ingress-http-port', String(ingress.http), '--ingress-https-port', String(ingress.https), '--ingress-address', '127.0.0.1'];
    component('proxy', 'proxy', ['--server', url, '--token-file', componentTokenFiles['proxy'], '--node-port-address', '127.0.0.1', '--dns-address', dnsIp, ...proxyMode, ...ingressArgs], true, await nextMetricsPort());
    // Every node's token at once (one create each), rather than one round trip before each agent.
    const nodeTokenFiles = await Promise.all([...nodeNames].map(async (node) => (await ensureNodeToken(client, dataDir, node)).file));
    for (let i = 1; i <= opts.nodes; i++) {
      const node = `node-${i}`;
      const nodeTokenFile = nodeTokenFiles[i - 1];
      let runtimeArgs = ['--pod-cidr', `127.${identity.podOctet}.${i}.0/24`];
      if (net && registry && hostNet && images) {
        const { startContainerd } = await import('@skiff/cri');
        hostNet.prepareNodeBridge(i);
        // Each node has its own containerd (its own root, socket and CNI bridge), as separate machines would.
        const containerd: ContainerdHandle = await startContainerd({
          dir: join(dataDir, 'nodes', node, 'containerd'),
          sandboxImage: images.PAUSE_IMAGE,
          network: { name: `skiff-${node}`, bridge: net.bridge(i), subnet: net.nodeCidr(i) },
          registryMirrors: { [images.LOCAL_REGISTRY_NAME]: registry.url },
        });
        afterProcesses.unshift(() => containerd.stop({ removePods: true }));
        // Each pod's cgroup under the node's, its processes capped (a fork bomb stays in its pod).
        runtimeArgs = ['--pod-cidr', net.nodeCidr(i), '--container-runtime-endpoint', containerd.endpoint, '--cgroup-root', `${net.cgroupRoot}/${node}`, '--pod-max-pids', String(POD_MAX_PIDS)];
      }
      component(node, 'node-agent', [
        '--server', url, '--token-file', nodeTokenFile, '--node-name', node, ...runtimeArgs,
        '--data-dir', join(dataDir, 'nodes', node), '--heartbeat-ms', '1000', '--stop-pods-on-exit', '--shutdown-grace-ms', '3000', '--boot-id', bootId,
        '--cluster-dns', dnsIp, '--stats-interval-ms', String((opts.metricsResolution ?? 10) * 1000),
      ], false, await nextMetricsPort());
    }

    if (opts.simulatedNodes) {
      // One process for all of them, with its own identity; it deletes its Nodes when stopped.
      component('simulated-nodes', 'simulated-nodes', ['--server', url, '--token-file', componentTokenFiles['simulated-nodes'], '--count', String(opts.simulatedNodes), '--heartbeat-ms', String(simulatedHeartbeatMs)], false, await nextMetricsPort(), true);
    }

    const example = exampleRepo && (await ensureExampleApplication(client, await exampleRepo, net ? 'deploy' : 'deploy-processes'));

    writeFileSync(join(runDir, 'metrics.json'), JSON.stringify(metrics, null, 2) + '\n');

    const kubeconfig = join(dataDir, 'kubeconfig');
    writeKubeconfig(kubeconfig, url, adminToken, pki.caPem);
    console.log(`skiff: cluster is up (data dir ${dataDir}, logs in ${logDir})`);
    console.log(`API server: ${url}`);
    console.log(`status page: ${url}/`);
    console.log(`services: ClusterIPs in ${serviceCidr}, cluster DNS at ${dnsIp}, NodePorts on 127.0.0.1`);
    console.log(`ingress: http://127.0.0.1:${ingress.http} and https://127.0.0.1:${ingress.https} (IngressClass skiff, the default)`);
    if (net && registry && images) console.log(`pods: containers in ${net.clusterCidr} (node i: ${net.nodeCidr(0).replace('.0.0/24', '.<i>.0/24')}); images: ${images.LOCAL_REGISTRY_NAME} = ${registry.host}`);
    if (example) console.log(`example app: Application ${example.application} syncs ${example.repo} (path ${example.path}) — commit here to deploy`);
    console.log(`metrics: ${Object.entries(metrics).map(([n, u]) => `${n} ${u}`).join(', ')}`);
    console.log(`kubeconfig: ${kubeconfig}`);
    console.log(`  try: KUBECONFIG=${kubeconfig} kubectl get namespaces`);
  } catch (err) {
    console.error(`skiff up: ${(err as Error).message}`);
    await stopAll(1);
  }
}

function httpsGet(url: string, ca: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = https.get(url, { ca, timeout: 2000 }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', reject);
    req.on('timeout', () => req.destroy(new Error('timeout')));
  });
}
