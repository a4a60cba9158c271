/** A minimal protobuf encoder, so tests can build request bodies field by field (numbers from generated.proto). */

export function varint(v: number | bigint): Buffer {
  let n = BigInt.asUintN(64, BigInt(v));
  const out: number[] = [];
  do {
    let byte = Number(n & 0x7fn);
    n >>= 7n;
    if (n) byte |= 0x80;
    out.push(byte);
  } while (n);
  return Buffer.from(out);
}
export const key = (num: number, wire: number) => varint((num << 3) | wire);
export const int = (num: number, v: number | bigint) => Buffer.concat([key(num, 0), varint(v)]);
export const bytes = (num: number, v: Buffer) => Buffer.concat([key(num, 2), varint(v.length), v]);
export const str = (num: number, v: string) => bytes(num, Buffer.from(v, 'utf8'));
export const msg = (num: number, ...fields: Buffer[]) => bytes(num, Buffer.concat(fields));
export const entry = (num: number, k: string, value: Buffer) => msg(num, str(1, k), value);
export const envelope = (apiVersion: string, kind: string, ...fields: Buffer[]) =>
  Buffer.concat([Buffer.from('k8s\0', 'latin1'), msg(1, str(1, apiVersion), str(2, kind)), bytes(2, Buffer.concat(fields)), str(3, ''), str(4, '')]);

