import { createHash } from 'node:crypto';
import { ipToNumber, numberToIp, parseCidr, type KubeObject } from '@skiff/apimachinery';
import { DEFAULT_AFFINITY_TIMEOUT_SECONDS, servicePortEndpoints, type Backend, type ServicePortEndpoints } from './servicePortEndpoints.js';
import type { TerminatingPods } from './terminatingPods.js';

/**
 * The packet mark bit that asks `masquerading` to SNAT a connection (kube-proxy's default, bit 14).
 * Another table using the same bit with the same meaning (a second Skiff cluster, kube-proxy) is
 * harmless: whichever table's postrouting chain runs first clears the bit and masquerades.
 */
export const MASQUERADE_MARK = '0x4000';

/** kube-proxy's limit for `sessionAffinityConfig.clientIP.timeoutSeconds`. */
const MAX_AFFINITY_TIMEOUT_SECONDS = 86_400;

const PROTOCOLS: Record<string, string> = { TCP: 'tcp', UDP: 'udp', SCTP: 'sctp' };

export interface NftablesPlanOptions {
  /** The nftables table (family ip) this plan owns whole, e.g. `skiff-<cluster id>`. Nothing outside it is touched. */
  table: string;
  terminating?: TerminatingPods;
  /** Pod addresses: a connection to a ClusterIP from outside them (the host, another network) is masqueraded. */
  clusterCidr?: string;
  /** Masquerade every connection to a ClusterIP (needed when the node lacks br_netfilter; see the README). */
  masqueradeAll?: boolean;
  /**
   * The range ClusterIPs are allocated from. New connections to an address in it that no Service
   * holds are rejected (ICMP host-unreachable) instead of being routed on, perhaps off the machine.
   */
  serviceClusterIpRange?: string;
  /**
   * Node addresses on which NodePorts are served in the kernel too (DNAT to the same endpoints as
   * the ClusterIP), for pods and the host. Loopback NodePorts stay userspace listeners.
   */
  nodePortAddresses?: string[];
}

export interface EndpointCount {
  service: string;
  port: string;
  count: number;
}

export interface NftablesPlan {
  /** One `nft -f` transaction that replaces the whole table. */
  script: string;
  /** Service ports in the table (with endpoints or rejected). */
  servicePorts: number;
  /** Endpoints in rotation, summed over Service ports. */
  endpoints: number;
  endpointCounts: EndpointCount[];
  /** ClientIP affinity sets by name, with their timeout in seconds: what a re-apply may carry over. */
  affinitySets: Map<string, number>;
  /** Service ports and endpoints left out of the table, with why (never valid in a Service, or a duplicate). */
  skipped: string[];
}

/**
 * The kernel data path for Service ClusterIPs, as kube-proxy's nftables mode builds it, from
 * Services, EndpointSlices and terminating Pods alone. Pure: the executor only hands the script to `nft`.
 *
 * Packet walk, for a connection to ClusterIP:port (from a pod: prerouting; from the host: output):
 *   nat-prerouting / nat-output (dstnat) -> services: one lookup of daddr . protocol . dport in
 *   the verdict map `service-ips` -> `service-<svc port>`: mark for masquerade if the client is
 *   outside the cluster CIDR; a client with a live affinity entry goes back to its endpoint;
 *   otherwise `numgen random mod N` picks one of N endpoints with equal probability ->
 *   `endpoint-<svc port>__<ip>/<port>`: mark for masquerade if the client is that endpoint
 *   (hairpin), record affinity, DNAT.
 *   filter-prerouting / filter-output (dstnat + 10, so after DNAT): a new connection still
 *   addressed to a ClusterIP (`cluster-ips`) was not served, its port having no ready endpoints
 *   or not being one of the Service's: TCP reset, or ICMP port-unreachable for UDP and SCTP. One
 *   to an unallocated address of the service range: ICMP host-unreachable. Clients fail at once
 *   instead of timing out, and nothing addressed to the service range is routed on.
 *   nat-postrouting (srcnat) -> masquerading: SNAT what was marked.
 *
 * The table is replaced whole in one transaction (`add` so that `delete` cannot fail, `delete`,
 * then the new table): a rule set is never half-applied, and nothing of an old plan lingers.
 * Connections already established keep their NAT (conntrack), but affinity entries go with the
 * table; the executor carries them over.
 *
 * The script only holds names it sanitised and addresses it validated, so one bad EndpointSlice
 * is skipped (and reported) instead of failing the transaction for every Service.
 */
