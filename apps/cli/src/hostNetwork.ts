import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import type { ClusterIdentity } from './cluster.js';

/**
 * The address plan of a cluster whose pods are containers (ADR 005). Each cluster owns two /16s
 * of 10.0.0.0/8, picked from its identity so that two clusters on one machine never meet:
 * - pods: 10.P.0.0/16, node i's bridge 10.P.i.0/24 (the CNI bridge is the pods' gateway);
 * - services: 10.S.0.0/16 (S in 96..111, like Kubernetes' 10.96.0.0/12), ClusterIPs in the kernel;
 * - 10.P.0.1 is the host as pods see it, and 10.S.0.10 the cluster DNS: both on an interface
 *   of the cluster's own (a bridge without ports: kernels without the dummy module have bridges),
 *   so they exist whether or not a node has pods yet.
 * Neither /16 can leave the machine: the pod range has an `unreachable` route (node bridges'
 * /24s are more specific; anything else gets "no route to host" at once, where a blackhole
 * would leave a pod's connect() to time out), and the service range is routed into the
 * cluster's portless bridge. That route must lead somewhere: the host's own connections are
 * routed before the proxy's nftables rules DNAT them to a pod, so an unreachable service range
 * would refuse every ClusterIP from the host. The proxy rejects addresses no Service holds.
 */
export interface ContainerNetwork {
  clusterCidr: string;
  serviceCidr: string;
  dnsIp: string;
  hostIp: string;
  /** The portless bridge holding hostIp and dnsIp. */
  link: string;
  /** The proxy's nftables table. */
  nftTable: string;
  nodeCidr(i: number): string;
  bridge(i: number): string;
  /** Every node bridge's name starts with it. */
  bridgePrefix: string;
  /** The cgroup under which each node's pods' cgroups go (`<root>/<node>/pod<uid>`). */
  cgroupRoot: string;
}

/** The second octet of the pod range: the identity's pod octet, kept clear of the service octets 96..111. */
function podOctet(identity: ClusterIdentity): number {
  return identity.podOctet >= 96 && identity.podOctet < 112 ? identity.podOctet + 100 : identity.podOctet;
}

export function containerNetwork(identity: ClusterIdentity): ContainerNetwork {
  const p = podOctet(identity);
  const s = identity.serviceOctet - 128;
  const short = identity.id.slice(0, 8);
  return {
    clusterCidr: `10.${p}.0.0/16`,
    serviceCidr: `10.${s}.0.0/16`,
    dnsIp: `10.${s}.0.10`,
    hostIp: `10.${p}.0.1`,
    link: `skh${short}`,
    nftTable: `skiff-${short}`,
    nodeCidr: (i) => `10.${p}.${i}.0/24`,
    bridge: (i) => `sk${short}n${i}`.slice(0, 15),
    bridgePrefix: `sk${short}n`,
    cgroupRoot: `/skiff-${short}`,
  };
}

interface Route {
  prefix: string;
  line: string;
}

function prefixRange(prefix: string): [number, number] | undefined {
  const [addr, bitsText] = prefix === 'default' ? ['0.0.0.0', '0'] : prefix.split('/');
  const parts = addr.split('.').map(Number);
  if (parts.length !== 4 || parts.some((n) => !Number.isInteger(n))) return undefined;
  const bits = bitsText === undefined ? 32 : Number(bitsText);
  const base = ((parts[0] * 256 + parts[1]) * 256 + parts[2]) * 256 + parts[3];
  const size = 2 ** (32 - bits);
  const start = base - (base % size);
  return [start, start + size - 1];
}

function overlaps(a: string, b: string): boolean {
  const ra = prefixRange(a);
  const rb = prefixRange(b);
  return !!ra && !!rb && ra[0] <= rb[1] && rb[0] <= ra[1];
}

/**
 * Routes on this machine that use addresses of the cluster's ranges and are not the cluster's
 * own (its blackholes, its bridges, its host link). The default route overlaps everything and
 * is never a conflict.
 */
export function routeConflicts(routesText: string, net: ContainerNetwork): string[] {
  const routes: Route[] = routesText
    .split('\n')
    .map((line) => line.trim())
    .filter(Boolean)
    .map((line) => {
      const words = line.split(/\s+/);
      const prefix = ['blackhole', 'unreachable', 'prohibit', 'local', 'broadcast'].includes(words[0]) ? words[1] : words[0];
      return { prefix, line };
    });
  const own = (r: Route) => {
    const dev = /\bdev (\S+)/.exec(r.line)?.[1];
    if (dev && (dev === net.link || dev.startsWith(net.bridgePrefix))) return true;
    return /^(unreachable|blackhole) /.test(r.line) && (r.prefix === net.clusterCidr || r.prefix === net.serviceCidr);
  };
  return routes.filter((r) => r.prefix !== 'default' && !own(r) && (overlaps(r.prefix, net.clusterCidr) || overlaps(r.prefix, net.serviceCidr))).map((r) => r.line);
}

