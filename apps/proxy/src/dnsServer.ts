import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { createServer, type Server, type Socket } from 'node:net';
import * as packet from 'dns-packet';
import type { Logger } from 'pino';
import { answerQuestion, DNS_TTL_SECONDS, type DnsRecords } from './dnsRecords.js';

const RCODE = { NOERROR: 0, SERVFAIL: 2, NXDOMAIN: 3 } as const;
const UDP_MAX = 512;
const UPSTREAM_TIMEOUT_MS = 2000;
const TCP_IDLE_MS = 10_000;

export interface DnsServerOptions {
  host: string;
  /** 0 picks a free port (the same one for UDP and TCP). */
  port: number;
  domain: string;
  records: () => DnsRecords;
  /** Where names outside the cluster domain go; none means SERVFAIL. */
  upstream?: Upstream;
  log: Logger;
}

export interface Upstream {
  address: string;
  port: number;
}

export interface RunningDnsServer {
  port: number;
  close(): Promise<void>;
}

/** Cluster DNS over UDP and TCP: answers the cluster domain itself, relays the rest upstream. */
export async function startDnsServer(opts: DnsServerOptions): Promise<RunningDnsServer> {
  const udp = createSocket({ type: 'udp4' });
  await new Promise<void>((resolve, reject) => {
    udp.once('error', reject);
    udp.bind(opts.port, opts.host, () => {
      udp.off('error', reject);
      resolve();
    });
  });
  const port = udp.address().port;
  udp.on('error', (err) => opts.log.warn({ err: err.message }, 'dns udp socket error'));
  udp.on('message', (msg, rinfo) => {
    void respond(msg, opts, true).then((reply) => {
      if (reply) udp.send(reply, rinfo.port, rinfo.address);
    });
  });

  const tcpConnections = new Set<Socket>();
  const tcp: Server = createServer((sock) => serveTcp(sock, opts, tcpConnections));
  try {
    await new Promise<void>((resolve, reject) => {
      tcp.once('error', reject);
      tcp.listen({ host: opts.host, port, exclusive: true }, () => {
        tcp.off('error', reject);
        resolve();
      });
    });
  } catch (err) {
    udp.close();
    throw err;
  }
  opts.log.info({ address: opts.host, port, upstream: opts.upstream ? `${opts.upstream.address}:${opts.upstream.port}` : null }, 'serving cluster DNS');
  return {
    port,
    async close() {
      for (const s of tcpConnections) s.destroy();
      await Promise.all([new Promise<void>((r) => udp.close(() => r())), new Promise<void>((r) => tcp.close(() => r()))]);
    },
  };
}

/** Reads length-prefixed queries (RFC 1035 4.2.2) and writes each reply with its length. */
function serveTcp(sock: Socket, opts: DnsServerOptions, connections: Set<Socket>): void {
  connections.add(sock);
  sock.on('close', () => connections.delete(sock));
  sock.on('error', () => sock.destroy());
  sock.setTimeout(TCP_IDLE_MS, () => sock.destroy());
  let buffered = Buffer.alloc(0);
  sock.on('data', (chunk: Buffer) => {
    buffered = Buffer.concat([buffered, chunk]);
    while (buffered.length >= 2) {
      const len = buffered.readUInt16BE(0);
      if (buffered.length < 2 + len) break;
      const msg = buffered.subarray(2, 2 + len);
      buffered = buffered.subarray(2 + len);
      void respond(msg, opts, false).then((reply) => {
        if (!reply || sock.destroyed) return;
        const framed = Buffer.alloc(2 + reply.length);
        framed.writeUInt16BE(reply.length, 0);
        reply.copy(framed, 2);
        sock.write(framed);
      });
    }
  });
}

async function respond(msg: Buffer, opts: DnsServerOptions, udp: boolean): Promise<Buffer | undefined> {
  let query: packet.DecodedPacket;
  try {
    query = packet.decode(msg);
  } catch {
    return undefined; // Not DNS: nothing sensible to answer.
  }
  const question = query.questions?.[0];
  if (query.type !== 'query' || !question) return undefined;
  const answer = answerQuestion(opts.records(), question, opts.domain);
  const rd = query.flag_rd ? packet.RECURSION_DESIRED : 0;
  if (answer.kind === 'forward') {
    const upstream = opts.upstream;
    if (upstream) {
      const relayed = await forwardUpstream(msg, upstream).catch((err: Error) => {
        opts.log.debug({ name: question.name, upstream: upstream.address, err: err.message }, 'upstream dns failed');
        return undefined;
      });
      if (relayed) return relayed;
    }
    return packet.encode({ type: 'response', id: query.id, flags: rd | packet.RECURSION_AVAILABLE | RCODE.SERVFAIL, questions: query.questions });
  }
  const answers: packet.Answer[] = answer.addresses.map((ip) => ({ type: 'A', class: 'IN', name: question.name, ttl: DNS_TTL_SECONDS, data: ip }));
  const reply = (list: packet.Answer[], truncated: boolean) =>
    packet.encode({
      type: 'response',
      id: query.id,
      flags: packet.AUTHORITATIVE_ANSWER | rd | packet.RECURSION_AVAILABLE | (truncated ? packet.TRUNCATED_RESPONSE : 0) | RCODE[answer.rcode],
      questions: query.questions,
      answers: list,
    });
  let buf = reply(answers, false);
  // A headless Service with many pods can outgrow a UDP reply: send what fits and set TC so the
  // client asks again over TCP.
  for (let n = answers.length - 1; udp && buf.length > UDP_MAX && n >= 0; n--) buf = reply(answers.slice(0, n), true);
  return buf;
}

/** Sends the query as it came (same id) to the upstream resolver over UDP and returns its reply. */
function forwardUpstream(msg: Buffer, upstream: Upstream): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const sock: UdpSocket = createSocket(upstream.address.includes(':') ? 'udp6' : 'udp4');
    const timer = setTimeout(() => finish(new Error('upstream timeout')), UPSTREAM_TIMEOUT_MS);
    let done = false;
    const finish = (err?: Error, reply?: Buffer) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      sock.close();
      if (err) reject(err);
      else resolve(reply!);
    };
    sock.on('error', (err) => finish(err));
    sock.on('message', (reply) => finish(undefined, reply));
    sock.send(msg, upstream.port, upstream.address, (err) => {
      if (err) finish(err);
    });
  });
}