export function planNftables(services: readonly KubeObject[], slices: readonly KubeObject[], opts: NftablesPlanOptions): NftablesPlan {
  const { table, clusterCidr, serviceClusterIpRange: serviceRange } = checkNftablesOptions(opts);
  const skipped: string[] = [];
  const served: ServedPort[] = [];
  const seen = new Map<string, string>();
  for (const sp of servicePortEndpoints(services, slices, opts.terminating)) {
    const port = servedPort(sp, skipped);
    if (!port) continue;
    const other = seen.get(port.mapKey);
    if (other) {
      skipped.push(`${sp.key}: ${port.mapKey} is already ${other}'s`);
      continue;
    }
    seen.set(port.mapKey, sp.key);
    served.push(port);
  }
  served.sort((a, b) => a.sortKey.localeCompare(b.sortKey));

  // A port without ready endpoints gets no chain: its packets are not DNATed, so the
  // cluster-ip-checks reject them.
  const withEndpoints = served.filter((p) => p.endpoints.length > 0);
  const nodePortIps = withEndpoints
    .filter((p) => p.sp.nodePort !== undefined && isPort(p.sp.nodePort))
    .flatMap((p) => (opts.nodePortAddresses ?? []).map((addr) => `${addr} . ${p.protocol} . ${p.sp.nodePort} comment ${nftComment(`${p.sp.key} NodePort`)} : goto ${p.chain}`));
  const serviceIps = [...withEndpoints.map((p) => `${p.mapKey} comment ${nftComment(p.sp.key)} : goto ${p.chain}`), ...nodePortIps];
  const masquerade = opts.masqueradeAll ? 'jump mark-for-masquerade' : clusterCidr ? `ip saddr != ${clusterCidr} jump mark-for-masquerade` : undefined;
  const chains = withEndpoints.flatMap((p) => servicePortChains(p, masquerade));
  const affinitySets = new Map(withEndpoints.flatMap((p) => (p.affinityTimeoutSeconds === undefined ? [] : p.endpoints.map((e) => [e.affinitySet, p.affinityTimeoutSeconds!] as const))));
  const endpointTotal = withEndpoints.reduce((n, p) => n + p.endpoints.length, 0);
  const clusterIps = new Map<string, string>();
  for (const p of served) clusterIps.set(p.sp.clusterIP, p.sp.service);
  const clusterIpElements = [...clusterIps].sort(([a], [b]) => ipToNumber(a) - ipToNumber(b)).map(([ip, service]) => `${ip} comment ${nftComment(service)}`);

  const lines = [
    `# skiff-proxy: Service ClusterIPs, ${served.length} service ports, ${endpointTotal} endpoints. Generated; replaced whole on every change.`,
    `add table ip ${table}`,
    `delete table ip ${table}`,
    `table ip ${table} {`,
    `\tcomment "skiff-proxy: Service ClusterIPs (managed, replaced whole on every change)"`,
    collection('map', 'service-ips', 'ipv4_addr . inet_proto . inet_service : verdict', 'ClusterIP . protocol . port with ready endpoints', serviceIps),
    collection('set', 'cluster-ips', 'ipv4_addr', 'every ClusterIP: what is still addressed to one after DNAT is rejected', clusterIpElements),
    ...[...affinitySets].sort(([a], [b]) => a.localeCompare(b)).map(([name, timeout]) => `\tset ${name} {\n\t\ttype ipv4_addr\n\t\tflags dynamic,timeout\n\t\ttimeout ${timeout}s\n\t}`),
    // Numeric priorities: nft 1.0.6 accepts the names dstnat/srcnat only on prerouting/postrouting.
    // dstnat = -100, srcnat = 100; the filter chains run at dstnat + 10, after DNAT.
    baseChain('nat-prerouting', 'nat', 'prerouting', -100, ['jump services']),
    baseChain('nat-output', 'nat', 'output', -100, ['jump services']),
    baseChain('nat-postrouting', 'nat', 'postrouting', 100, ['jump masquerading']),
    baseChain('filter-prerouting', 'filter', 'prerouting', -90, ['ct state new jump cluster-ip-checks']),
    baseChain('filter-output', 'filter', 'output', -90, ['ct state new jump cluster-ip-checks']),
    chain('services', undefined, ['ip daddr . meta l4proto . th dport vmap @service-ips']),
    // Still addressed to a ClusterIP after DNAT: a port without ready endpoints, or one the
    // Service does not have.
    chain('cluster-ip-checks', nftComment('new connections the services chain did not DNAT'), [
      'ip daddr @cluster-ips goto reject-chain',
      // An address of this machine in the range (the cluster DNS on the host's own link) is not an unallocated ClusterIP.
      ...(serviceRange ? ['fib daddr type local return', `ip daddr ${serviceRange} reject with icmp type host-unreachable`] : []),
    ]),
    // A TCP reset rather than ICMP for TCP: the kernel rate-limits ICMP errors per destination
    // (net.ipv4.icmp_ratelimit), which would turn a burst of refusals into 1 s SYN retries.
    chain('reject-chain', undefined, ['meta l4proto tcp reject with tcp reset', 'reject']),
    chain('mark-for-masquerade', undefined, [`meta mark set meta mark | ${MASQUERADE_MARK}`]),
    chain('masquerading', undefined, [`meta mark & ${MASQUERADE_MARK} == 0 return`, `meta mark set meta mark ^ ${MASQUERADE_MARK}`, 'masquerade fully-random']),
    ...chains,
    '}',
    '',
  ];
  return {
    script: lines.join('\n'),
    servicePorts: served.length,
    endpoints: endpointTotal,
    endpointCounts: served.map((p) => ({ service: p.sp.service, port: p.sp.port, count: p.endpoints.length })),
    affinitySets,
    skipped,
  };
}

