import { readFileSync } from 'node:fs';
import { CLUSTER_DOMAIN, DNS_SERVICE_IP, shape, type KubeObject } from '@skiff/apimachinery';
import type { Ingress, IngressClass } from 'kubernetes-types/networking/v1.js';
import { Informer, resourceType, clientFor, type ConnectionOptions } from '@skiff/kube-client';
import { pino, type Logger } from 'pino';
import { Registry } from 'prom-client';
import { buildDnsRecords, hostNameserver, type DnsRecords } from './dnsRecords.js';
import { startDnsServer, type RunningDnsServer, type Upstream } from './dnsServer.js';
import { selfSignedDefaultCertificate } from './ingress/defaultCertificate.js';
import { IngressServer, type TlsKeyPair } from './ingress/ingressServer.js';
import { planIngressStatuses } from './ingress/ingressStatus.js';
import { planIngressRoutes, type IngressRouteTable } from './ingress/planIngressRoutes.js';
import { ProxyMetrics } from './metrics.js';
import { NftablesProxier, type NftApplyResult } from './nftablesProxier.js';
import { DEFAULT_NODE_PORT_ADDRESS, planListeners, type ProxyPlan } from './planListeners.js';
import { checkNftablesOptions, planNftables, type NftablesPlan, type NftablesPlanOptions } from './planNftables.js';
import { Proxier } from './proxier.js';
import { servicePortEndpoints } from './servicePortEndpoints.js';
import { terminatingPods } from './terminatingPods.js';

export const SERVICES = resourceType('services');
export const ENDPOINTSLICES = resourceType('endpointslices', 'discovery.k8s.io');
export const PODS = resourceType('pods');
export const INGRESSES = resourceType('ingresses', 'networking.k8s.io');
export const INGRESS_CLASSES = resourceType('ingressclasses', 'networking.k8s.io');
export const SECRETS = resourceType('secrets');
const TLS_SECRET = 'kubernetes.io/tls';

const RETRY_MS = 1000;

/** The table nftables mode owns when none is named; name one per cluster (`skiff-<cluster id>`) to run two side by side. */
export const DEFAULT_NFT_TABLE = 'skiff';

export type ProxyMode = 'userspace' | 'nftables';

export interface ProxyOptions extends ConnectionOptions {
  /**
   * userspace (default): the proxy listens on every ClusterIP:port itself (ClusterIPs in 127/8).
   * nftables: the kernel serves ClusterIPs from one nftables table (`planNftables`); the proxy
   * still listens on NodePorts.
   */
  mode?: ProxyMode;
  /** nftables mode: the table to own (default `skiff`). */
  nftTable?: string;
  /** nftables mode: pod addresses; connections to a ClusterIP from outside them are masqueraded. */
  clusterCidr?: string;
  /** nftables mode: the Service range; connections to an unallocated address in it are rejected. */
  serviceClusterIpRange?: string;
  /** nftables mode: masquerade every connection to a ClusterIP (for nodes without br_netfilter). */
  masqueradeAll?: boolean;
  /** nftables mode: node addresses on which NodePorts are served in the kernel too (not loopback). */
  kernelNodePortAddresses?: string[];
  /** Where NodePort and LoadBalancer Services listen (default 127.0.0.1). */
  nodePortAddress?: string;
  dnsAddress?: string;
  /** Default 53; 0 picks a free port. */
  dnsPort?: number;
  /** The resolver for names outside the cluster domain: default the host's, from resolvConfPath; null for none. */
  upstreamDns?: Upstream | null;
  resolvConfPath?: string;
  clusterDomain?: string;
  connectTimeoutMs?: number;
  /** How long a UDP client's session to a backend lives without traffic (userspace listeners). */
  udpIdleTimeoutMs?: number;
  /**
   * The ingress controller (IngressClass controller `skiff.dev/ingress`): HTTP on this port (0 picks
   * a free one); undefined: no ingress controller.
   */
  ingressHttpPort?: number;
  /** HTTPS on this port (0 picks a free one), certificates by SNI from the Ingresses' TLS Secrets. */
  ingressHttpsPort?: number;
  /** Where the ingress listeners bind (default 127.0.0.1). */
  ingressAddress?: string;
  /** The address written to served Ingresses' `status.loadBalancer.ingress` (default: ingressAddress). */
  ingressStatusAddress?: string;
  log?: Logger;
  registry?: Registry;
  now?: () => number;
}

