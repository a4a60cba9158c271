import yaml from 'js-yaml';
import { aesgcm, identity, secretbox, type Transformer } from './transformers.js';

/**
 * Encryption at rest, configured as kube-apiserver's --encryption-provider-config:
 *
 *   apiVersion: apiserver.config.k8s.io/v1
 *   kind: EncryptionConfiguration
 *   resources:
 *   - resources: [secrets]
 *     providers:
 *     - aesgcm: {keys: [{name: key2, secret: <base64 of 32 random bytes>}, {name: key1, secret: ...}]}
 *     - identity: {}
 *
 * The first provider's first key seals every write; every key of every provider opens reads.
 */
export interface ResourceEncryption {
  /** `secrets` for the core group, `RESOURCE.GROUP` otherwise. */
  resources: string[];
  /** In the configuration's order: [0] writes. */
  transformers: Transformer[];
}

export type EncryptionConfigResult = { ok: true; config: ResourceEncryption[] } | { ok: false; errors: string[] };

interface KeyEntry {
  name?: unknown;
  secret?: unknown;
}

const KEY_LENGTHS: Record<'aesgcm' | 'secretbox', number[]> = { aesgcm: [16, 24, 32], secretbox: [32] };

function providerKeys(kind: 'aesgcm' | 'secretbox', keys: unknown, where: string, errors: string[]): Transformer[] {
  if (!Array.isArray(keys) || keys.length === 0) {
    errors.push(`${where}.keys: Required value: at least one key`);
    return [];
  }
  const out: Transformer[] = [];
  keys.forEach((k: KeyEntry, i) => {
    const at = `${where}.keys[${i}]`;
    if (typeof k?.name !== 'string' || !k.name || k.name.includes(':')) {
      errors.push(`${at}.name: Invalid value: a non-empty name without ':' is required`);
      return;
    }
    const secret = typeof k.secret === 'string' ? Buffer.from(k.secret, 'base64') : Buffer.alloc(0);
    if (!KEY_LENGTHS[kind].includes(secret.length)) {
      errors.push(`${at}.secret: Invalid value: ${kind} keys are base64 of ${KEY_LENGTHS[kind].join(', ')} bytes; this is ${secret.length}`);
      return;
    }
    out.push(kind === 'aesgcm' ? aesgcm(k.name, secret) : secretbox(k.name, secret));
  });
  return out;
}

/** Reads an EncryptionConfiguration (YAML or JSON); errors name the field, as kube-apiserver's do. */
export function parseEncryptionConfig(text: string): EncryptionConfigResult {
  let doc: unknown;
  try {
    doc = yaml.load(text);
  } catch (err) {
    return { ok: false, errors: [`not YAML: ${(err as Error).message}`] };
  }
  const d = doc as { apiVersion?: unknown; kind?: unknown; resources?: unknown } | undefined;
  if (d?.apiVersion !== 'apiserver.config.k8s.io/v1' || d.kind !== 'EncryptionConfiguration') {
    return { ok: false, errors: ['expected apiVersion apiserver.config.k8s.io/v1, kind EncryptionConfiguration'] };
  }
  if (!Array.isArray(d.resources) || d.resources.length === 0) return { ok: false, errors: ['resources: Required value: at least one resource group'] };
  const errors: string[] = [];
  const config: ResourceEncryption[] = [];
  d.resources.forEach((r: { resources?: unknown; providers?: unknown }, i) => {
    const where = `resources[${i}]`;
    const names = Array.isArray(r?.resources) ? r.resources.filter((n): n is string => typeof n === 'string' && n !== '') : [];
    if (names.length === 0) errors.push(`${where}.resources: Required value: at least one resource`);
    for (const n of names) if (n.includes('*')) errors.push(`${where}.resources: Unsupported value: "${n}": name resources one by one`);
    if (!Array.isArray(r?.providers) || r.providers.length === 0) {
      errors.push(`${where}.providers: Required value: at least one provider`);
      return;
    }
    const transformers: Transformer[] = [];
    r.providers.forEach((p: Record<string, { keys?: unknown } | undefined>, j) => {
      const at = `${where}.providers[${j}]`;
      const kinds = Object.keys(p ?? {});
      if (kinds.length !== 1) {
        errors.push(`${at}: Invalid value: exactly one provider type per entry`);
        return;
      }
      const kind = kinds[0]!;
      if (kind === 'identity') transformers.push(identity);
      else if (kind === 'aesgcm' || kind === 'secretbox') transformers.push(...providerKeys(kind, p[kind]?.keys, `${at}.${kind}`, errors));
      else errors.push(`${at}: Unsupported value: "${kind}": supported values: "aesgcm", "secretbox", "identity"`);
    });
    config.push({ resources: names, transformers });
  });
  return errors.length ? { ok: false, errors } : { ok: true, config };
}
