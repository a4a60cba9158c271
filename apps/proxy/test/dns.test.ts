import { createSocket } from 'node:dgram';
import { connect } from 'node:net';
import { Resolver } from 'node:dns/promises';
import { randomInt } from 'node:crypto';
import * as packet from 'dns-packet';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeEndpointSlices, makeService } from '../src/testing/builders.js';
import { ProxyCluster, until } from './proxyCluster.js';

type Reply = packet.DecodedPacket & { rcode?: string };

function queryUdp(host: string, port: number, name: string, type: packet.RecordType = 'A'): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const sock = createSocket('udp4');
    const timer = setTimeout(() => {
      sock.close();
      reject(new Error(`no DNS reply for ${name}`));
    }, 3000);
    sock.on('message', (msg) => {
      clearTimeout(timer);
      sock.close();
      resolve(packet.decode(msg) as Reply);
    });
    sock.send(packet.encode({ type: 'query', id: randomInt(1, 65_535), flags: packet.RECURSION_DESIRED, questions: [{ type, name }] }), port, host);
  });
}

function queryTcp(host: string, port: number, name: string, type: packet.RecordType = 'A'): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const sock = connect({ host, port });
    let buf = Buffer.alloc(0);
    sock.on('data', (chunk: Buffer) => {
      buf = Buffer.concat([buf, chunk]);
      if (buf.length >= 2 && buf.length >= 2 + buf.readUInt16BE(0)) {
        sock.destroy();
        resolve(packet.decode(buf.subarray(2, 2 + buf.readUInt16BE(0))) as Reply);
      }
    });
    sock.on('error', reject);
    sock.write(packet.streamEncode({ type: 'query', id: 7, flags: packet.RECURSION_DESIRED, questions: [{ type, name }] }));
  });
}

const ips = (r: Reply) => (r.answers ?? []).map((a) => (a as { data: string }).data).sort();

describe('cluster DNS', () => {
  let c: ProxyCluster;
  let upstream: ReturnType<typeof createSocket>;
  const upstreamAddress = `127.251.${randomInt(1, 255)}.${randomInt(1, 255)}`;

  beforeAll(async () => {
    // A stand-in for the host's resolver: answers every A question with 192.0.2.1.
    upstream = createSocket('udp4');
    upstream.on('message', (msg, rinfo) => {
      const q = packet.decode(msg);
      upstream.send(packet.encode({ type: 'response', id: q.id, flags: packet.RECURSION_AVAILABLE, questions: q.questions, answers: [{ type: 'A', name: q.questions![0].name, ttl: 60, data: '192.0.2.1' }] }), rinfo.port, rinfo.address);
    });
    await new Promise<void>((r) => upstream.bind(0, upstreamAddress, () => r()));
    c = await ProxyCluster.start({ upstreamDns: { address: upstreamAddress, port: upstream.address().port } });
    await c.createService(makeService('web').clusterIP(c.serviceIp(20)).port(80).build());
    await c.createService(makeService('db').headless().port(5432).build());
    await c.putEndpointSlices(makeEndpointSlices('db', [{ addresses: [{ ip: c.podIp(5), hostname: 'db-0' }, { ip: c.podIp(6), hostname: 'db-1' }], notReady: [c.podIp(7)], ports: [{ port: 5432 }] }]));
    await until('the headless records', async () => ips(await queryUdp(c.dnsAddress, c.proxy.dnsPort, 'db.default.svc.cluster.local')).length === 2);
  });
  afterAll(async () => {
    await c?.stop();
    upstream?.close();
  });

  it('answers A for a ClusterIP Service with a 5 s TTL', async () => {
    const r = await queryUdp(c.dnsAddress, c.proxy.dnsPort, 'web.default.svc.cluster.local');
    expect(r.rcode).toBe('NOERROR');
    expect(ips(r)).toEqual([c.serviceIp(20)]);
    expect((r.answers![0] as packet.StringAnswer).ttl).toBe(5);
    expect(r.flag_aa).toBe(true);
  });

  it('answers a headless Service with its ready endpoint addresses, and endpoint hostnames', async () => {
    expect(ips(await queryUdp(c.dnsAddress, c.proxy.dnsPort, 'db.default.svc.cluster.local'))).toEqual([c.podIp(5), c.podIp(6)]);
    expect(ips(await queryUdp(c.dnsAddress, c.proxy.dnsPort, 'db-1.db.default.svc.cluster.local'))).toEqual([c.podIp(6)]);
  });

  it('ignores case and a trailing dot', async () => {
    expect(ips(await queryUdp(c.dnsAddress, c.proxy.dnsPort, 'WeB.DEFAULT.svc.Cluster.Local.'))).toEqual([c.serviceIp(20)]);
  });

  it('says NXDOMAIN for unknown cluster names, and NOERROR without answers for AAAA of a known one', async () => {
    expect((await queryUdp(c.dnsAddress, c.proxy.dnsPort, 'nope.default.svc.cluster.local')).rcode).toBe('NXDOMAIN');
    const aaaa = await queryUdp(c.dnsAddress, c.proxy.dnsPort, 'web.default.svc.cluster.local', 'AAAA');
    expect(aaaa.rcode).toBe('NOERROR');
    expect(aaaa.answers).toEqual([]);
  });

  it("answers Node's stock resolver (c-ares)", async () => {
    const r = new Resolver({ timeout: 2000, tries: 1 });
    r.setServers([`${c.dnsAddress}:${c.proxy.dnsPort}`]);
    expect(await r.resolve4('web.default.svc.cluster.local')).toEqual([c.serviceIp(20)]);
    expect((await r.resolve4('db.default.svc.cluster.local', { ttl: true })).map((a) => a.ttl)).toEqual([5, 5]);
    await expect(r.resolve4('nope.default.svc.cluster.local')).rejects.toMatchObject({ code: 'ENOTFOUND' });
  });

  it('answers over TCP too', async () => {
    const r = await queryTcp(c.dnsAddress, c.proxy.dnsPort, 'web.default.svc.cluster.local');
    expect(r.id).toBe(7);
    expect(ips(r)).toEqual([c.serviceIp(20)]);
  });

  it('relays names outside the cluster to the host resolver', async () => {
    expect(ips(await queryUdp(c.dnsAddress, c.proxy.dnsPort, 'example.com'))).toEqual(['192.0.2.1']);
    expect(ips(await queryTcp(c.dnsAddress, c.proxy.dnsPort, 'example.com'))).toEqual(['192.0.2.1']);
  });

  it('follows a new Service within a watch event', async () => {
    await c.createService(makeService('late').clusterIP(c.serviceIp(21)).port(80).build());
    const took = await until('the new record', async () => ips(await queryUdp(c.dnsAddress, c.proxy.dnsPort, 'late.default.svc.cluster.local')).length === 1);
    // Within the watch event: the records are rebuilt only on informer events (no periodic
    // resync), so a missed one would never show up. 5 s is slack for a slow machine.
    expect(took).toBeLessThan(5000);
  });
});

describe('cluster DNS without a host resolver', () => {
  it('says SERVFAIL for names outside the cluster', async () => {
    const c = await ProxyCluster.start({ upstreamDns: null });
    try {
      expect((await queryUdp(c.dnsAddress, c.proxy.dnsPort, 'example.com')).rcode).toBe('SERVFAIL');
    } finally {
      await c.stop();
    }
  });
});
