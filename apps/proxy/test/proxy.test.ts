import { createHash, randomBytes, randomInt } from 'node:crypto';
import { Agent } from 'node:http';
import { connect, createServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeEndpointSlices, makeService } from '../src/testing/builders.js';
import { accepts, counts, get, PODS, ProxyCluster, SERVICES, until } from './proxyCluster.js';

let c: ProxyCluster;
// Backends 1..3 serve; 9 refuses.
const backends = (cl: ProxyCluster) => [cl.podIp(1), cl.podIp(2), cl.podIp(3)];

beforeAll(async () => {
  c = await ProxyCluster.start();
  await c.startBackends(backends(c));
});
afterAll(() => c?.stop());

async function serviceWithBackends(name: string, ipIndex: number, addresses: (string | { ip: string; targetRef?: { kind: string; uid: string } })[], build = makeService(name), port: { nodePort?: number } = {}) {
  const ip = c.serviceIp(ipIndex);
  await c.createService(build.clusterIP(ip).port(80, port).build());
  await c.putEndpointSlices(makeEndpointSlices(name, [{ addresses, ports: [{ port: 8080 }] }]));
  await until(`${name} forwarding`, async () => (await get(ip, 80).catch(() => '')) !== '');
  return ip;
}

describe('TCP proxy', () => {
  it('spreads connections round-robin over three backends', async () => {
    const ip = await serviceWithBackends('rr', 10, backends(c));
    const seen = await counts(300, () => get(ip, 80));
    expect([...seen.keys()].sort()).toEqual(backends(c).sort());
    for (const n of seen.values()) expect(n).toBeGreaterThanOrEqual(70);
  });

  it('skips an endpoint that refuses, with no client errors', async () => {
    const ip = await serviceWithBackends('refused', 11, [c.podIp(9), ...backends(c)]);
    const seen = await counts(100, () => get(ip, 80));
    expect([...seen.values()].reduce((a, b) => a + b, 0)).toBe(100);
    expect(seen.has(c.podIp(9))).toBe(false);
    const failures = await c.proxy.registry.getSingleMetric('skiff_proxy_endpoint_connect_failures_total')!.get();
    expect(failures.values.find((v) => v.labels.service === 'default/refused')?.value).toBeGreaterThan(0);
  });

  it('pins each client address to one backend under ClientIP affinity', async () => {
    const ip = await serviceWithBackends('sticky', 12, backends(c), makeService('sticky').affinity(60));
    const picked = new Set<string>();
    for (const client of ['127.77.0.1', '127.77.0.2', '127.77.0.3', '127.77.0.4']) {
      const seen = await counts(20, () => get(ip, 80, { localAddress: client }));
      expect(seen.size).toBe(1);
      picked.add([...seen.keys()][0]);
    }
    expect(picked.size).toBeGreaterThan(1);
  });

  it('stops sending new connections to an endpoint removed from Endpoints at once, while its open connection carries on', async () => {
    const ip = await serviceWithBackends('drain', 13, backends(c));
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    try {
      // Open a kept-alive connection and find which backend it reached.
      const held = await get(ip, 80, { agent });
      await c.putEndpointSlices(makeEndpointSlices('drain', [{ addresses: backends(c).filter((b) => b !== held), ports: [{ port: 8080 }] }]));
      const took = await until('the removed endpoint to leave rotation', async () => {
        const seen = await counts(6, () => get(ip, 80));
        return !seen.has(held);
      });
      // Within the watch event: the proxy has no periodic resync, so a missed event would leave the
      // endpoint in rotation until the informer re-lists (never, here). 5 s leaves room for a slow
      // machine's watch delivery, re-plan and rounds of requests; `until` gives up at 10 s.
      expect(took).toBeLessThan(5000);
      const after = await counts(60, () => get(ip, 80));
      expect(after.has(held)).toBe(false);
      // The connection opened before still reaches the endpoint that left.
      expect(await get(ip, 80, { agent })).toBe(held);
    } finally {
      agent.destroy();
    }
  });

  it('takes an endpoint out of rotation as soon as its pod has a deletionTimestamp', async () => {
    const pod = await c.client.create(PODS, {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'leaving', namespace: 'default', finalizers: ['skiff.test/hold'] },
      spec: { containers: [{ name: 'main', image: 'busybox:1' }] },
    });
    const [leaving, ...rest] = backends(c);
    const ip = await serviceWithBackends('terminating', 14, [{ ip: leaving, targetRef: { kind: 'Pod', uid: pod.metadata.uid! } }, ...rest]);
    expect((await counts(9, () => get(ip, 80))).has(leaving)).toBe(true);
    await c.client.delete(PODS, 'default', 'leaving');
    const took = await until('the terminating pod to leave rotation', async () => !(await counts(6, () => get(ip, 80))).has(leaving));
    // Within the pod's watch event; without reacting to the deletionTimestamp the endpoint stays in
    // rotation (no endpoints controller runs here, and the proxy has no periodic resync).
    expect(took).toBeLessThan(5000);
    expect((await counts(30, () => get(ip, 80))).has(leaving)).toBe(false);
    await c.client.patch(PODS, 'default', 'leaving', { metadata: { finalizers: [] } });
  });

  it('answers a NodePort Service on the node port address', async () => {
    const nodePort = randomInt(30_000, 32_768);
    await serviceWithBackends('np', 15, backends(c), makeService('np').type('NodePort'), { nodePort });
    await until('the node port to answer', async () => backends(c).includes(await get('127.0.0.1', nodePort).catch(() => '')));
  });

  it('closes the connection when a Service has no ready endpoints', async () => {
    const ip = c.serviceIp(16);
    await c.createService(makeService('empty').clusterIP(ip).port(80).build());
    await c.putEndpointSlices(makeEndpointSlices('empty', [{ addresses: [], notReady: [c.podIp(1)], ports: [{ port: 8080 }] }]));
    await until('the listener', () => accepts(ip, 80));
    await expect(get(ip, 80)).rejects.toThrow();
  });

  it('carries a large upload with backpressure and passes a half-close on', async () => {
    // The backend reads until the client's FIN, then answers with a digest of what it got.
    const sink = createServer({ allowHalfOpen: true }, (sock) => {
      const hash = createHash('sha256');
      sock.on('data', (d) => hash.update(d));
      sock.on('end', () => sock.end(hash.digest('hex')));
    });
    await new Promise<void>((r) => sink.listen(9000, c.podIp(4), () => r()));
    try {
      const ip = c.serviceIp(18);
      await c.createService(makeService('sink').clusterIP(ip).port(90).build());
      await c.putEndpointSlices(makeEndpointSlices('sink', [{ addresses: [c.podIp(4)], ports: [{ port: 9000 }] }]));
      await until('the sink endpoint', () => c.proxy.plan().servicePorts.get('default/sink:90')?.backends.length === 1);
      await c.proxy.settled();
      const payload = randomBytes(16 * 1024 * 1024);
      const reply = await new Promise<string>((resolve, reject) => {
        const s = connect({ host: ip, port: 90, allowHalfOpen: true });
        let got = '';
        s.setEncoding('utf8');
        s.on('data', (d: string) => (got += d));
        s.on('end', () => resolve(got));
        s.on('error', reject);
        s.end(payload);
      });
      expect(reply).toBe(createHash('sha256').update(payload).digest('hex'));
      // Both FINs passed on, both sockets closed: nothing left counted as active.
      await until('the connection to be closed on both sides', async () => {
        const active = await c.proxy.registry.getSingleMetric('skiff_proxy_active_connections')!.get();
        return active.values.find((v) => v.labels.service === 'default/sink')?.value === 0;
      });
    } finally {
      sink.close();
    }
  });

  it('closes the listener when the Service is deleted', async () => {
    const ip = await serviceWithBackends('gone', 17, backends(c));
    await c.client.delete(SERVICES, 'default', 'gone');
    const took = await until('the listener to close', async () => !(await accepts(ip, 80)));
    // Within the watch event; otherwise the listener stays open (no periodic resync to drop it).
    expect(took).toBeLessThan(5000);
  });
});
