import { BadRequestError, UnsupportedMediaTypeError } from '../errors.js';
import type { Kind } from '../kinds/kind.js';
import { findByKind } from '../kinds/registry.js';
import type { KubeObject } from '../types.js';
import { i32, i64, m, s, TIME, type FieldType, type Scalar, type Schema } from './message.js';

/**
 * Decoding of Kubernetes' protobuf request bodies (`application/vnd.kubernetes.protobuf`).
 * kubectl's typed clients (`kubectl create configmap|secret|namespace|deployment|service ...`)
 * send them; responses are always JSON, which those clients accept. A kind's message (field
 * numbers, which zero values count) is part of its definition (`Kind.protobuf`); kinds without one
 * are refused with 415, and fields without an entry are skipped by wire type.
 */

const MAGIC = Buffer.from([0x6b, 0x38, 0x73, 0x00]);
/** Go's zero time.Time, 0001-01-01T00:00:00Z, in Unix seconds: JSON encodes it as null. */
const GO_ZERO_TIME = -62135596800;
/** 9999-12-31T23:59:59Z, the last second metav1.Time allows. */
const MAX_TIME = 253402300799;

class Reader {
  pos = 0;
  constructor(readonly buf: Buffer) {}
  get done(): boolean {
    return this.pos >= this.buf.length;
  }
  varint(): bigint {
    let result = 0n;
    let shift = 0n;
    for (;;) {
      if (this.pos >= this.buf.length || shift > 63n) throw new BadRequestError('truncated protobuf body');
      const byte = this.buf[this.pos++];
      result |= BigInt(byte & 0x7f) << shift;
      if ((byte & 0x80) === 0) return result;
      shift += 7n;
    }
  }
  bytes(): Buffer {
    const len = Number(this.varint());
    if (len < 0 || this.pos + len > this.buf.length) throw new BadRequestError('truncated protobuf body');
    const out = this.buf.subarray(this.pos, this.pos + len);
    this.pos += len;
    return out;
  }
  advance(n: number): void {
    if (this.pos + n > this.buf.length) throw new BadRequestError('truncated protobuf body');
    this.pos += n;
  }
  skip(wire: number): void {
    if (wire === 0) this.varint();
    else if (wire === 1) this.advance(8);
    else if (wire === 2) this.bytes();
    else if (wire === 5) this.advance(4);
    else throw new BadRequestError(`unsupported protobuf wire type ${wire}`);
  }
}

function toInt(v: bigint): number {
  return Number(BigInt.asIntN(64, v));
}

