/**
 * Skiff's address plan, all inside 127.0.0.0/8 so a single machine needs no network setup:
 * - pods: one /24 per node, 127.<cluster octet 16..199>.<node>.0/24 (`skiff up`); a joined agent
 *   picks its own range outside the service range;
 * - services: SERVICE_CIDR (ClusterIPs), which never overlaps the pod ranges;
 * - cluster DNS: DNS_SERVICE_IP, reserved in the service range, port 53, served by each machine's
 *   proxy (like kube-dns's 10.96.0.10).
 */
export const SERVICE_CIDR = '127.224.0.0/12';
export const DNS_SERVICE_IP = '127.224.0.10';
export const CLUSTER_DOMAIN = 'cluster.local';

/** Parses a.b.c.d/n into its first address and size; throws on anything else. */
export function parseCidr(cidr: string): { base: number; size: number; prefix: number } {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/.exec(cidr);
  if (!m) throw new Error(`invalid CIDR ${JSON.stringify(cidr)}`);
  const octets = m.slice(1, 5).map(Number);
  const prefix = Number(m[5]);
  if (octets.some((o) => o > 255) || prefix > 32) throw new Error(`invalid CIDR ${JSON.stringify(cidr)}`);
  const size = 2 ** (32 - prefix);
  const ip = ipToNumber(octets.join('.'));
  return { base: ip - (ip % size), size, prefix };
}

export function ipToNumber(ip: string): number {
  const parts = ip.split('.').map(Number);
  if (parts.length !== 4 || parts.some((p) => !Number.isInteger(p) || p < 0 || p > 255)) throw new Error(`invalid IPv4 address ${JSON.stringify(ip)}`);
  return ((parts[0] * 256 + parts[1]) * 256 + parts[2]) * 256 + parts[3];
}

export function numberToIp(n: number): string {
  return [24, 16, 8, 0].map((s) => Math.floor(n / 2 ** s) % 256).join('.');
}

export function cidrContains(cidr: string, ip: string): boolean {
  const { base, size } = parseCidr(cidr);
  let n: number;
  try {
    n = ipToNumber(ip);
  } catch {
    return false;
  }
  return n >= base && n < base + size;
}
