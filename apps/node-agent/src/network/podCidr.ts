/** IPv4 CIDR arithmetic for the node's pod range. Addresses are unsigned 32-bit integers. */

export interface Cidr {
  /** The network address. */
  network: number;
  prefix: number;
}

export function ipToInt(ip: string): number {
  const parts = ip.split('.');
  if (parts.length !== 4 || parts.some((p) => !/^\d{1,3}$/.test(p) || Number(p) > 255)) throw new Error(`invalid IPv4 address "${ip}"`);
  return parts.reduce((acc, p) => acc * 256 + Number(p), 0);
}

export function intToIp(n: number): string {
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
}

export function parseCidr(text: string): Cidr {
  const [ip, prefixText, ...rest] = text.split('/');
  if (rest.length || prefixText === undefined || !/^\d{1,2}$/.test(prefixText) || Number(prefixText) > 32) {
    throw new Error(`invalid CIDR "${text}": expected a.b.c.d/N`);
  }
  const prefix = Number(prefixText);
  const size = 2 ** (32 - prefix);
  const network = Math.floor(ipToInt(ip) / size) * size;
  return { network, prefix };
}

export function cidrSize(c: Cidr): number {
  return 2 ** (32 - c.prefix);
}

export function cidrContains(c: Cidr, ip: string): boolean {
  const n = ipToInt(ip);
  return n >= c.network && n < c.network + cidrSize(c);
}

const LOOPBACK = parseCidr('127.0.0.0/8');

/** Pods share the host's loopback interface, so their range must lie inside 127.0.0.0/8. */
export function isLoopbackCidr(c: Cidr): boolean {
  return c.prefix >= 8 && c.network >= LOOPBACK.network && c.network < LOOPBACK.network + cidrSize(LOOPBACK);
}

/** 127.0.0.1 is the node's own address (its InternalIP), never a pod's. */
const RESERVED = new Set([ipToInt('127.0.0.1')]);

/**
 * Whether `n` may be given to a pod: not the network or broadcast address of the range (for
 * 127.16.0.0/16 that leaves 127.16.0.1 .. 127.16.255.254) and not a reserved address.
 */
export function isAssignable(c: Cidr, n: number): boolean {
  const last = c.network + cidrSize(c) - 1;
  if (n < c.network || n > last) return false;
  if (cidrSize(c) > 2 && (n === c.network || n === last)) return false;
  return !RESERVED.has(n);
}
