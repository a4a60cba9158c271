import {
  ApiError,
  DNS_SERVICE_IP,
  goQuote,
  InvalidError,
  ipToNumber,
  NODE_PORT_RANGE,
  numberToIp,
  parseCidr,
  type KubeObject,
  type StatusCause,
} from '@skiff/apimachinery';
import type { Allocation, AllocationConflictError, Store } from '@skiff/store';
import { clone } from './objects.js';

/**
 * Cluster IPs and node ports for Services, like Kubernetes' service REST storage: the API server
 * picks the values, and the store claims them in the same transaction as the Service
 * (`Store.create/update(..., { allocations })`), so no value is handed out twice, whichever API
 * server picked it, and a write that fails holds nothing.
 */

export const SERVICE_IP_POOL = 'service-ip';
export const NODE_PORT_POOL = 'node-port';

/** Random picks before falling back to reading what is taken (a nearly full range). */
const RANDOM_ATTEMPTS = 3;
/** Conflicts on values the server picked before giving up: only reached under extreme contention. */
const MAX_ATTEMPTS = 10;

type Spec = Record<string, unknown>;
type Port = Record<string, unknown>;

/** A Service with its allocated values filled in, and what it holds. */
export interface ServiceClaim {
  object: KubeObject;
  /** Everything the Service holds after the write. */
  allocations: Allocation[];
  /** Values the user chose (or the Service already held), by `pool/value`, with the field that holds them. */
  chosen: Map<string, string>;
}

/** Values this request must not pick again (they turned out taken), and how often it tried. */
export class AllocationRetry {
  attempts = 0;
  readonly avoid = new Set<string>();
}

/** The addresses of `cidr` that may be handed out: not the network or broadcast address. */
export interface IpRange {
  cidr: string;
  first: number;
  last: number;
}

export function serviceIpRange(cidr: string): IpRange {
  const { base, size, prefix } = parseCidr(cidr);
  // 127.224.0.0/12: base 127.224.0.0, size 2^20; usable 127.224.0.1 .. 127.239.255.254.
  return { cidr: `${numberToIp(base)}/${prefix}`, first: base + 1, last: base + size - 2 };
}

const key = (pool: string, value: string) => `${pool}/${value}`;

export function clusterIpOf(spec: Spec): string {
  if (typeof spec.clusterIP === 'string' && spec.clusterIP) return spec.clusterIP;
  if (Array.isArray(spec.clusterIPs) && typeof spec.clusterIPs[0] === 'string') return spec.clusterIPs[0];
  return '';
}

function wantsNodePorts(spec: Spec): boolean {
  return spec.type === 'NodePort' || (spec.type === 'LoadBalancer' && spec.allocateLoadBalancerNodePorts !== false);
}

function exposesNodePorts(spec: Spec): boolean {
  return spec.type === 'NodePort' || spec.type === 'LoadBalancer';
}

function portsOf(spec: Spec): Port[] {
  return Array.isArray(spec.ports) ? (spec.ports.filter((p) => p !== null && typeof p === 'object') as Port[]) : [];
}

/** The old port a new one continues: same number and protocol, else the same name. */
function previousPort(port: Port, oldPorts: Port[]): Port | undefined {
  const protocol = port.protocol ?? 'TCP';
  return (
    oldPorts.find((o) => o.port === port.port && (o.protocol ?? 'TCP') === protocol) ??
    (typeof port.name === 'string' && port.name ? oldPorts.find((o) => o.name === port.name) : undefined)
  );
}

function invalidField(svc: KubeObject, field: string, message: string): InvalidError {
  return new InvalidError({ kind: 'Service', name: svc.metadata.name }, [{ reason: 'FieldValueInvalid', field, message }]);
}

/**
 * What an update keeps from the stored Service (Kubernetes' PrepareForUpdate and
 * dropTypeDependentFields), on a copy of `next`:
 * - a write that omits clusterIP (kubectl apply or replace of a file without it) keeps the old
 *   one; naming another is an error: the cluster IP is immutable;
 * - a port that omits nodePort keeps the nodePort of the old port it continues;
 * - leaving NodePort/LoadBalancer drops the node ports the old Service held (and the external
 *   traffic policy), and becoming ExternalName drops the cluster IP, unless the write changed
 *   them itself: a merge patch of just `type` works.
 */
