import type { KubeObject } from '@skiff/apimachinery';
import { encodeJson } from '../negotiate.js';

/**
 * The watch cache's objects are never changed after they are stored, so each one's JSON is
 * written once and reused by every list that returns it (kube-apiserver's cachingObject keeps a
 * serialized copy for the same reason). Objects read from Postgres are encoded per request.
 */
const held = new WeakSet<KubeObject>();
const encoded = new WeakMap<KubeObject, string>();

/** Marks an object the cache holds: from now on it must not change. */
export function holdEncoded(obj: KubeObject): void {
  held.add(obj);
}

function encodedObject(obj: KubeObject): string {
  if (!held.has(obj)) return encodeJson(obj).slice(0, -1);
  let text = encoded.get(obj);
  if (text === undefined) {
    text = encodeJson(obj).slice(0, -1);
    encoded.set(obj, text);
  }
  return text;
}

/**
 * A list as compact JSON, byte for byte what encodeJson writes for it, with each held item's
 * JSON reused. `items` must be the list's last field.
 */
export function encodeListJson(list: { items: KubeObject[] }): string {
  const head = encodeJson({ ...list, items: [] });
  const tail = '[]}\n';
  if (!head.endsWith(`"items":${tail}`)) return encodeJson(list);
  return `${head.slice(0, -tail.length)}[${list.items.map(encodedObject).join(',')}]}\n`;
}
