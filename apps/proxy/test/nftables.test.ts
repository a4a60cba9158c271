import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cleanupNftables, runNft, serviceSpec } from '../src/index.js';
import { makeEndpointSlices, makeService } from '../src/testing/builders.js';
import { PodNetwork, POD_PORT, type Pod, type Probe } from './podNetwork.js';
import { ProxyCluster, until } from './proxyCluster.js';

// Real network namespaces, a bridge, routes and an nftables table: run as root (as CI does).
let net: PodNetwork;
let c: ProxyCluster;
let table: string;
const clusterIPs = new Set<string>();

beforeAll(async () => {
  net = new PodNetwork();
  table = `skiff-t${net.id}`;
  await net.create(3);
  net.onDestroy(`nftables table ${table}`, async () => {
    const r = await cleanupNftables(table);
    if (!r.ok) throw new Error(r.error);
  });
  c = await ProxyCluster.start({ mode: 'nftables', nftTable: table, clusterCidr: net.podCidr, serviceClusterIpRange: net.serviceCidr }, { serviceClusterIpRange: net.serviceCidr });
}, 120_000);

afterAll(async () => {
  try {
    await c?.stop();
  } finally {
    await net?.destroy();
  }
}, 60_000);

/** Creates a Service on port 80 (ClusterIP allocated from the test's range) and its Endpoints; resolves once the table holds them. */
async function serviceFor(name: string, endpoints: Pod[], build = makeService(name), notReady: Pod[] = []): Promise<string> {
  const svc = await c.createService(build.port(80).build());
  const ip = serviceSpec(svc).clusterIP!;
  clusterIPs.add(ip);
  await setEndpoints(name, endpoints, notReady);
  return ip;
}

async function setEndpoints(name: string, ready: Pod[], notReady: Pod[] = []): Promise<void> {
  await c.putEndpointSlices(makeEndpointSlices(name, [{ addresses: ready.map((p) => p.ip), notReady: notReady.map((p) => p.ip), ports: [{ port: POD_PORT }] }]));
  await inTable(`default/${name}:80`, ready.length);
}

/** Waits for the plan to hold `key` with `count` endpoints, then for the apply of that plan to finish. */
async function inTable(key: string, count: number): Promise<void> {
  await until(`${key} with ${count} endpoints planned`, () => c.proxy.nftPlan()?.endpointCounts.some((e) => `${e.service}:${e.port}` === key && e.count === count) ?? false);
  await c.proxy.settled();
}

function byPod(probes: Probe[]): Map<string, number> {
  const out = new Map<string, number>();
  for (const p of probes) {
    const k = 'pod' in p ? p.pod : `error ${p.error}`;
    out.set(k, (out.get(k) ?? 0) + 1);
  }
  return out;
}

const names = (pods: Pod[]) => pods.map((p) => p.name).sort();

/** What each connection got (the pod that answered, or the error), and the slowest one's time. */
function outcomes(probes: Probe[]): { got: string[]; slowestMs: number } {
  return { got: probes.map((p) => ('pod' in p ? p.pod : p.error)), slowestMs: Math.max(...probes.map((p) => p.ms)) };
}

async function affinityEntries(pod: Pod): Promise<string> {
  const r = await runNft(['list', 'set', 'ip', table, `affinity-default/sticky/tcp/80__${pod.ip}/${POD_PORT}`]);
  if (!r.ok) throw new Error(r.error);
  return r.stdout;
}