export interface RunningProxy {
  registry: Registry;
  dnsAddress: string;
  dnsPort: number;
  mode: ProxyMode;
  /** The listener plan last applied: for tests and debugging. */
  plan(): ProxyPlan;
  /** nftables mode: the table plan last computed (applied unless the last apply failed). */
  nftPlan(): NftablesPlan | undefined;
  /** The ingress controller's listeners, when it runs. */
  ingressHttpPort?: number;
  ingressHttpsPort?: number;
  /** The ingress route table last applied. */
  ingressRoutes(): IngressRouteTable | undefined;
  /** Resolves once every change seen so far is applied. */
  settled(): Promise<void>;
  close(): Promise<void>;
}

/**
 * Skiff's kube-proxy and cluster DNS, one per machine. Informers on Services, EndpointSlices and Pods
 * feed one sync loop: every change re-plans from the caches (`planListeners`, `buildDnsRecords`,
 * in nftables mode `planNftables`) and the proxiers apply the plans, so changes take effect within
 * a tick of the watch event.
 */
export async function startProxy(opts: ProxyOptions): Promise<RunningProxy> {
  const log = opts.log ?? pino({ level: 'info' });
  const client = clientFor(opts, 'skiff-proxy');
  const registry = opts.registry ?? new Registry();
  const domain = opts.clusterDomain ?? CLUSTER_DOMAIN;
  const nodePortAddress = opts.nodePortAddress ?? DEFAULT_NODE_PORT_ADDRESS;
  const dnsAddress = opts.dnsAddress ?? DNS_SERVICE_IP;
  const mode = opts.mode ?? 'userspace';
  // Checked before anything starts: a bad table name or CIDR is a configuration error.
  const nftOptions: Omit<NftablesPlanOptions, 'terminating'> | undefined =
    mode === 'nftables'
      ? checkNftablesOptions({ table: opts.nftTable ?? DEFAULT_NFT_TABLE, clusterCidr: opts.clusterCidr, serviceClusterIpRange: opts.serviceClusterIpRange, masqueradeAll: opts.masqueradeAll, nodePortAddresses: opts.kernelNodePortAddresses })
      : undefined;

  const metrics: ProxyMetrics = new ProxyMetrics(
    registry,
    // In nftables mode the kernel holds every Service port; the listeners only NodePorts.
    () => nftPlan?.endpointCounts ?? proxier.endpointCounts(),
    () => proxier.listenerCount(),
  );
  const proxier: Proxier = new Proxier({ log, metrics, connectTimeoutMs: opts.connectTimeoutMs, udpIdleTimeoutMs: opts.udpIdleTimeoutMs, now: opts.now });
  const nft = nftOptions ? { options: nftOptions, proxier: new NftablesProxier({ table: nftOptions.table, log, metrics }) } : undefined;

  let plan: ProxyPlan = { listeners: new Map(), servicePorts: new Map(), conflicts: [] };
  let nftPlan: NftablesPlan | undefined;
  let nftResult: NftApplyResult | undefined;
  let reportedSkipped = '';
  let records: DnsRecords = new Map();
  let started = false;
  let closed = false;
  let dirtySince: number | undefined;
  let running: Promise<void> | undefined;
  let retryTimer: NodeJS.Timeout | undefined;
  let reportedConflicts = '';
  const ingressAddress = opts.ingressAddress ?? '127.0.0.1';
  const ingressStatusAddress = opts.ingressStatusAddress ?? ingressAddress;
  const ingress =
    opts.ingressHttpPort !== undefined
      ? new IngressServer({ address: ingressAddress, httpPort: opts.ingressHttpPort, httpsPort: opts.ingressHttpsPort, defaultCertificate: selfSignedDefaultCertificate(), log, connectTimeoutMs: opts.connectTimeoutMs, now: opts.now })
      : undefined;
  let ingressRoutes: IngressRouteTable | undefined;
  let ingressStatusFailed = false;

  const sync = async (): Promise<void> => {
    while (dirtySince !== undefined && !closed) {
      const since = dirtySince;
      dirtySince = undefined;
      const services = informers.services.list();
      const slices = informers.endpointSlices.list();
      const terminating = terminatingPods(informers.pods.list());
      plan = planListeners(services, slices, { nodePortAddress, terminating, clusterIPs: !nft });
      records = buildDnsRecords(services, slices, domain, terminating);
      const conflicts = plan.conflicts.join('; ');
      if (conflicts && conflicts !== reportedConflicts) log.warn({ conflicts: plan.conflicts }, 'listener conflicts');
      reportedConflicts = conflicts;
      if (nft) {
        nftPlan = planNftables(services, slices, { ...nft.options, terminating });
        const skipped = nftPlan.skipped.join('; ');
        if (skipped && skipped !== reportedSkipped) log.warn({ skipped: nftPlan.skipped }, 'service ports or endpoints left out of the nftables table');
        reportedSkipped = skipped;
        nftResult = await nft.proxier.apply(nftPlan);
      }
      await proxier.apply(plan);
      if (ingress) await syncIngress(services, slices, terminating);
      metrics.syncDuration.observe((performance.now() - since) / 1000);
      // Listeners that could not open and a table nft refused are retried: the next sync plans
      // the same and applies what is missing.
      if ((proxier.failed > 0 || nftResult?.ok === false || ingressStatusFailed) && !retryTimer && !closed) {
        retryTimer = setTimeout(() => {
          retryTimer = undefined;
          requestSync();
        }, RETRY_MS);
      }
    }
  };
  /**
   * The ingress controller's part of a sync: route table and certificates to the server, then the
   * served Ingresses' status (a failed write is retried with the next sync).
   */
  const syncIngress = async (services: KubeObject[], slices: KubeObject[], terminating: ReturnType<typeof terminatingPods>): Promise<void> => {
    const ingresses = informers.ingresses!.list();
    const table = planIngressRoutes(
      ingresses.map((i) => shape<Ingress>(i)),
      informers.ingressClasses!.list().map((c) => shape<IngressClass>(c)),
      servicePortEndpoints(services, slices, terminating),
    );
    ingress!.apply(table, tlsKeyPairs(table, informers.secrets!, log));
    ingressRoutes = table;
    ingressStatusFailed = false;
    for (const write of planIngressStatuses(ingresses, table.ingresses, ingressStatusAddress)) {
      try {
        await client.patch(INGRESSES, write.namespace, write.name, { status: { loadBalancer: { ingress: write.ingress } } }, 'merge', { subresource: 'status' });
      } catch (err) {
        ingressStatusFailed = true;
        log.warn({ ingress: `${write.namespace}/${write.name}`, err: (err as Error).message }, 'ingress status write failed');
      }
    }
  };
  const requestSync = (): void => {
    if (!started || closed) return;
    dirtySince ??= performance.now();
    if (running) return;
    running = sync()
      .catch((err: Error) => log.error({ err: err.message }, 'sync failed'))
      .finally(() => {
        running = undefined;
        if (dirtySince !== undefined) requestSync();
      });
  };

  const handlers = { onAdd: requestSync, onUpdate: requestSync, onDelete: requestSync, onSynced: requestSync };
  const onPod = (pod: KubeObject, old?: KubeObject) => {
    // Only terminating pods change the plan; the rest of the pods' churn is not the proxy's business.
    if (pod.metadata.deletionTimestamp || old?.metadata.deletionTimestamp) requestSync();
  };
  // Only TLS Secrets can change what the ingress controller serves.
  const onSecret = (s: KubeObject, old?: KubeObject) => {
    if (s.type === TLS_SECRET || old?.type === TLS_SECRET) requestSync();
  };
  const informers = {
    services: new Informer(client, SERVICES, handlers, { log }),
    endpointSlices: new Informer(client, ENDPOINTSLICES, handlers, { log }),
    pods: new Informer(client, PODS, { onAdd: (p) => onPod(p), onUpdate: onPod, onDelete: (p) => onPod(p), onSynced: requestSync }, { log }),
    ...(ingress
      ? {
          ingresses: new Informer(client, INGRESSES, handlers, { log }),
          ingressClasses: new Informer(client, INGRESS_CLASSES, handlers, { log }),
          secrets: new Informer(client, SECRETS, { onAdd: (s) => onSecret(s), onUpdate: onSecret, onDelete: (s) => onSecret(s), onSynced: requestSync }, { log }),
        }
      : {}),
  };
  const all = Object.values(informers);
  let dns: RunningDnsServer | undefined;
  try {
    await ingress?.start();
    for (const i of all) i.start();
    await Promise.all(all.map((i) => i.waitForSync()));
    started = true;
    requestSync();
    await running;
    // Not root, or no nft: that will not get better by retrying, so say so at start.
    if (nft && nftResult?.ok === false) throw new Error(`nftables table ${nft.options.table}: ${nftResult.error}`);
    const upstream = opts.upstreamDns === undefined ? hostUpstream(opts.resolvConfPath ?? '/etc/resolv.conf', dnsAddress, log) : (opts.upstreamDns ?? undefined);
    dns = await startDnsServer({ host: dnsAddress, port: opts.dnsPort ?? 53, domain, records: () => records, upstream, log });
  } catch (err) {
    closed = true;
    clearTimeout(retryTimer);
    for (const i of all) i.stop();
    await running;
    await Promise.all([proxier.close(), nft?.proxier.close(), ingress?.close()]);
    throw err;
  }
  log.info({ mode, listeners: plan.listeners.size, ...(ingress ? { ingressHttpPort: ingress.httpPort, ingressHttpsPort: ingress.httpsPort } : {}), ...(nft && nftPlan ? { table: nft.options.table, servicePorts: nftPlan.servicePorts, endpoints: nftPlan.endpoints } : {}), dnsAddress, dnsPort: dns.port }, 'proxy started');
  const dnsServer = dns;
  return {
    registry,
    dnsAddress,
    dnsPort: dnsServer.port,
    mode,
    plan: () => plan,
    nftPlan: () => nftPlan,
    ingressHttpPort: ingress?.httpPort,
    ingressHttpsPort: ingress?.httpsPort,
    ingressRoutes: () => ingressRoutes,
    async settled() {
      while (running) await running;
    },
    async close() {
      closed = true;
      clearTimeout(retryTimer);
      for (const i of all) i.stop();
      await running;
      await Promise.all([proxier.close(), dnsServer.close(), nft?.proxier.close(), ingress?.close()]);
    },
  };
}

