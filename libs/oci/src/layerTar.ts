import { pack } from 'tar-stream';
import { normalizeLayerEntries, type TarEntry } from './normalizeLayerEntries.js';
import type { LayerEntry } from './types.js';

/**
 * Every entry's mtime. Fixed so the same files give the same diffID on any machine and day; the
 * epoch is what reproducible-build tools use (`SOURCE_DATE_EPOCH=0`).
 */
export const LAYER_MTIME = new Date(0);

/**
 * tar-stream replaces a mode of 0 with its own default; carrying the stat(2) file-type bits keeps
 * the value non-zero, and the header writer masks them off again.
 */
const TYPE_BITS: Record<TarEntry['type'], number> = { file: 0o100000, dir: 0o040000, symlink: 0o120000 };

const TAR_TYPE = { file: 'file', dir: 'directory', symlink: 'symlink' } as const;

/** The uncompressed tar of one layer, byte for byte the same for the same entries (the diffID's input). */
export async function layerTar(entries: readonly LayerEntry[]): Promise<Buffer> {
  const tarEntries = normalizeLayerEntries(entries);
  const tar = pack();
  const chunks: Buffer[] = [];
  const collected = (async () => {
    for await (const chunk of tar) chunks.push(chunk as Buffer);
  })();
  for (const entry of tarEntries) {
    const header = {
      // Directories end in a slash, as Docker and BuildKit write them; some extractors expect it.
      name: entry.type === 'dir' ? `${entry.name}/` : entry.name,
      type: TAR_TYPE[entry.type],
      mode: TYPE_BITS[entry.type] | entry.mode,
      uid: entry.uid,
      gid: entry.gid,
      mtime: LAYER_MTIME,
      linkname: entry.type === 'symlink' ? entry.linkTarget : undefined,
    };
    if (entry.type === 'file') tar.entry(header, entry.content);
    else tar.entry(header);
  }
  tar.finalize();
  await collected;
  return Buffer.concat(chunks);
}
