import { randomBytes, randomInt } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface ClusterIdentity {
  /** Distinguishes this cluster's Redis keys from another cluster's on the same Redis. */
  id: string;
  /** Second octet of this cluster's pod addresses (127.X.node.pod), so two clusters on one machine never collide. */
  podOctet: number;
  /**
   * Second octet of this cluster's service range, 127.X.0.0/16 inside 127.224.0.0/12 (224..239),
   * so two clusters on one machine do not hand out the same ClusterIPs or cluster DNS address.
   */
  serviceOctet: number;
  /** The cluster registry's port on 127.0.0.1 (kept, so image references and node configs stay valid). */
  registryPort?: number;
}

/** Made at first start and kept in DIR/cluster.json (fields added later are filled in). */
export function ensureClusterIdentity(dataDir: string, fill: Partial<ClusterIdentity> = {}, acceptable: (identity: ClusterIdentity) => boolean = () => true): ClusterIdentity {
  const file = join(dataDir, 'cluster.json');
  const stored = existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as Partial<ClusterIdentity>) : {};
  const registryPort = stored.registryPort ?? fill.registryPort;
  const pick = (): ClusterIdentity => ({
    id: stored.id ?? randomBytes(4).toString('hex'),
    podOctet: stored.podOctet ?? randomInt(16, 200),
    serviceOctet: stored.serviceOctet ?? randomInt(224, 240),
    ...(registryPort !== undefined ? { registryPort } : {}),
  });
  // Ranges picked now (not kept from an earlier start) are picked again while another cluster on
  // this machine uses them.
  let identity = pick();
  for (let attempt = 0; attempt < 50 && !acceptable(identity); attempt++) identity = pick();
  if (JSON.stringify(stored) !== JSON.stringify(identity)) writeFileSync(file, JSON.stringify(identity, null, 2) + '\n');
  return identity;
}

/** This cluster's service range and the cluster DNS address in it (.0.10, like kube-dns's 10.96.0.10). */
export function serviceNetwork(identity: ClusterIdentity): { serviceCidr: string; dnsIp: string } {
  return { serviceCidr: `127.${identity.serviceOctet}.0.0/16`, dnsIp: `127.${identity.serviceOctet}.0.10` };
}
