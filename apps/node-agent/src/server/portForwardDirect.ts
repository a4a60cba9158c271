import { connect } from 'node:net';
import type { Duplex } from 'node:stream';
import type { Logger } from 'pino';
import { createWebSocketStream, type WebSocket } from 'ws';
import { decodeChannelMessage, encodeChannelMessage, SpdySession, type ChannelProtocol, type SpdyStream } from '@skiff/streaming';

/**
 * Port-forward for pods without a runtime streaming server (process pods share the host's
 * network, so the pod's IP is reachable from the agent): each forwarded connection is a TCP
 * connection from the agent to POD_IP:PORT. Spoken in both of kubelet's protocols: SPDY (kubectl,
 * also tunnelled in WebSocket messages) and the WebSocket channel protocol (client libraries).
 */

/** kubectl's protocol: per connection an `error` and a `data` stream sharing a `requestid`. */
export function spdyPortForward(transport: Duplex, podIP: string, log: Logger): void {
  const session = new SpdySession(transport, 'server');
  const pending = new Map<string, { error?: SpdyStream; data?: SpdyStream }>();
  session.on('stream', (s: SpdyStream) => {
    const id = s.headers.requestid ?? '';
    const entry = pending.get(id) ?? {};
    if (s.headers.streamtype === 'error') entry.error = s;
    else if (s.headers.streamtype === 'data') entry.data = s;
    else return s.destroy();
    pending.set(id, entry);
    if (!entry.error || !entry.data) return;
    pending.delete(id);
    const { error, data } = entry as { error: SpdyStream; data: SpdyStream };
    error.resume();
    const port = Number(data.headers.port);
    const conn = connect({ host: podIP, port });
    conn.on('connect', () => {
      conn.pipe(data);
      data.pipe(conn);
    });
    conn.on('error', (err) => {
      log.info({ port, err: err.message }, 'port-forward connection failed');
      error.end(`error forwarding port ${port} to pod at ${podIP}: ${err.message}`);
      data.end();
    });
    conn.on('close', () => {
      if (!error.writableEnded) error.end();
    });
    data.on('close', () => conn.destroy());
  });
  transport.on('error', () => transport.destroy());
}

/** kubectl 1.31+: the same SPDY session, carried in WebSocket binary messages. */
export function tunnelledSpdyPortForward(ws: WebSocket, podIP: string, log: Logger): void {
  spdyPortForward(createWebSocketStream(ws), podIP, log);
}

/**
 * The WebSocket channel protocol: one connection per socket; for the i-th port, channel 2i is its
 * data and 2i+1 its errors, and each channel's first message is the port (uint16, little-endian).
 */
export function channelPortForward(ws: WebSocket, proto: ChannelProtocol, podIP: string, ports: number[], log: Logger): void {
  const conns = ports.map((port, i) => {
    const header = Buffer.alloc(2);
    header.writeUInt16LE(port);
    ws.send(encodeChannelMessage(proto, 2 * i, header));
    ws.send(encodeChannelMessage(proto, 2 * i + 1, header));
    const conn = connect({ host: podIP, port });
    conn.on('data', (d: Buffer) => {
      if (ws.readyState === ws.OPEN) ws.send(encodeChannelMessage(proto, 2 * i, d));
    });
    conn.on('error', (err) => {
      log.info({ port, err: err.message }, 'port-forward connection failed');
      if (ws.readyState === ws.OPEN) ws.send(encodeChannelMessage(proto, 2 * i + 1, Buffer.from(`error forwarding port ${port} to pod at ${podIP}: ${err.message}`)));
    });
    conn.on('close', () => {
      if (ws.readyState === ws.OPEN) ws.close(1000);
    });
    return conn;
  });
  ws.on('message', (msg: Buffer, isBinary: boolean) => {
    const m = decodeChannelMessage(proto, msg, isBinary);
    if (m && m.channel % 2 === 0) conns[m.channel / 2]?.write(m.data);
  });
  ws.on('close', () => conns.forEach((c) => c.destroy()));
}
