import { EventEmitter, once } from 'node:events';
import { Duplex } from 'node:stream';
import { HeaderCompressor, HeaderDecompressor } from './headerCompression.js';
import {
  controlFrame,
  dataFrame,
  decodeHeaderBlock,
  encodeHeaderBlock,
  FLAG_FIN,
  FrameType,
  parseFrames,
  RstStatus,
  synStreamPrefix,
  u32,
  type Frame,
} from './frames.js';

/** How long a SYN_STREAM waits for its SYN_REPLY (client-go waits 30 s too). */
const REPLY_TIMEOUT_MS = 30_000;
/** Data frames are cut at this size so one stream cannot hold the connection for long. */
const MAX_DATA_CHUNK = 32 * 1024;

export type SpdyRole = 'client' | 'server';

/**
 * One SPDY/3.1 connection over an upgraded socket, as Kubernetes' remotecommand and portforward
 * protocols use it: the client opens every stream (SYN_STREAM with a `streamtype` header), the
 * server answers each with SYN_REPLY; either side half-closes a stream with FIN.
 *
 * Frames are handled strictly in arrival order and written strictly in call order, because header
 * blocks share one zlib context per direction and a stream's data must follow its SYN_STREAM.
 *
 * Events: `stream` (server role: a stream the peer opened, already answered), `goaway`, `close`.
 */
export class SpdySession extends EventEmitter {
  private readonly streams = new Map<number, SpdyStream>();
  private readonly replies = new Map<number, { resolve: () => void; reject: (e: Error) => void }>();
  private readonly compressor = new HeaderCompressor();
  private readonly decompressor = new HeaderDecompressor();
  private pending: Buffer = Buffer.alloc(0);
  private readChain: Promise<void> = Promise.resolve();
  private writeChain: Promise<void> = Promise.resolve();
  private nextStreamId: number;
  private closed = false;

  constructor(
    readonly socket: Duplex,
    readonly role: SpdyRole,
  ) {
    super();
    this.nextStreamId = role === 'client' ? 1 : 2;
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', () => socket.destroy());
    socket.on('close', () => {
      this.readChain = this.readChain.then(() => this.teardown());
    });
  }