function ip(args: string[], opts: { ignoreFailure?: boolean } = {}): void {
  const res = spawnSync('ip', args, { encoding: 'utf8' });
  if (res.status !== 0 && !opts.ignoreFailure) throw new Error(`ip ${args.join(' ')}: ${(res.stderr || res.stdout).trim()}`);
}

const IP_FORWARD = '/proc/sys/net/ipv4/ip_forward';

export interface HostNetwork {
  net: ContainerNetwork;
  /**
   * Whether bridged traffic passes netfilter (br_netfilter): a pod reaching a Service whose
   * endpoint is on its own bridge needs it for the reply to be un-DNATed; without it the proxy
   * must masquerade every Service connection.
   */
  bridgeNetfilter: boolean;
  /** Makes node i's bridge before the runtime does, with netfilter on for its traffic. */
  prepareNodeBridge(i: number): void;
  /** Removes the host link (and its addresses) and the unreachable routes. */
  teardown(): void;
}

/**
 * Sets the machine up for the cluster's pods: the host link with the host and DNS addresses,
 * the unreachable routes, and IPv4 forwarding (pods on one node's bridge reach another node's
 * bridge through the host). Leftovers of an earlier run of the same cluster are replaced.
 */
/** The machine's IPv4 routes (main table), as `ip -4 route show` prints them. */
export function hostRoutes(): string {
  return spawnSync('ip', ['-4', 'route', 'show'], { encoding: 'utf8' }).stdout ?? '';
}

export function setUpHostNetwork(net: ContainerNetwork): HostNetwork {
  const conflicts = routeConflicts(hostRoutes(), net);
  if (conflicts.length) {
    throw new Error(`this machine already routes addresses in the cluster's ranges ${net.clusterCidr} / ${net.serviceCidr}: ${conflicts.join('; ')}. Pick other ranges by removing cluster.json's podOctet/serviceOctet in the data dir.`);
  }
  teardownHostNetwork(net);
  ip(['link', 'add', net.link, 'type', 'bridge']);
  try {
    ip(['link', 'set', net.link, 'up']);
    ip(['addr', 'add', `${net.hostIp}/32`, 'dev', net.link]);
    ip(['addr', 'add', `${net.dnsIp}/32`, 'dev', net.link]);
    ip(['route', 'add', 'unreachable', net.clusterCidr]);
    ip(['route', 'add', net.serviceCidr, 'dev', net.link]);
    if (existsSync(IP_FORWARD) && readFileSync(IP_FORWARD, 'utf8').trim() !== '1') writeFileSync(IP_FORWARD, '1\n');
  } catch (err) {
    teardownHostNetwork(net);
    throw err;
  }
  const bridgeNetfilter = existsSync('/proc/sys/net/bridge/bridge-nf-call-iptables');
  return {
    net,
    bridgeNetfilter,
    prepareNodeBridge: (i) => {
      // The CNI bridge plugin takes a bridge that exists as it is; per-bridge nf_call_iptables
      // works whatever the machine-wide sysctl says.
      ip(['link', 'add', net.bridge(i), 'type', 'bridge'], { ignoreFailure: true });
      if (bridgeNetfilter) ip(['link', 'set', net.bridge(i), 'type', 'bridge', 'nf_call_iptables', '1'], { ignoreFailure: true });
      ip(['link', 'set', net.bridge(i), 'up'], { ignoreFailure: true });
    },
    teardown: () => teardownHostNetwork(net),
  };
}

/** Removes what setUpHostNetwork made; quiet about what is already gone. IPv4 forwarding stays on (other clusters may need it). */
export function teardownHostNetwork(net: ContainerNetwork): void {
  for (const type of ['unreachable', 'blackhole']) {
    ip(['route', 'del', type, net.clusterCidr], { ignoreFailure: true });
    ip(['route', 'del', type, net.serviceCidr], { ignoreFailure: true });
  }
  ip(['route', 'del', net.serviceCidr, 'dev', net.link], { ignoreFailure: true });
  ip(['link', 'del', net.link], { ignoreFailure: true });
  // Node bridges a runtime did not remove (one that failed to start, or was killed).
  const links = spawnSync('ip', ['-o', 'link', 'show'], { encoding: 'utf8' }).stdout ?? '';
  for (const m of links.matchAll(/^\d+: ([^:@\s]+)/gm)) if (m[1].startsWith(net.bridgePrefix)) ip(['link', 'del', m[1]], { ignoreFailure: true });
}
