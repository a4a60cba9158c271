import type { KubeObject } from '@skiff/apimachinery';
import { encodeJson } from '../negotiate.js';

/**
 * The watch cache's objects are never changed after they are stored, so each one's JSON is
 * written once and reused by every list that returns it (kube-apiserver's cachingObject keeps a
 * serialized copy for the same reason). Objects read from Postgres are encoded per request.
 */
const held = new WeakSet<KubeObject>();
const encoded = new WeakMap<KubeObject, Buffer>();

/** Marks an object the cache holds: from now on it must not change. */
export function holdEncoded(obj: KubeObject): void {
  held.add(obj);
}

/** The object's compact JSON and its newline, as encodeJson writes it; a held object's is written once. */
export function encodeObjectJson(obj: KubeObject): string | Buffer {
  if (!held.has(obj)) return encodeJson(obj);
  let bytes = encoded.get(obj);
  if (bytes === undefined) {
    bytes = Buffer.from(encodeJson(obj));
    encoded.set(obj, bytes);
  }
  return bytes;
}

function encodedObject(obj: KubeObject): Buffer {
  const json = encodeObjectJson(obj);
  return typeof json === 'string' ? Buffer.from(json.slice(0, -1)) : json.subarray(0, -1);
}

const COMMA = Buffer.from(',');

/**
 * A list as compact JSON, byte for byte what encodeJson writes for it, with each held item's
 * JSON reused: the bytes are copied, never encoded again. `items` must be the list's last field.
 */
export function encodeListJson(list: { items: KubeObject[] }): string | Buffer {
  // A list read from Postgres has nothing to reuse: one encoding of the whole is quicker.
  if (!list.items.some((item) => held.has(item))) return encodeJson(list);
  const head = encodeJson({ ...list, items: [] });
  const tail = '[]}\n';
  if (!head.endsWith(`"items":${tail}`)) return encodeJson(list);
  const parts: Buffer[] = [Buffer.from(`${head.slice(0, -tail.length)}[`)];
  list.items.forEach((item, i) => {
    if (i > 0) parts.push(COMMA);
    parts.push(encodedObject(item));
  });
  parts.push(Buffer.from(']}\n'));
  return Buffer.concat(parts);
}
