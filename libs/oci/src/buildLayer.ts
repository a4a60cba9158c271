import { promisify } from 'node:util';
import { gzip } from 'node:zlib';
import { layerTar } from './layerTar.js';
import { sha256Digest } from './sha256Digest.js';
import type { BuiltLayer, LayerEntry } from './types.js';

const gzipAsync = promisify(gzip);

/**
 * Node's gzip writes no file name and a zero mtime in its header, so the compressed bytes depend
 * only on the tar, the level and the zlib build bundled with Node. The level is pinned because
 * changing it would change every layer digest.
 */
const GZIP_LEVEL = 6;

/** One layer as pushed: gzipped tar, its digest, and the uncompressed tar's digest (diffID). */
export async function buildLayer(entries: readonly LayerEntry[]): Promise<BuiltLayer> {
  const tar = await layerTar(entries);
  const data = await gzipAsync(tar, { level: GZIP_LEVEL });
  return { digest: sha256Digest(data), diffId: sha256Digest(tar), size: data.length, data };
}