function rfc3339(seconds: number): string {
  return new Date(seconds * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

function isVarintType(type: FieldType): boolean {
  return type === 'int64' || type === 'int32' || type === 'bool';
}

function isZero(v: unknown): boolean {
  return v === '' || v === 0 || v === false;
}

function decodeMessage(buf: Buffer, schema: Schema): Record<string, unknown> {
  const r = new Reader(buf);
  const out: Record<string, unknown> = {};
  while (!r.done) {
    const tag = r.varint();
    const num = Number(tag >> 3n);
    const wire = Number(tag & 7n);
    const field = num > 0 ? schema[num] : undefined;
    if (!field) {
      r.skip(wire);
      continue;
    }
    const expected = field.map || !isVarintType(field.type) ? 2 : 0;
    if (field.repeated && expected === 0 && wire === 2) {
      // A packed repeated scalar: varints back to back in one length-delimited run.
      const packed = new Reader(r.bytes());
      const items = (out[field.name] as unknown[] | undefined) ?? [];
      while (!packed.done) items.push(decodeScalar(packed, field.type as Scalar));
      out[field.name] = items;
      continue;
    }
    if (wire !== expected) {
      // Not the wire type this field has in Kubernetes' schema: skip it rather than misread it.
      r.skip(wire);
      continue;
    }
    if (field.map) {
      const entry = decodeMessage(r.bytes(), { 1: s('key', { keep: true }), 2: { name: 'value', type: field.type, keep: true } });
      const value = entry.value ?? zeroOf(field.type);
      // In place: copying the map on each entry made 8,000 entries take seconds.
      const map = (out[field.name] ??= {}) as Record<string, unknown>;
      // Defined, not assigned: a key named `__proto__` is data, never the map's prototype.
      Object.defineProperty(map, (entry.key as string | undefined) ?? '', { value, enumerable: true, writable: true, configurable: true });
      continue;
    }
    const value = decodeField(r, field.type);
    if (field.repeated) {
      ((out[field.name] ??= []) as unknown[]).push(value ?? zeroOf(field.type));
    } else if (field.inline) {
      Object.assign(out, value as Record<string, unknown>);
    } else if (value === undefined || (!field.keep && isZero(value))) {
      delete out[field.name];
    } else {
      out[field.name] = value;
    }
  }
  return out;
}

/** The JSON value of a field that is present on the wire but empty (a map value or list item). */
function zeroOf(type: FieldType): unknown {
  switch (type) {
    case 'string':
    case 'bytes':
      return '';
    case 'int32':
    case 'int64':
    case 'intOrString':
      return 0;
    case 'bool':
      return false;
    case 'quantity':
      return '0';
    case 'time':
      return null;
    default:
      return {};
  }
}

function decodeScalar(r: Reader, type: Scalar): unknown {
  switch (type) {
    case 'string':
      return r.bytes().toString('utf8');
    case 'bytes':
      return r.bytes().toString('base64');
    case 'int64':
    case 'int32':
      return toInt(r.varint());
    case 'bool':
      return r.varint() !== 0n;
  }
}

function decodeField(r: Reader, type: FieldType): unknown {
  switch (type) {
    case 'string':
    case 'bytes':
    case 'int64':
    case 'int32':
    case 'bool':
      return decodeScalar(r, type);
    case 'time': {
      const t = decodeMessage(r.bytes(), TIME);
      const seconds = t.seconds as number | undefined;
      // An empty Timestamp or Go's zero time is an unset time, which JSON leaves out.
      if (seconds === undefined || seconds <= GO_ZERO_TIME) return undefined;
      if (seconds > MAX_TIME) throw new BadRequestError('a protobuf timestamp is out of range');
      return rfc3339(seconds);
    }
    case 'fieldsV1': {
      const f = decodeMessage(r.bytes(), { 1: s('raw') });
      if (!f.raw) return {};
      try {
        return JSON.parse(f.raw as string);
      } catch {
        throw new BadRequestError('a managedFields entry holds malformed fieldsV1 JSON');
      }
    }
    case 'quantity': {
      const q = decodeMessage(r.bytes(), { 1: s('string', { keep: true }) });
      return (q.string as string | undefined) || '0';
    }
    case 'intOrString': {
      const v = decodeMessage(r.bytes(), { 1: i64('type', { keep: true }), 2: i32('intVal', { keep: true }), 3: s('strVal', { keep: true }) });
      return v.type === 1 ? ((v.strVal as string | undefined) ?? '') : ((v.intVal as number | undefined) ?? 0);
    }
    default:
      return decodeMessage(r.bytes(), type);
  }
}

/** Decodes a `k8s\0`-framed runtime.Unknown into a JSON object. */
export function decodeProtobufObject(body: Buffer, kindOf: (apiVersion: string, kind: string) => Pick<Kind, 'protobuf'> | undefined = findByKind): KubeObject {
  if (body.length < 4 || !body.subarray(0, 4).equals(MAGIC)) throw new BadRequestError('the protobuf body lacks the Kubernetes magic prefix');
  const unknown = decodeMessage(body.subarray(4), {
    1: m('typeMeta', { 1: s('apiVersion'), 2: s('kind') }),
    2: { name: 'raw', type: 'bytes', keep: true },
    3: s('contentEncoding'),
    4: s('contentType'),
  });
  if (unknown.contentEncoding) throw new UnsupportedMediaTypeError(`application/vnd.kubernetes.protobuf with content encoding ${unknown.contentEncoding as string}`);
  const typeMeta = (unknown.typeMeta ?? {}) as { apiVersion?: string; kind?: string };
  const schema = kindOf(typeMeta.apiVersion ?? '', typeMeta.kind ?? '')?.protobuf;
  if (!schema) throw new UnsupportedMediaTypeError(`application/vnd.kubernetes.protobuf for ${typeMeta.apiVersion} ${typeMeta.kind} (send JSON)`);
  const obj = decodeMessage(Buffer.from((unknown.raw as string | undefined) ?? '', 'base64'), schema);
  return { apiVersion: typeMeta.apiVersion!, kind: typeMeta.kind!, metadata: {}, ...obj } as KubeObject;
}