  /** Opens a stream with HEADERS and waits for the peer's SYN_REPLY. */
  async openStream(headers: Record<string, string>): Promise<SpdyStream> {
    if (this.closed) throw new Error('SPDY session is closed');
    const id = this.nextStreamId;
    this.nextStreamId += 2;
    const stream = new SpdyStream(this, id, headers);
    this.streams.set(id, stream);
    const replied = new Promise<void>((resolve, reject) => this.replies.set(id, { resolve, reject }));
    replied.catch(() => {}); // awaited below; a close before then must not count as unhandled
    const block = encodeHeaderBlock(headers);
    await this.enqueue(async () => controlFrame(FrameType.SYN_STREAM, 0, Buffer.concat([synStreamPrefix(id), await this.compressor.compress(block)])));
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        replied,
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Error(`no reply to SPDY stream ${headers.streamtype ?? id} within ${REPLY_TIMEOUT_MS / 1000}s`)), REPLY_TIMEOUT_MS);
        }),
      ]);
    } finally {
      clearTimeout(timer);
      this.replies.delete(id);
    }
    return stream;
  }

  /** Ends the session: GOAWAY, then the socket. */
  close(): void {
    if (this.closed) return;
    void this.enqueue(() => controlFrame(FrameType.GOAWAY, 0, u32(0, 0))).finally(() => this.socket.end());
    this.readChain = this.readChain.then(() => this.teardown());
  }

  /** Writes frames in call order; resolves once the socket has taken the bytes. */
  enqueue(frame: () => Buffer | Promise<Buffer>): Promise<void> {
    const next = this.writeChain.then(async () => {
      if (this.socket.destroyed) throw new Error('SPDY connection closed');
      const bytes = await frame();
      if (this.socket.destroyed) throw new Error('SPDY connection closed');
      if (!this.socket.write(bytes) && !this.socket.destroyed) await Promise.race([once(this.socket, 'drain'), once(this.socket, 'close')]);
    });
    this.writeChain = next.catch(() => {});
    return next;
  }

  sendData(streamId: number, data: Buffer, fin: boolean): Promise<void> {
    if (data.length <= MAX_DATA_CHUNK) return this.enqueue(() => dataFrame(streamId, fin ? FLAG_FIN : 0, data));
    let last: Promise<void> = Promise.resolve();
    for (let off = 0; off < data.length; off += MAX_DATA_CHUNK) {
      const end = Math.min(off + MAX_DATA_CHUNK, data.length);
      last = this.enqueue(() => dataFrame(streamId, fin && end === data.length ? FLAG_FIN : 0, data.subarray(off, end)));
    }
    return last;
  }

  reset(streamId: number, status: number = RstStatus.CANCEL): void {
    void this.enqueue(() => controlFrame(FrameType.RST_STREAM, 0, u32(streamId, status))).catch(() => {});
  }

  forget(streamId: number): void {
    this.streams.delete(streamId);
  }

  /** The socket may flow again once a reader wants more. */
  resume(): void {
    if (!this.closed) this.socket.resume();
  }

  private onData(chunk: Buffer): void {
    this.pending = this.pending.length ? Buffer.concat([this.pending, chunk]) : chunk;
    let frames: Frame[];
    try {
      ({ frames, rest: this.pending } = parseFrames(this.pending));
    } catch (err) {
      this.fail(err as Error);
      return;
    }
    for (const frame of frames) {
      this.readChain = this.readChain.then(() => this.handle(frame)).catch((err: Error) => this.fail(err));
    }
  }

  private async handle(frame: Frame): Promise<void> {
    if (this.closed) return;
    if (frame.type === 'data') {
      const stream = this.streams.get(frame.streamId);
      if (!stream) return;
      if (frame.data.length && !stream.push(Buffer.from(frame.data))) this.socket.pause();
      if (frame.flags & FLAG_FIN) stream.remoteFinished();
      return;
    }
    const d = frame.data;
    switch (frame.controlType) {
      case FrameType.SYN_STREAM: {
        const id = d.readUInt32BE(0) & 0x7fffffff;
        const headers = decodeHeaderBlock(await this.decompressor.decompress(d.subarray(10)));
        if (this.role === 'client' || this.streams.has(id)) {
          this.reset(id, RstStatus.PROTOCOL_ERROR);
          return;
        }
        const stream = new SpdyStream(this, id, headers);
        this.streams.set(id, stream);
        const block = encodeHeaderBlock({});
        await this.enqueue(async () => controlFrame(FrameType.SYN_REPLY, 0, Buffer.concat([u32(id), await this.compressor.compress(block)])));
        if (frame.flags & FLAG_FIN) stream.remoteFinished();
        this.emit('stream', stream);
        return;
      }
      case FrameType.SYN_REPLY: {
        const id = d.readUInt32BE(0) & 0x7fffffff;
        await this.decompressor.decompress(d.subarray(4));
        this.replies.get(id)?.resolve();
        if (frame.flags & FLAG_FIN) this.streams.get(id)?.remoteFinished();
        return;
      }
      case FrameType.HEADERS: {
        const id = d.readUInt32BE(0) & 0x7fffffff;
        await this.decompressor.decompress(d.subarray(4));
        if (frame.flags & FLAG_FIN) this.streams.get(id)?.remoteFinished();
        return;
      }
      case FrameType.RST_STREAM: {
        const id = d.readUInt32BE(0) & 0x7fffffff;
        this.replies.get(id)?.reject(new Error(`SPDY stream ${id} was reset (status ${d.readUInt32BE(4)})`));
        this.streams.get(id)?.wasReset();
        return;
      }
      case FrameType.PING: {
        // Answer the peer's pings (its ids have the other parity); ignore answers to ours.
        const id = d.readUInt32BE(0);
        if ((id % 2 === 1) === (this.role === 'server')) await this.enqueue(() => controlFrame(FrameType.PING, 0, u32(id)));
        return;
      }
      case FrameType.GOAWAY:
        this.emit('goaway');
        return;
      default:
        // SETTINGS, WINDOW_UPDATE and unknown types carry nothing these protocols need.
        return;
    }
  }

  private fail(err: Error): void {
    this.emit('protocolError', err);
    this.socket.destroy();
  }

  private teardown(): void {
    if (this.closed) return;
    this.closed = true;
    for (const r of this.replies.values()) r.reject(new Error('SPDY connection closed'));
    for (const s of this.streams.values()) s.connectionClosed();
    this.streams.clear();
    this.compressor.close();
    this.decompressor.close();
    this.emit('close');
  }
}

/** One SPDY stream as a Duplex: writes become DATA frames, end() sends FIN, reads end at the peer's FIN. */
export class SpdyStream extends Duplex {
  private localFin = false;
  private remoteFin = false;

  constructor(
    private readonly session: SpdySession,
    readonly id: number,
    readonly headers: Record<string, string>,
  ) {
    super({ allowHalfOpen: true });
  }

  /** The `streamtype` header Kubernetes' protocols put on every stream. */
  get streamType(): string | undefined {
    return this.headers.streamtype;
  }

  override _read(): void {
    this.session.resume();
  }

  override _write(chunk: Buffer, _enc: BufferEncoding, cb: (err?: Error | null) => void): void {
    this.session.sendData(this.id, chunk, false).then(() => cb(), cb);
  }

  override _final(cb: (err?: Error | null) => void): void {
    this.localFin = true;
    // A FIN the connection closed before has nothing left to tell: the peer has gone, and the
    // stream ends as every stream of a closed connection does, without an error.
    const done = () => {
      this.maybeDone();
      cb();
    };
    this.session.sendData(this.id, Buffer.alloc(0), true).then(done, (err: Error) => (this.session.socket.destroyed ? done() : cb(err)));
  }

  override _destroy(err: Error | null, cb: (err?: Error | null) => void): void {
    if (!this.localFin || !this.remoteFin) this.session.reset(this.id);
    this.session.forget(this.id);
    cb(err);
  }

  remoteFinished(): void {
    if (this.remoteFin) return;
    this.remoteFin = true;
    this.push(null);
    this.maybeDone();
  }

  wasReset(): void {
    this.localFin = this.remoteFin = true;
    this.push(null);
    this.destroy();
  }

  connectionClosed(): void {
    this.localFin = true;
    if (!this.remoteFin) {
      this.remoteFin = true;
      this.push(null);
    }
    this.destroy();
  }

  private maybeDone(): void {
    if (this.localFin && this.remoteFin) this.session.forget(this.id);
  }
}
