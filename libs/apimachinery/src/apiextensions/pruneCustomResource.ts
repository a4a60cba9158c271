import { isObject, itemsOf, type Json, type Schema } from './schema.js';

const TYPE_META = ['apiVersion', 'kind', 'metadata'];

/**
 * Drops, in place, the fields a structural schema does not declare (Kubernetes' pruning), and
 * returns their paths as kube-apiserver reports them to fieldValidation (`spec.foo`,
 * `spec.items[0].bar`). Kept: `apiVersion`, `kind` and `metadata` at the root and in embedded
 * resources, and everything under `x-kubernetes-preserve-unknown-fields: true` that no nested
 * schema prunes.
 */
export function pruneCustomResource(obj: Json, schema: Schema): string[] {
  const pruned: string[] = [];
  pruneObject(obj, schema, '', true, pruned);
  return pruned;
}

function join(path: string, key: string): string {
  return path ? `${path}.${key}` : key;
}

function prune(value: unknown, s: Schema | undefined, path: string, pruned: string[]): void {
  if (!s) return;
  if (Array.isArray(value)) {
    const items = itemsOf(s);
    if (items) value.forEach((item, i) => prune(item, items, `${path}[${i}]`, pruned));
  } else if (isObject(value)) {
    pruneObject(value, s, path, !!s['x-kubernetes-embedded-resource'], pruned);
  }
}

function pruneObject(obj: Json, s: Schema, path: string, embedded: boolean, pruned: string[]): void {
  const additional = isObject(s.additionalProperties) ? (s.additionalProperties as Schema) : undefined;
  const keepUnknown = !!s['x-kubernetes-preserve-unknown-fields'] || s.additionalProperties === true;
  for (const key of Object.keys(obj)) {
    if (embedded && TYPE_META.includes(key)) continue;
    const declared = s.properties?.[key] ?? additional;
    if (declared) prune(obj[key], declared, join(path, key), pruned);
    else if (!keepUnknown) {
      delete obj[key];
      pruned.push(join(path, key));
    }
  }
}
