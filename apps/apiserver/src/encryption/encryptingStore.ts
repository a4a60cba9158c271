import { InternalError, type KubeObject, type ObjectKey } from '@skiff/apimachinery';
import type { Store } from '@skiff/store';
import type { ResourceEncryption } from './encryptionConfig.js';
import { identity, type Transformer } from './transformers.js';

/** The field a sealed object's payload is stored in, beside the metadata the store itself reads. */
const SEALED_FIELD = 'encrypted';

/**
 * Metadata the store reads or keeps (keys, uid, versions, timestamps): stays readable so the
 * store works unchanged. Everything else (labels, annotations, which can hold the last applied
 * Secret, managedFields, data, type) is sealed.
 */
const STORE_METADATA = ['name', 'namespace', 'uid', 'resourceVersion', 'generation', 'creationTimestamp', 'deletionTimestamp'] as const;

/** Objects read with a key other than the write key (or as plaintext while encrypting): an update that changes nothing still rewrites them. */
const stale = new WeakSet<KubeObject>();

/**
 * True when `obj`, as read from an encrypting store, was sealed with another key than the one
 * writes use now: rewriting it unchanged re-encrypts it (key rotation, as Kubernetes' storage
 * treats a "stale" read).
 */
export function needsRewrite(obj: KubeObject): boolean {
  return stale.has(obj);
}

function resourceName(key: Pick<ObjectKey, 'group' | 'resource'>): string {
  return key.group ? `${key.resource}.${key.group}` : key.resource;
}

/** What aesgcm authenticates with the payload: the object's place, as etcd's key is in Kubernetes. */
function storagePath(key: ObjectKey): Buffer {
  return Buffer.from(`/registry/${key.group || 'core'}/${key.resource}/${key.namespace}/${key.name}`);
}

function seal(key: ObjectKey, obj: KubeObject, writer: Transformer): KubeObject {
  if (writer === identity) return obj;
  const { apiVersion, kind, metadata, ...rest } = obj;
  const plain: Record<string, unknown> = {};
  const hidden: Record<string, unknown> = { ...metadata };
  for (const field of STORE_METADATA) {
    if (field in hidden) plain[field] = hidden[field];
    delete hidden[field];
  }
  const payload = Buffer.from(JSON.stringify({ metadata: hidden, ...rest }));
  const value = writer.prefix + writer.seal(payload, storagePath(key)).toString('base64');
  return { apiVersion, kind, metadata: plain, [SEALED_FIELD]: value } as KubeObject;
}

function open(key: ObjectKey, stored: KubeObject, transformers: Transformer[]): KubeObject {
  const value = (stored as Record<string, unknown>)[SEALED_FIELD];
  if (typeof value !== 'string' || !value.startsWith('k8s:enc:')) {
    // Written before encryption was turned on: readable only while identity is configured.
    if (!transformers.includes(identity)) throw new InternalError(`no matching prefix found for ${resourceName(key)} "${key.name}"`);
    if (transformers[0] !== identity) stale.add(stored);
    return stored;
  }
  const reader = transformers.find((t) => t !== identity && value.startsWith(t.prefix));
  if (!reader) throw new InternalError(`no matching prefix found for ${resourceName(key)} "${key.name}" (${value.split(':', 5).join(':')}:)`);
  let payload: { metadata?: Record<string, unknown> } & Record<string, unknown>;
  try {
    payload = JSON.parse(reader.open(Buffer.from(value.slice(reader.prefix.length), 'base64'), storagePath(key)).toString('utf8'));
  } catch {
    throw new InternalError(`${resourceName(key)} "${key.name}" does not decrypt with key ${reader.prefix}`);
  }
  const { metadata: hidden, ...rest } = payload;
  const obj = { apiVersion: stored.apiVersion, kind: stored.kind, metadata: { ...hidden, ...stored.metadata }, ...rest } as KubeObject;
  if (reader !== transformers[0]) stale.add(obj);
  return obj;
}

/**
 * The store with encryption at rest for the resources `config` names: objects are sealed on the
 * way in and opened on the way out of every read (get, list, the change log watches read), so the
 * API server above and the SQL below stay as they are.
 */
export function encryptingStore(store: Store, config: ResourceEncryption[]): Store {
  const byResource = new Map<string, Transformer[]>();
  for (const r of config) for (const name of r.resources) if (!byResource.has(name)) byResource.set(name, r.transformers);
  const transformersOf = (key: ObjectKey) => byResource.get(resourceName(key));
  const sealed = (key: ObjectKey, obj: KubeObject) => {
    const t = transformersOf(key);
    return t ? seal(key, obj, t[0]!) : obj;
  };
  const opened = (key: ObjectKey, obj: KubeObject) => {
    const t = transformersOf(key);
    return t ? open(key, obj, t) : obj;
  };
  const keyOf = (group: string, resource: string, obj: KubeObject): ObjectKey => ({ group, resource, namespace: obj.metadata.namespace ?? '', name: obj.metadata.name ?? '' });
  return {
    get: async (key) => {
      const obj = await store.get(key);
      return obj && opened(key, obj);
    },
    list: async (opts) => {
      const result = await store.list(opts);
      if (!byResource.has(resourceName(opts))) return result;
      return { ...result, items: result.items.map((o) => opened(keyOf(opts.group, opts.resource, o), o)) };
    },
    create: async (key, object, opts) => opened(key, await store.create(key, sealed(key, object), opts)),
    update: async (key, object, pre, opts) => opened(key, await store.update(key, sealed(key, object), pre, opts)),
    delete: async (key, pre) => opened(key, await store.delete(key, pre)),
    changesSince: async (after, filter, limit) =>
      (await store.changesSince(after, filter, limit)).map((c) => ({ ...c, object: opened(c.key, c.object), ...(c.prevObject ? { prevObject: opened(c.key, c.prevObject) } : {}) })),
    allocations: (pool) => store.allocations(pool),
    currentResourceVersion: () => store.currentResourceVersion(),
    oldestResourceVersion: () => store.oldestResourceVersion(),
    onCommit: (listener) => store.onCommit(listener),
    compact: (keepMs) => store.compact(keepMs),
    close: () => store.close(),
  };
}
