import { gunzipSync } from 'node:zlib';
import { extract } from 'tar-stream';

export interface LayerMember {
  name: string;
  type: string;
  mode: number;
  uid: number;
  gid: number;
  mtime: Date;
  linkname: string | null;
  content: Buffer;
}

/** Every member of a gzipped layer tar, in archive order. */
export async function readLayer(gzipped: Buffer): Promise<LayerMember[]> {
  const members: LayerMember[] = [];
  const tar = extract();
  const done = (async () => {
    for await (const entry of tar) {
      const chunks: Buffer[] = [];
      for await (const chunk of entry) chunks.push(chunk as Buffer);
      const { name, type, mode, uid, gid, mtime, linkname } = entry.header;
      members.push({ name, type: String(type), mode, uid, gid, mtime, linkname: linkname ?? null, content: Buffer.concat(chunks) });
    }
  })();
  tar.end(gunzipSync(gzipped));
  await done;
  return members;
}
