/**
 * Kubernetes' WebSocket channel protocols (k8s.io/apimachinery wsstream): every message starts
 * with the channel it belongs to. Binary protocols put the channel in the first byte; the base64
 * ones send text whose first character is the channel digit and the rest base64.
 *
 * remotecommand (exec, attach): 0 stdin, 1 stdout, 2 stderr, 3 error, 4 resize; v5 adds 255,
 * "close", whose one-byte payload names the channel the client will not write again (stdin EOF).
 * portforward: for the i-th port, channel 2i carries data and 2i+1 errors; the server's first
 * message on each channel is the port number (2 bytes, little-endian).
 */

export const STDIN = 0;
export const STDOUT = 1;
export const STDERR = 2;
export const ERROR = 3;
export const RESIZE = 4;
export const CLOSE = 255;

export interface ChannelProtocol {
  name: string;
  base64: boolean;
  /** 5 for v5 (close signals), 4 for v4 (error channel carries a JSON Status), 1 for the unversioned ones. */
  version: 1 | 4 | 5;
}

/** What the server accepts for exec and attach, best first. */
export const REMOTECOMMAND_WEBSOCKET_PROTOCOLS: ChannelProtocol[] = [
  { name: 'v5.channel.k8s.io', base64: false, version: 5 },
  { name: 'v5.base64.channel.k8s.io', base64: true, version: 5 },
  { name: 'v4.channel.k8s.io', base64: false, version: 4 },
  { name: 'v4.base64.channel.k8s.io', base64: true, version: 4 },
  { name: 'channel.k8s.io', base64: false, version: 1 },
  { name: 'base64.channel.k8s.io', base64: true, version: 1 },
];

/** Picks the first protocol of OFFERED the server supports (kubectl offers only v5). */
export function pickChannelProtocol(offered: Iterable<string>, supported = REMOTECOMMAND_WEBSOCKET_PROTOCOLS): ChannelProtocol | undefined {
  const list = [...offered].map((p) => p.trim());
  for (const want of list) {
    const hit = supported.find((p) => p.name === want);
    if (hit) return hit;
  }
  return undefined;
}

export function encodeChannelMessage(proto: ChannelProtocol, channel: number, data: Buffer): Buffer | string {
  if (proto.base64) return String.fromCharCode(48 + channel) + data.toString('base64');
  return Buffer.concat([Buffer.from([channel]), data]);
}

export function decodeChannelMessage(proto: ChannelProtocol, message: Buffer, isBinary: boolean): { channel: number; data: Buffer } | undefined {
  if (message.length === 0) return undefined;
  if (proto.base64 || !isBinary) {
    const text = message.toString('utf8');
    return { channel: text.charCodeAt(0) - 48, data: Buffer.from(text.slice(1), 'base64') };
  }
  return { channel: message[0], data: message.subarray(1) };
}