export function keepAllocatedValues(next: KubeObject, old: KubeObject): KubeObject {
  const out = clone(next);
  const spec = (out.spec ??= {}) as Spec;
  const oldSpec = (old.spec ?? {}) as Spec;
  const oldIp = oldSpec.type === 'ExternalName' ? '' : clusterIpOf(oldSpec);
  const ip = clusterIpOf(spec);

  if (spec.type === 'ExternalName') {
    if (ip === oldIp) {
      for (const field of ['clusterIP', 'clusterIPs', 'ipFamilies', 'ipFamilyPolicy']) delete spec[field];
    }
  } else if (oldIp && !ip) {
    spec.clusterIP = oldIp;
    spec.clusterIPs = clone(oldSpec.clusterIPs ?? [oldIp]);
  } else if (oldIp && ip !== oldIp) {
    const field = typeof spec.clusterIP === 'string' && spec.clusterIP ? 'spec.clusterIP' : 'spec.clusterIPs[0]';
    throw invalidField(out, field, `Invalid value: ${JSON.stringify(ip)}: field is immutable`);
  }

  const oldPorts = portsOf(oldSpec);
  if (exposesNodePorts(spec)) {
    for (const port of portsOf(spec)) {
      const previous = previousPort(port, oldPorts);
      if (!port.nodePort && previous?.nodePort) port.nodePort = previous.nodePort;
    }
  } else if (exposesNodePorts(oldSpec)) {
    const held = new Set(oldPorts.map((p) => p.nodePort).filter(Boolean));
    for (const port of portsOf(spec)) if (held.has(port.nodePort)) delete port.nodePort;
    const externalIPs = Array.isArray(spec.externalIPs) && spec.externalIPs.length > 0;
    if (!externalIPs && spec.externalTrafficPolicy === oldSpec.externalTrafficPolicy) delete spec.externalTrafficPolicy;
  }
  if (spec.type !== 'LoadBalancer' && spec.allocateLoadBalancerNodePorts === oldSpec.allocateLoadBalancerNodePorts) delete spec.allocateLoadBalancerNodePorts;
  return out;
}

/** The values a Service holds, as the store records them. */
export function allocationsOf(svc: KubeObject): Allocation[] {
  const spec = (svc.spec ?? {}) as Spec;
  if (spec.type === 'ExternalName') return [];
  const out: Allocation[] = [];
  const ip = clusterIpOf(spec);
  if (ip && ip !== 'None') out.push({ pool: SERVICE_IP_POOL, value: ip });
  if (exposesNodePorts(spec)) {
    for (const port of portsOf(spec)) if (typeof port.nodePort === 'number' && port.nodePort) out.push({ pool: NODE_PORT_POOL, value: String(port.nodePort) });
  }
  return out.filter((a, i) => out.findIndex((b) => b.pool === a.pool && b.value === a.value) === i);
}

export class ServiceAllocator {
  private readonly ips: IpRange;

  constructor(
    private readonly store: Store,
    serviceClusterIpRange: string,
    private readonly random: () => number = Math.random,
  ) {
    this.ips = serviceIpRange(serviceClusterIpRange);
  }

  /**
   * Fills in the cluster IP and node ports a Service (defaulted, not yet validated) lacks, keeping
   * what `old` held on update, and lists what it will hold. Throws InvalidError for a chosen IP
   * outside the range and for a changed cluster IP.
   */
  async claim(svc: KubeObject, old: KubeObject | undefined, retry: AllocationRetry): Promise<ServiceClaim> {
    const out = old ? keepAllocatedValues(svc, old) : clone(svc);
    const spec = (out.spec ??= {}) as Spec;
    const chosen = new Map<string, string>();
    if (spec.type === 'ExternalName') return { object: out, allocations: [], chosen };

    const chosenIp = clusterIpOf(spec);
    const ip = chosenIp || (await this.pick(SERVICE_IP_POOL, retry));
    spec.clusterIP = ip;
    if (!Array.isArray(spec.clusterIPs) || spec.clusterIPs.length === 0) spec.clusterIPs = [ip];
    if (chosenIp && chosenIp !== 'None') {
      // Kubernetes' allocator reports a chosen address on spec.clusterIPs (see clusterIpFailure).
      if (isIpv4(ip) && !this.inIpRange(ip)) {
        throw invalidField(out, 'spec.clusterIPs', clusterIpFailure(out, `the provided IP (${ip}) is not in the valid range. The range of valid IPs is ${this.ips.cidr}`));
      }
      chosen.set(key(SERVICE_IP_POOL, ip), 'spec.clusterIPs');
    }
    spec.ipFamilies ??= ['IPv4'];
    spec.ipFamilyPolicy ??= 'SingleStack';

    if (exposesNodePorts(spec)) {
      const ports = Array.isArray(spec.ports) ? (spec.ports as unknown[]) : [];
      for (const [i, port] of ports.entries()) {
        if (port === null || typeof port !== 'object') continue;
        const p = port as Port;
        if (p.nodePort) {
          if (typeof p.nodePort === 'number') chosen.set(key(NODE_PORT_POOL, String(p.nodePort)), `spec.ports[${i}].nodePort`);
        } else if (wantsNodePorts(spec)) {
          p.nodePort = Number(await this.pick(NODE_PORT_POOL, retry, allocationsOf(out)));
        }
      }
    }
    // Only valid values are claimed: validation rejects the rest before anything is written.
    const allocations = allocationsOf(out).filter((a) => (a.pool === SERVICE_IP_POOL ? isIpv4(a.value) && this.inIpRange(a.value) : inNodePortRange(Number(a.value))));
    return { object: out, allocations, chosen };
  }