interface ServedPort {
  sp: ServicePortEndpoints;
  protocol: string;
  chain: string;
  mapKey: string;
  sortKey: string;
  /** Sorted by address and port, so the script does not depend on the order of subsets. */
  endpoints: { backend: Backend; chain: string; affinitySet: string }[];
  affinityTimeoutSeconds?: number;
}

/**
 * The Service port's chain (masquerade if asked, an affinity hit goes back to its endpoint, else a
 * random pick) and one chain per endpoint (hairpin masquerade, affinity refresh, DNAT).
 */
function servicePortChains(p: ServedPort, masquerade: string | undefined): string[] {
  const affinity = p.affinityTimeoutSeconds !== undefined;
  const pick = `numgen random mod ${p.endpoints.length} vmap { ${p.endpoints.map((e, i) => `${i} : goto ${e.chain}`).join(', ')} }`;
  return [
    chain(p.chain, nftComment(p.sp.key), [...(masquerade ? [masquerade] : []), ...(affinity ? p.endpoints.map((e) => `ip saddr @${e.affinitySet} goto ${e.chain}`) : []), pick]),
    ...p.endpoints.map(({ backend: b, chain: name, affinitySet }) =>
      chain(name, nftComment(`${p.sp.key} -> ${b.ip}:${b.port}`), [
        `ip saddr ${b.ip} jump mark-for-masquerade`,
        ...(affinity ? [`update @${affinitySet} { ip saddr }`] : []),
        `meta l4proto ${p.protocol} dnat to ${b.ip}:${b.port}`,
      ]),
    ),
  ];
}

/** The Service port as the table holds it, or undefined (with the reason in `skipped`) when it cannot be. */
function servedPort(sp: ServicePortEndpoints, skipped: string[]): ServedPort | undefined {
  const skip = (why: string): undefined => {
    skipped.push(`${sp.key}: ${why}`);
    return undefined;
  };
  const protocol = PROTOCOLS[sp.protocol];
  if (!protocol) return skip(`protocol ${sp.protocol} is not TCP, UDP or SCTP`);
  if (!isIPv4(sp.clusterIP)) return skip(`ClusterIP ${sp.clusterIP} is not an IPv4 address`);
  if (!isPort(sp.servicePort)) return skip(`port ${sp.servicePort} is out of range`);
  const backends: Backend[] = [];
  for (const b of sp.backends) {
    if (isIPv4(b.ip) && isPort(b.port)) backends.push(b);
    else skipped.push(`${sp.key}: endpoint ${b.ip}:${b.port} is not an IPv4 address and port`);
  }
  backends.sort((a, b) => ipToNumber(a.ip) - ipToNumber(b.ip) || a.port - b.port);
  let affinityTimeoutSeconds = sp.affinityTimeoutSeconds;
  if (affinityTimeoutSeconds !== undefined && !(Number.isInteger(affinityTimeoutSeconds) && affinityTimeoutSeconds > 0 && affinityTimeoutSeconds <= MAX_AFFINITY_TIMEOUT_SECONDS)) {
    skipped.push(`${sp.key}: affinity timeout ${affinityTimeoutSeconds} s is out of range; using ${DEFAULT_AFFINITY_TIMEOUT_SECONDS} s`);
    affinityTimeoutSeconds = DEFAULT_AFFINITY_TIMEOUT_SECONDS;
  }
  // The stem of this port's chain and set names: <namespace>/<name>/<protocol>/<port>.
  const base = `${sp.service}/${protocol}/${sp.port}`;
  return {
    sp,
    protocol,
    chain: objectName('service-', base),
    mapKey: `${sp.clusterIP} . ${protocol} . ${sp.servicePort}`,
    sortKey: `${String(ipToNumber(sp.clusterIP)).padStart(10, '0')} ${protocol} ${String(sp.servicePort).padStart(5, '0')}`,
    endpoints: backends.map((b) => ({ backend: b, chain: objectName('endpoint-', `${base}__${b.ip}/${b.port}`), affinitySet: objectName('affinity-', `${base}__${b.ip}/${b.port}`) })),
    ...(affinityTimeoutSeconds !== undefined ? { affinityTimeoutSeconds } : {}),
  };
}

