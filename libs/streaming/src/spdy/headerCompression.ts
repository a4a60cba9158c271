import { constants, createDeflate, createInflate, type Deflate, type Inflate } from 'node:zlib';
import { SPDY3_DICTIONARY } from './dictionary.js';

/**
 * SPDY compresses every header block of one direction of a session with ONE zlib stream (so later
 * blocks refer back to earlier ones), each block ending in a sync flush. Node's zlib streams are
 * asynchronous, so callers must keep blocks in order (the session serialises them).
 */
class ZlibPump {
  private chunks: Buffer[] = [];
  constructor(private readonly z: Deflate | Inflate) {
    z.on('data', (c: Buffer) => this.chunks.push(c));
    z.on('error', () => {});
  }

  run(input: Buffer): Promise<Buffer> {
    return new Promise((resolve, reject) => {
      const onError = (err: Error) => reject(err);
      this.z.once('error', onError);
      this.z.write(input);
      this.z.flush(constants.Z_SYNC_FLUSH, () => {
        this.z.off('error', onError);
        const out = Buffer.concat(this.chunks);
        this.chunks = [];
        resolve(out);
      });
    });
  }

  close(): void {
    this.z.destroy();
  }
}

export class HeaderCompressor {
  private readonly pump = new ZlibPump(createDeflate({ dictionary: SPDY3_DICTIONARY }));
  compress(block: Buffer): Promise<Buffer> {
    return this.pump.run(block);
  }
  close(): void {
    this.pump.close();
  }
}

export class HeaderDecompressor {
  private readonly pump = new ZlibPump(createInflate({ dictionary: SPDY3_DICTIONARY }));
  decompress(block: Buffer): Promise<Buffer> {
    return this.pump.run(block);
  }
  close(): void {
    this.pump.close();
  }
}