  /**
   * After the store refused a claim: a value the user chose is a 422 on its field; a value the
   * server picked is avoided on the next attempt (the caller retries).
   */
  conflict(claim: ServiceClaim, err: AllocationConflictError, retry: AllocationRetry): void {
    const field = claim.chosen.get(key(err.pool, err.value));
    if (field) throw invalidField(claim.object, field, alreadyAllocated(claim.object, err.pool, err.value));
    retry.avoid.add(key(err.pool, err.value));
    if (++retry.attempts >= MAX_ATTEMPTS) throw new ApiError(500, 'InternalError', `Internal error occurred: failed to allocate a ${err.pool} after ${MAX_ATTEMPTS} attempts`);
  }

  /** A dry run claims nothing, but reports a chosen value another object holds as the write would. */
  async checkChosen(claim: ServiceClaim, old: KubeObject | undefined): Promise<void> {
    const own = new Set((old ? allocationsOf(old) : []).map((a) => key(a.pool, a.value)));
    const causes: StatusCause[] = [];
    const taken = new Map<string, Set<string>>();
    for (const a of claim.allocations) {
      const field = claim.chosen.get(key(a.pool, a.value));
      if (!field || own.has(key(a.pool, a.value))) continue;
      if (!taken.has(a.pool)) taken.set(a.pool, await this.store.allocations(a.pool));
      if (taken.get(a.pool)!.has(a.value)) causes.push({ reason: 'FieldValueInvalid', field, message: alreadyAllocated(claim.object, a.pool, a.value) });
    }
    if (causes.length) throw new InvalidError({ kind: 'Service', name: claim.object.metadata.name }, causes);
  }

  private inIpRange(ip: string): boolean {
    const n = ipToNumber(ip);
    return n >= this.ips.first && n <= this.ips.last;
  }

  /**
   * A free value of `pool`: random at first (values are rarely taken, and concurrent pickers
   * rarely collide), then, after conflicts, one known to be free when read.
   */
  private async pick(pool: string, retry: AllocationRetry, alsoAvoid: Allocation[] = []): Promise<string> {
    const range = pool === SERVICE_IP_POOL ? { first: this.ips.first, last: this.ips.last } : { first: NODE_PORT_RANGE.min, last: NODE_PORT_RANGE.max };
    const format = pool === SERVICE_IP_POOL ? numberToIp : String;
    const reserved = new Set(alsoAvoid.filter((a) => a.pool === pool).map((a) => a.value));
    if (pool === SERVICE_IP_POOL) reserved.add(DNS_SERVICE_IP);
    const usable = (value: string) => !reserved.has(value) && !retry.avoid.has(key(pool, value));
    const size = range.last - range.first + 1;
    if (retry.attempts < RANDOM_ATTEMPTS) {
      for (let draw = 0; draw < 16; draw++) {
        const value = format(range.first + Math.floor(this.random() * size));
        if (usable(value)) return value;
      }
    }
    const taken = await this.store.allocations(pool);
    const start = Math.floor(this.random() * size);
    for (let i = 0; i < size; i++) {
      const value = format(range.first + ((start + i) % size));
      if (usable(value) && !taken.has(value)) return value;
    }
    throw new ApiError(500, 'InternalError', `Internal error occurred: failed to allocate a ${pool}: the range is full`);
  }
}

function alreadyAllocated(svc: KubeObject, pool: string, value: string): string {
  return pool === SERVICE_IP_POOL ? clusterIpFailure(svc, 'provided IP is already allocated') : `Invalid value: ${value}: provided port is already allocated`;
}

/**
 * kube-apiserver's message for a chosen cluster IP it cannot allocate, on field spec.clusterIPs:
 * `Invalid value: []string{"10.0.0.300"}: failed to allocate IP 10.0.0.300: <why>`.
 */
function clusterIpFailure(svc: KubeObject, why: string): string {
  const spec = (svc.spec ?? {}) as Spec;
  const ips = (Array.isArray(spec.clusterIPs) ? spec.clusterIPs : [spec.clusterIP]).map((v) => goQuote(String(v)));
  return `Invalid value: []string{${ips.join(', ')}}: failed to allocate IP ${clusterIpOf(spec)}: ${why}`;
}

function isIpv4(value: string): boolean {
  try {
    ipToNumber(value);
    return true;
  } catch {
    return false;
  }
}

function inNodePortRange(port: number): boolean {
  return Number.isInteger(port) && port >= NODE_PORT_RANGE.min && port <= NODE_PORT_RANGE.max;
}