describe('nftables mode', () => {
  it('spreads 30 connections from the host over all 3 endpoints, masqueraded (the host is outside the cluster CIDR)', async () => {
    const ip = await serviceFor('spread', net.pods);
    const probes = await net.probe('host', ip, 80, 30);
    expect([...byPod(probes).keys()].sort()).toEqual(names(net.pods));
    // The host connects from nodeIp, outside the pod range: the endpoints see the bridge address.
    for (const p of probes) expect(p).toMatchObject({ peer: net.gateway });
  });

  it('spreads 30 connections from a pod over all 3 endpoints, keeping the client address except on the hairpin', async () => {
    const ip = await serviceFor('spread-pod', net.pods);
    const [client] = net.pods;
    const probes = await net.probe(client, ip, 80, 30);
    expect([...byPod(probes).keys()].sort()).toEqual(names(net.pods));
    for (const p of probes) {
      if (!('pod' in p)) throw new Error(`connection failed: ${p.error}`);
      // Landing on itself the pod must see another address, or its reply would skip the un-DNAT.
      expect(p.peer).toBe(p.pod === client.name ? net.gateway : client.ip);
    }
  });

  it('answers a pod that reaches its own Service and lands on itself (hairpin)', async () => {
    const [self] = net.pods;
    const ip = await serviceFor('hairpin', [self]);
    const probes = await net.probe(self, ip, 80, 5);
    expect(probes).toEqual(Array(5).fill(expect.objectContaining({ pod: self.name, peer: net.gateway })));
  });

  it('stops sending new connections to an endpoint removed from Endpoints within a bounded wait', async () => {
    const ip = await serviceFor('shrink', net.pods);
    const [, , leaving] = net.pods;
    expect(byPod(await net.probe('host', ip, 80, 30)).has(leaving.name)).toBe(true);
    await c.putEndpointSlices(makeEndpointSlices('shrink', [{ addresses: net.pods.filter((p) => p !== leaving).map((p) => p.ip), ports: [{ port: POD_PORT }] }]));
    const took = await until('the removed endpoint to leave rotation', async () => !byPod(await net.probe('host', ip, 80, 9)).has(leaving.name));
    // Within the watch event and one nft run; `until` gives up at 10 s.
    expect(took).toBeLessThan(5000);
    const after = byPod(await net.probe('host', ip, 80, 30));
    expect([...after.keys()].sort()).toEqual(names(net.pods.filter((p) => p !== leaving)));
  });

  it('refuses at once a Service with no ready endpoints, and a port the Service does not have', async () => {
    const ip = await serviceFor('empty', [], makeService('empty'), [net.pods[0]]);
    for (const from of ['host', net.pods[1]] as const) {
      for (const port of [80, 81]) {
        const { got, slowestMs } = outcomes(await net.probe(from, ip, port, 3));
        // A TCP reset: ECONNREFUSED in a few ms, where a dropped SYN would be retried for seconds.
        expect(got).toEqual(Array(3).fill('ECONNREFUSED'));
        expect(slowestMs).toBeLessThan(500);
      }
    }
  });

  it('fails at once a connection to an unallocated address of the service range (EHOSTUNREACH), from the host and from a blackhole-routed pod', async () => {
    const prefix = net.serviceCidr.replace(/\.0\/24$/, '');
    const unassigned = [...Array(50).keys()].map((i) => `${prefix}.${250 - i}`).find((a) => !clusterIPs.has(a))!;
    // Only a few from the pod: the kernel rate-limits ICMP errors to one destination (1/s after a burst of 6).
    for (const [from, count] of [['host', 5], [net.pods[2], 2]] as const) {
      const { got, slowestMs } = outcomes(await net.probe(from, unassigned, 80, count));
      expect(got).toEqual(Array(count).fill('EHOSTUNREACH'));
      expect(slowestMs).toBeLessThan(500);
    }
  });

  it('pins each client to one endpoint under ClientIP affinity, also across a re-apply of the table', async () => {
    const ip = await serviceFor('sticky', net.pods, makeService('sticky').affinity(600));
    const hostPicks = byPod(await net.probe('host', ip, 80, 20));
    expect(hostPicks.size).toBe(1);
    const podPicks = byPod(await net.probe(net.pods[1], ip, 80, 20));
    expect(podPicks.size).toBe(1);

    // The host's pick is in the kernel's affinity set of that endpoint...
    const picked = net.pods.find((p) => hostPicks.has(p.name))!;
    expect(await affinityEntries(picked)).toContain(net.nodeIp);
    // ... and survives a change to another Service, which replaces the whole table.
    await serviceFor('unrelated', [net.pods[0]]);
    expect(await affinityEntries(picked)).toContain(net.nodeIp);
    expect(byPod(await net.probe('host', ip, 80, 10))).toEqual(new Map([[picked.name, 10]]));
  });

  it('spreads UDP flows over all 3 endpoints, from the host (masqueraded) and from a pod (client address kept)', async () => {
    const svc = await c.createService(makeService('dns').port(53, { protocol: 'UDP' }).build());
    const ip = serviceSpec(svc).clusterIP!;
    clusterIPs.add(ip);
    await c.putEndpointSlices(makeEndpointSlices('dns', [{ addresses: net.pods.map((p) => p.ip), ports: [{ port: POD_PORT, protocol: 'UDP' }] }]));
    await inTable('default/dns:53', 3);
    const fromHost = await net.probe('host', ip, 53, 30, 3000, 'udp');
    expect([...byPod(fromHost).keys()].sort()).toEqual(names(net.pods));
    for (const p of fromHost) expect(p).toMatchObject({ peer: net.gateway });
    const [client] = net.pods;
    for (const p of await net.probe(client, ip, 53, 10, 3000, 'udp')) {
      if (!('pod' in p)) throw new Error(`datagram lost: ${p.error}`);
      expect(p.peer).toBe(p.pod === client.name ? net.gateway : client.ip);
    }
  });

  it('removes its table on close', async () => {
    const listed = async () => {
      const r = await runNft(['list', 'tables']);
      if (!r.ok) throw new Error(r.error);
      return r.stdout.split('\n');
    };
    expect(await listed()).toContain(`table ip ${table}`);
    await c.closeProxy();
    expect(await listed()).not.toContain(`table ip ${table}`);
  });
});