/** A set or map declaration, one element a line so that a diff of two scripts reads like a table's. */
function collection(kind: 'set' | 'map', name: string, type: string, comment: string, elements: string[]): string {
  // nft refuses an empty `elements = { }`.
  const body = elements.length ? `\n\t\telements = {\n${elements.map((e) => `\t\t\t${e}`).join(',\n')}\n\t\t}` : '';
  return `\t${kind} ${name} {\n\t\ttype ${type}\n\t\tcomment ${nftComment(comment)}${body}\n\t}`;
}

function baseChain(name: string, type: 'nat' | 'filter', hook: string, priority: number, rules: string[]): string {
  return chain(name, undefined, [`type ${type} hook ${hook} priority ${priority}; policy accept;`, ...rules]);
}

function chain(name: string, comment: string | undefined, rules: string[]): string {
  return `\tchain ${name} {\n${comment ? `\t\tcomment ${comment}\n` : ''}${rules.map((r) => `\t\t${r}\n`).join('')}\t}`;
}

/**
 * A chain or set name readable in `nft list table`: `service-default/web/tcp/http`,
 * `endpoint-default/web/tcp/http__10.1.0.10/8080`. Kubernetes names only hold [a-z0-9.-], and `/`
 * and `__` separate the parts, so distinct ports never share a name. Only input the API server
 * should have refused gets further: a character nft would not take is replaced, a name over 200
 * characters (the kernel's limit is 255) is cut, and either way a hash of the original keeps it
 * unique.
 */
function objectName(prefix: string, stem: string): string {
  const name = prefix + stem.replace(/[^A-Za-z0-9_./-]/g, '_');
  if (name === prefix + stem && name.length <= 200) return name;
  return `${name.slice(0, 190)}_${createHash('sha256').update(stem).digest('hex').slice(0, 8)}`;
}

/**
 * A quoted nft comment. nft takes at most 128 characters, which a long namespace and name can
 * pass (63 + 63 + port); such a comment is cut, the names in the chain stay whole. Quotes or
 * control characters would end the string, so only plain characters are kept.
 */
function nftComment(text: string): string {
  return `"${text.replace(/[^A-Za-z0-9 _.,:;/>+=()-]/g, '_').slice(0, 128)}"`;
}

/**
 * The options with the CIDRs in canonical form; throws on a table name or CIDR nft would not take.
 * These are configuration, checked once at start, unlike Services and Endpoints, which are data.
 */
export function checkNftablesOptions<T extends Omit<NftablesPlanOptions, 'terminating'>>(opts: T): T {
  if (!/^[A-Za-z][A-Za-z0-9_-]{0,62}$/.test(opts.table)) throw new Error(`invalid nftables table name ${JSON.stringify(opts.table)}: a letter, then letters, digits, _ or -, at most 63`);
  const canonical = (cidr: string | undefined) => {
    if (cidr === undefined) return undefined;
    const { base, prefix } = parseCidr(cidr);
    return `${numberToIp(base)}/${prefix}`;
  };
  for (const addr of opts.nodePortAddresses ?? []) if (!isIPv4(addr)) throw new Error(`invalid NodePort address ${JSON.stringify(addr)}: an IPv4 address`);
  return { ...opts, clusterCidr: canonical(opts.clusterCidr), serviceClusterIpRange: canonical(opts.serviceClusterIpRange) };
}

const OCTET = '(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)';
const IPV4 = new RegExp(`^${OCTET}(\\.${OCTET}){3}$`);

/** Dotted-quad IPv4 without leading zeros (nft would read `010` as octal). */
export function isIPv4(ip: string): boolean {
  return IPV4.test(ip);
}

function isPort(port: number): boolean {
  return Number.isInteger(port) && port > 0 && port < 65_536;
}
