import { createServer, connect, type Socket } from 'node:net';
import { once } from 'node:events';
import { afterEach, describe, expect, it } from 'vitest';
import { SpdySession, type SpdyStream } from '../src/index.js';
import { decodeHeaderBlock, encodeHeaderBlock, parseFrames, dataFrame, FLAG_FIN } from '../src/spdy/frames.js';
import { SPDY3_DICTIONARY } from '../src/spdy/dictionary.js';

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanups.splice(0)) c();
});

async function pair(): Promise<{ client: SpdySession; server: SpdySession }> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const accepted = once(server, 'connection') as Promise<[Socket]>;
  const sock = connect((server.address() as { port: number }).port, '127.0.0.1');
  await once(sock, 'connect');
  const [srvSock] = await accepted;
  cleanups.push(() => {
    sock.destroy();
    srvSock.destroy();
    server.close();
  });
  return { client: new SpdySession(sock, 'client'), server: new SpdySession(srvSock, 'server') };
}

function readAll(s: SpdyStream): Promise<string> {
  return new Promise((resolve) => {
    let out = '';
    s.on('data', (d: Buffer) => (out += d.toString()));
    s.on('end', () => resolve(out));
  });
}

describe('SPDY/3 framing', () => {
  it('has the 1423-byte header dictionary of the spec', () => {
    expect(SPDY3_DICTIONARY.length).toBe(1423);
    expect(SPDY3_DICTIONARY.subarray(0, 11).toString('latin1')).toBe('\0\0\0\x07options');
    expect(SPDY3_DICTIONARY.subarray(-7).toString('latin1')).toBe(',enq=0.');
  });

  it('round-trips header blocks and splits frames at their boundaries', () => {
    expect(decodeHeaderBlock(encodeHeaderBlock({ StreamType: 'stdout', port: '80' }))).toEqual({ streamtype: 'stdout', port: '80' });
    const two = Buffer.concat([dataFrame(1, 0, Buffer.from('ab')), dataFrame(3, FLAG_FIN, Buffer.from('c'))]);
    const partial = parseFrames(two.subarray(0, 13));
    expect(partial.frames).toHaveLength(1);
    expect(partial.rest.length).toBe(3);
    const all = parseFrames(two);
    expect(all.frames.map((f) => f.type === 'data' && [f.streamId, f.flags, f.data.toString()])).toEqual([
      [1, 0, 'ab'],
      [3, FLAG_FIN, 'c'],
    ]);
  });
});

describe('SpdySession', () => {
  it('opens streams the peer answers, carries data both ways and half-closes with FIN', async () => {
    const { client, server } = await pair();
    server.on('stream', (s: SpdyStream) => {
      // An echo that upper-cases, then ends its side when the client ends.
      s.on('data', (d: Buffer) => s.write(d.toString().toUpperCase()));
      s.on('end', () => s.end(`:${s.streamType}`));
    });
    const streams = await Promise.all(['stdin', 'stdout', 'error'].map((t) => client.openStream({ streamtype: t })));
    const outputs = streams.map(readAll);
    streams[0].write('hello ');
    streams[0].end('world');
    streams[1].end();
    streams[2].end('x'.repeat(100_000));
    expect(await outputs[0]).toBe('HELLO WORLD:stdin');
    expect(await outputs[1]).toBe(':stdout');
    expect((await outputs[2]).length).toBe(100_000 + ':error'.length);
  });

  it('keeps later header blocks decodable (one zlib context per direction)', async () => {
    const { client, server } = await pair();
    const seen: string[] = [];
    server.on('stream', (s: SpdyStream) => {
      seen.push(`${s.headers.streamtype}/${s.headers.port}/${s.headers.requestid}`);
      s.end();
    });
    for (let i = 0; i < 20; i++) await client.openStream({ streamtype: i % 2 ? 'data' : 'error', port: '8080', requestid: String(i >> 1) });
    expect(seen).toHaveLength(20);
    expect(seen[19]).toBe('data/8080/9');
  });

  it('ends a stream whose FIN comes after the peer closed the connection without an error', async () => {
    const { client, server } = await pair();
    server.on('stream', () => server.socket.destroy());
    const stream = await client.openStream({ streamtype: 'stdout' });
    const errors: Error[] = [];
    stream.on('error', (err: Error) => errors.push(err));
    const closed = once(stream, 'close');
    // What a remotecommand client does when the command ended at once: it half-closes its side
    // of an output stream, and the runtime may have closed the connection by then.
    client.socket.prependListener('close', () => stream.end());
    await closed;
    expect(errors).toEqual([]);
  });

  it('fails pending opens when the connection closes', async () => {
    const { client, server } = await pair();
    server.socket.pause(); // never answers
    const opening = client.openStream({ streamtype: 'error' });
    server.socket.destroy();
    await expect(opening).rejects.toThrow(/closed/);
  });
});
