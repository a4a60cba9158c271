import { UnsupportedMediaTypeError, BadRequestError, type KubeObject } from '@skiff/apimachinery';

/**
 * Decoding of Kubernetes' protobuf request bodies (`application/vnd.kubernetes.protobuf`).
 * kubectl's typed clients (`kubectl create configmap|secret|namespace`) send them; responses are
 * always JSON, which those clients accept. Field numbers follow the `generated.proto` files of
 * k8s.io/api and apimachinery; kinds without a table here are refused with 415.
 */

type FieldType = 'string' | 'bytes' | 'int64' | 'int32' | 'bool' | 'time' | 'stringMap' | 'bytesMap' | 'fieldsV1' | Schema;
interface Field {
  name: string;
  type: FieldType;
  repeated?: boolean;
}
type Schema = { [num: number]: Field };

const TIME: Schema = { 1: { name: 'seconds', type: 'int64' }, 2: { name: 'nanos', type: 'int32' } };
const OWNER_REFERENCE: Schema = {
  1: { name: 'kind', type: 'string' },
  3: { name: 'name', type: 'string' },
  4: { name: 'uid', type: 'string' },
  5: { name: 'apiVersion', type: 'string' },
  6: { name: 'controller', type: 'bool' },
  7: { name: 'blockOwnerDeletion', type: 'bool' },
};
const MANAGED_FIELDS: Schema = {
  1: { name: 'manager', type: 'string' },
  2: { name: 'operation', type: 'string' },
  3: { name: 'apiVersion', type: 'string' },
  4: { name: 'time', type: 'time' },
  6: { name: 'fieldsType', type: 'string' },
  7: { name: 'fieldsV1', type: 'fieldsV1' },
  8: { name: 'subresource', type: 'string' },
};
const OBJECT_META: Schema = {
  1: { name: 'name', type: 'string' },
  2: { name: 'generateName', type: 'string' },
  3: { name: 'namespace', type: 'string' },
  5: { name: 'uid', type: 'string' },
  6: { name: 'resourceVersion', type: 'string' },
  7: { name: 'generation', type: 'int64' },
  8: { name: 'creationTimestamp', type: 'time' },
  9: { name: 'deletionTimestamp', type: 'time' },
  10: { name: 'deletionGracePeriodSeconds', type: 'int64' },
  11: { name: 'labels', type: 'stringMap' },
  12: { name: 'annotations', type: 'stringMap' },
  13: { name: 'ownerReferences', type: OWNER_REFERENCE, repeated: true },
  14: { name: 'finalizers', type: 'string', repeated: true },
  17: { name: 'managedFields', type: MANAGED_FIELDS, repeated: true },
};

const KINDS: Record<string, Schema> = {
  'v1/ConfigMap': {
    1: { name: 'metadata', type: OBJECT_META },
    2: { name: 'data', type: 'stringMap' },
    3: { name: 'binaryData', type: 'bytesMap' },
    4: { name: 'immutable', type: 'bool' },
  },
  'v1/Secret': {
    1: { name: 'metadata', type: OBJECT_META },
    2: { name: 'data', type: 'bytesMap' },
    3: { name: 'type', type: 'string' },
    4: { name: 'stringData', type: 'stringMap' },
    5: { name: 'immutable', type: 'bool' },
  },
  'v1/Namespace': {
    1: { name: 'metadata', type: OBJECT_META },
    2: { name: 'spec', type: { 1: { name: 'finalizers', type: 'string', repeated: true } } },
  },
};

const MAGIC = Buffer.from([0x6b, 0x38, 0x73, 0x00]);

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
      if (this.pos >= this.buf.length) throw new BadRequestError('truncated protobuf body');
      const b = this.buf[this.pos++];
      result |= BigInt(b & 0x7f) << shift;
      if ((b & 0x80) === 0) return result;
      shift += 7n;
    }
  }
  bytes(): Buffer {
    const len = Number(this.varint());
    if (this.pos + len > this.buf.length) throw new BadRequestError('truncated protobuf body');
    const out = this.buf.subarray(this.pos, this.pos + len);
    this.pos += len;
    return out;
  }
  skip(wire: number): void {
    if (wire === 0) this.varint();
    else if (wire === 1) this.pos += 8;
    else if (wire === 2) this.bytes();
    else if (wire === 5) this.pos += 4;
    else throw new BadRequestError(`unsupported protobuf wire type ${wire}`);
  }
}

function toInt(v: bigint): number {
  return Number(BigInt.asIntN(64, v));
}

function rfc3339(seconds: number): string {
  return new Date(seconds * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

function decodeMessage(buf: Buffer, schema: Schema): Record<string, unknown> {
  const r = new Reader(buf);
  const out: Record<string, unknown> = {};
  while (!r.done) {
    const tag = Number(r.varint());
    const num = tag >>> 3;
    const wire = tag & 7;
    const field = schema[num];
    if (!field) {
      r.skip(wire);
      continue;
    }
    const value = decodeField(r, wire, field.type);
    if (field.type === 'stringMap' || field.type === 'bytesMap') {
      const [k, v] = value as [string, unknown];
      out[field.name] = { ...((out[field.name] as object | undefined) ?? {}), [k]: v };
    } else if (field.repeated) {
      out[field.name] = [...((out[field.name] as unknown[] | undefined) ?? []), value];
    } else {
      out[field.name] = value;
    }
  }
  return out;
}

function decodeField(r: Reader, wire: number, type: FieldType): unknown {
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
    case 'time': {
      const t = decodeMessage(r.bytes(), TIME);
      return rfc3339((t.seconds as number | undefined) ?? 0);
    }
    case 'fieldsV1': {
      const f = decodeMessage(r.bytes(), { 1: { name: 'raw', type: 'string' } });
      return f.raw ? JSON.parse(f.raw as string) : {};
    }
    case 'stringMap':
    case 'bytesMap': {
      const entry = decodeMessage(r.bytes(), { 1: { name: 'key', type: 'string' }, 2: { name: 'value', type: type === 'stringMap' ? 'string' : 'bytes' } });
      return [entry.key ?? '', entry.value ?? ''];
    }
    default:
      if (wire !== 2) throw new BadRequestError('malformed protobuf body');
      return decodeMessage(r.bytes(), type);
  }
}

/** Decodes a `k8s\0`-framed runtime.Unknown into a JSON object. */
export function decodeProtobufObject(body: Buffer): KubeObject {
  if (body.length < 4 || !body.subarray(0, 4).equals(MAGIC)) throw new BadRequestError('the protobuf body lacks the Kubernetes magic prefix');
  const unknown = decodeMessage(body.subarray(4), {
    1: { name: 'typeMeta', type: { 1: { name: 'apiVersion', type: 'string' }, 2: { name: 'kind', type: 'string' } } },
    2: { name: 'raw', type: 'bytes' },
    3: { name: 'contentEncoding', type: 'string' },
  });
  const typeMeta = (unknown.typeMeta ?? {}) as { apiVersion?: string; kind?: string };
  const schema = KINDS[`${typeMeta.apiVersion}/${typeMeta.kind}`];
  if (!schema) throw new UnsupportedMediaTypeError(`application/vnd.kubernetes.protobuf for ${typeMeta.apiVersion} ${typeMeta.kind} (send JSON)`);
  const obj = decodeMessage(Buffer.from((unknown.raw as string | undefined) ?? '', 'base64'), schema);
  return { apiVersion: typeMeta.apiVersion!, kind: typeMeta.kind!, metadata: {}, ...obj } as KubeObject;
}