/** The key pairs of the `kubernetes.io/tls` Secrets the route table names; a Secret missing or incomplete is left out (its hosts get the default certificate). */
function tlsKeyPairs(table: IngressRouteTable, secrets: Informer, log: Logger): Map<string, TlsKeyPair> {
  const pairs = new Map<string, TlsKeyPair>();
  for (const ref of table.tls) {
    if (pairs.has(ref.secret)) continue;
    const secret = secrets.get(ref.secret);
    const data = (secret?.data ?? {}) as Record<string, string | undefined>;
    if (!secret || secret.type !== TLS_SECRET || !data['tls.crt'] || !data['tls.key']) {
      log.debug({ secret: ref.secret, ingress: ref.ingress }, 'TLS secret missing or not kubernetes.io/tls; default certificate');
      continue;
    }
    pairs.set(ref.secret, { cert: Buffer.from(data['tls.crt'], 'base64').toString('utf8'), key: Buffer.from(data['tls.key'], 'base64').toString('utf8') });
  }
  return pairs;
}

function hostUpstream(path: string, dnsAddress: string, log: Logger): Upstream | undefined {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    log.warn({ path, err: (err as Error).message }, 'no host resolver: names outside the cluster get SERVFAIL');
    return undefined;
  }
  const address = hostNameserver(text, [dnsAddress, DNS_SERVICE_IP]);
  return address ? { address, port: 53 } : undefined;
}
