import { randomInt } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeEndpointSlices, makeService } from '../src/testing/builders.js';
import { get, ProxyCluster, udpClient, until } from './proxyCluster.js';

/** Short enough to watch a session end in a test; long enough for each test's exchanges. */
const IDLE_MS = 1500;

let c: ProxyCluster;
const backends = (cl: ProxyCluster) => [cl.podIp(1), cl.podIp(2), cl.podIp(3)];

beforeAll(async () => {
  c = await ProxyCluster.start({ udpIdleTimeoutMs: IDLE_MS });
  await c.startUdpBackends(backends(c), 5353);
});
afterAll(() => c?.stop());

async function udpService(name: string, ipIndex: number, addresses: string[], build = makeService(name), port: { nodePort?: number } = {}) {
  const ip = c.serviceIp(ipIndex);
  await c.createService(build.clusterIP(ip).port(53, { protocol: 'UDP', ...port }).build());
  await c.putEndpointSlices(makeEndpointSlices(name, [{ addresses, ports: [{ port: 5353, protocol: 'UDP' }] }]));
  await until(`${name} planned`, () => c.proxy.plan().servicePorts.get(`default/${name}:53`)?.backends.length === addresses.length);
  await c.proxy.settled();
  return ip;
}

async function activeSessions(service: string): Promise<number | undefined> {
  const active = await c.proxy.registry.getSingleMetric('skiff_proxy_active_connections')!.get();
  return active.values.find((v) => v.labels.service === service)?.value;
}

describe('UDP proxy', () => {
  it('answers from the Service address, each client on its own backend, round-robin over clients', async () => {
    const ip = await udpService('dns', 20, backends(c));
    const seen = new Map<string, number>();
    for (let i = 0; i < 9; i++) {
      const client = await udpClient();
      try {
        const first = await client.ask(ip, 53, `q${i}`);
        const [backend, echo] = first.text.split(' ');
        expect(echo).toBe(`q${i}`);
        expect(first.from).toBe(`${ip}:53`);
        // Later datagrams from the same client address and port stay in its session.
        for (let j = 0; j < 3; j++) expect((await client.ask(ip, 53, `r${j}`)).text).toBe(`${backend} r${j}`);
        seen.set(backend, (seen.get(backend) ?? 0) + 1);
      } finally {
        client.close();
      }
    }
    expect([...seen.keys()].sort()).toEqual(backends(c).sort());
    for (const n of seen.values()) expect(n).toBe(3);
  });

  it('moves a session whose backend leaves the endpoints to one still in rotation', async () => {
    const ip = await udpService('moving', 21, backends(c));
    const client = await udpClient();
    try {
      const held = (await client.ask(ip, 53, 'a')).text.split(' ')[0];
      const rest = backends(c).filter((b) => b !== held);
      await c.putEndpointSlices(makeEndpointSlices('moving', [{ addresses: rest, ports: [{ port: 5353, protocol: 'UDP' }] }]));
      await until('the endpoint to leave', () => c.proxy.plan().servicePorts.get('default/moving:53')?.backends.length === 2);
      await c.proxy.settled();
      const now = (await client.ask(ip, 53, 'b')).text.split(' ')[0];
      expect(rest).toContain(now);
    } finally {
      client.close();
    }
  });

  it('ends a session after its idle timeout', async () => {
    const ip = await udpService('idle', 22, backends(c));
    const client = await udpClient();
    try {
      await client.ask(ip, 53, 'hello');
      expect(await activeSessions('default/idle')).toBe(1);
      const took = await until('the session to end', async () => (await activeSessions('default/idle')) === 0, 10_000);
      expect(took).toBeGreaterThan(IDLE_MS / 2);
      // The same client address starts a new session.
      expect((await client.ask(ip, 53, 'again')).text).toMatch(/ again$/);
      expect(await activeSessions('default/idle')).toBe(1);
    } finally {
      client.close();
    }
  });

  it('pins each client address to one backend under ClientIP affinity, across its sessions', async () => {
    const ip = await udpService('sticky', 23, backends(c), makeService('sticky').affinity(60));
    const picked = new Set<string>();
    for (const address of ['127.78.0.1', '127.78.0.2', '127.78.0.3', '127.78.0.4']) {
      const seen = new Set<string>();
      for (let i = 0; i < 5; i++) {
        const client = await udpClient(address);
        try {
          seen.add((await client.ask(ip, 53, 'x')).text.split(' ')[0]);
        } finally {
          client.close();
        }
      }
      expect(seen.size).toBe(1);
      picked.add([...seen][0]);
    }
    expect(picked.size).toBeGreaterThan(1);
  });

  it('serves a UDP NodePort, and TCP and UDP on the same Service port side by side', async () => {
    const nodePort = randomInt(30_000, 32_768);
    const ip = c.serviceIp(24);
    await c.startBackends([c.podIp(5)], 5353);
    await c.startUdpBackends([c.podIp(5)], 5353);
    await c.createService(makeService('both').type('NodePort').clusterIP(ip).port(53, { name: 'udp', protocol: 'UDP', nodePort }).port(53, { name: 'tcp', nodePort }).build());
    await c.putEndpointSlices(makeEndpointSlices('both', [{ addresses: [c.podIp(5)], ports: [{ name: 'udp', port: 5353, protocol: 'UDP' }, { name: 'tcp', port: 5353 }] }]));
    await until('both ports planned', () => c.proxy.plan().servicePorts.get('default/both:udp')?.backends.length === 1 && c.proxy.plan().servicePorts.get('default/both:tcp')?.backends.length === 1);
    await c.proxy.settled();
    const client = await udpClient();
    try {
      expect((await client.ask(ip, 53, 'u')).text).toBe(`${c.podIp(5)} u`);
      expect(await client.ask('127.0.0.1', nodePort, 'n')).toEqual({ text: `${c.podIp(5)} n`, from: `127.0.0.1:${nodePort}` });
    } finally {
      client.close();
    }
    expect(await get(ip, 53)).toBe(c.podIp(5));
    expect(await get('127.0.0.1', nodePort)).toBe(c.podIp(5));
  });

  it('drops datagrams for a Service without ready endpoints, counting them', async () => {
    const ip = c.serviceIp(25);
    await c.createService(makeService('empty').clusterIP(ip).port(53, { protocol: 'UDP' }).build());
    await c.putEndpointSlices(makeEndpointSlices('empty', [{ addresses: [], notReady: [c.podIp(1)], ports: [{ port: 5353, protocol: 'UDP' }] }]));
    await until('the listener', () => c.proxy.plan().listeners.has(`${ip}:53/udp`));
    await c.proxy.settled();
    const client = await udpClient();
    try {
      await expect(client.ask(ip, 53, 'anyone?')).rejects.toThrow(/no UDP reply/);
    } finally {
      client.close();
    }
    const connections = await c.proxy.registry.getSingleMetric('skiff_proxy_connections_total')!.get();
    expect(connections.values.find((v) => v.labels.service === 'default/empty' && v.labels.result === 'no_endpoints')?.value).toBe(1);
  });
});
