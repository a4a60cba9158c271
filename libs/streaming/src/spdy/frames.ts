/**
 * SPDY/3 framing (draft-mbelshe-httpbis-spdy-00), the subset Kubernetes' streaming protocols use:
 * streams opened with SYN_STREAM and answered with SYN_REPLY, DATA with FIN for half-close,
 * RST_STREAM, PING, GOAWAY; SETTINGS, HEADERS and WINDOW_UPDATE are parsed and ignored (the Go
 * peers, moby/spdystream, do no flow control). Header blocks are carried compressed; compression
 * lives in headerCompression.ts.
 */

export const SPDY_VERSION = 3;

export const FrameType = {
  SYN_STREAM: 1,
  SYN_REPLY: 2,
  RST_STREAM: 3,
  SETTINGS: 4,
  PING: 6,
  GOAWAY: 7,
  HEADERS: 8,
  WINDOW_UPDATE: 9,
} as const;

export const FLAG_FIN = 0x01;
export const FLAG_UNIDIRECTIONAL = 0x02;

/** RST_STREAM status codes. */
export const RstStatus = { PROTOCOL_ERROR: 1, INVALID_STREAM: 2, REFUSED_STREAM: 3, CANCEL: 5, INTERNAL_ERROR: 6, STREAM_IN_USE: 8, STREAM_ALREADY_CLOSED: 9 } as const;

export type Frame =
  | { type: 'data'; streamId: number; flags: number; data: Buffer }
  | { type: 'control'; controlType: number; flags: number; data: Buffer };

/** The largest frame accepted: SPDY lengths are 24 bits. */
export const MAX_FRAME_PAYLOAD = 0xffffff;

/**
 * Splits BUF into whole frames. Returns the frames and the bytes left over (an incomplete frame).
 * Throws on a control frame of another SPDY version.
 */
export function parseFrames(buf: Buffer): { frames: Frame[]; rest: Buffer } {
  const frames: Frame[] = [];
  let off = 0;
  while (buf.length - off >= 8) {
    const length = buf.readUIntBE(off + 5, 3);
    if (buf.length - off < 8 + length) break;
    const flags = buf[off + 4];
    const data = buf.subarray(off + 8, off + 8 + length);
    if (buf[off] & 0x80) {
      const version = buf.readUInt16BE(off) & 0x7fff;
      if (version !== SPDY_VERSION) throw new Error(`unsupported SPDY version ${version}`);
      frames.push({ type: 'control', controlType: buf.readUInt16BE(off + 2), flags, data });
    } else {
      frames.push({ type: 'data', streamId: buf.readUInt32BE(off) & 0x7fffffff, flags, data });
    }
    off += 8 + length;
  }
  return { frames, rest: buf.subarray(off) };
}

function header(first: number, second: number, flags: number, length: number): Buffer {
  const h = Buffer.alloc(8);
  h.writeUInt16BE(first, 0);
  h.writeUInt16BE(second, 2);
  h[4] = flags;
  h.writeUIntBE(length, 5, 3);
  return h;
}

export function controlFrame(type: number, flags: number, payload: Buffer): Buffer {
  return Buffer.concat([header(0x8000 | SPDY_VERSION, type, flags, payload.length), payload]);
}

export function dataFrame(streamId: number, flags: number, data: Buffer): Buffer {
  const h = header(0, 0, flags, data.length);
  h.writeUInt32BE(streamId & 0x7fffffff, 0);
  return Buffer.concat([h, data]);
}

export function u32(...values: number[]): Buffer {
  const b = Buffer.alloc(values.length * 4);
  values.forEach((v, i) => b.writeUInt32BE(v >>> 0, i * 4));
  return b;
}

/** SYN_STREAM's fixed part: stream id, associated stream id (0), priority 0 and slot 0. */
export function synStreamPrefix(streamId: number): Buffer {
  return Buffer.concat([u32(streamId & 0x7fffffff, 0), Buffer.from([0, 0])]);
}

/** An uncompressed SPDY/3 name/value block; names are lower-cased as SPDY requires. */
export function encodeHeaderBlock(headers: Record<string, string>): Buffer {
  const entries = Object.entries(headers);
  const parts: Buffer[] = [u32(entries.length)];
  for (const [name, value] of entries) {
    const n = Buffer.from(name.toLowerCase(), 'utf8');
    const v = Buffer.from(value, 'utf8');
    parts.push(u32(n.length), n, u32(v.length), v);
  }
  return Buffer.concat(parts);
}

/** Parses an uncompressed name/value block; repeated values (NUL-separated) are joined with ", ". */
export function decodeHeaderBlock(block: Buffer): Record<string, string> {
  const out: Record<string, string> = {};
  if (block.length < 4) throw new Error('SPDY header block too short');
  const count = block.readUInt32BE(0);
  let off = 4;
  const take = () => {
    if (off + 4 > block.length) throw new Error('SPDY header block truncated');
    const len = block.readUInt32BE(off);
    off += 4;
    if (off + len > block.length) throw new Error('SPDY header block truncated');
    const s = block.subarray(off, off + len).toString('utf8');
    off += len;
    return s;
  };
  for (let i = 0; i < count; i++) {
    const name = take().toLowerCase();
    const value = take();
    out[name] = value.split('\0').join(', ');
  }
  return out;
}
