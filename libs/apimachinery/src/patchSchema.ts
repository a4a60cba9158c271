/**
 * Strategic-merge metadata for the built-in kinds: which lists merge by key (and on what key),
 * which primitive lists merge as sets; every other list is replaced whole. Paths are dotted field
 * names from the object's root, with `[]` for "an element of this list".
 */
export interface ListStrategy {
  mergeKey?: string;
  /** 'merge' on a primitive list: union instead of replace (e.g. finalizers). */
  strategy: 'merge' | 'replace';
}

export interface PatchSchema {
  list(path: string): ListStrategy | undefined;
}

function podSpecLists(prefix: string): Record<string, ListStrategy> {
  const p = prefix;
  const lists: Record<string, ListStrategy> = {
    [`${p}.volumes`]: { mergeKey: 'name', strategy: 'merge' },
    [`${p}.imagePullSecrets`]: { mergeKey: 'name', strategy: 'merge' },
    [`${p}.hostAliases`]: { mergeKey: 'ip', strategy: 'merge' },
    [`${p}.topologySpreadConstraints`]: { mergeKey: 'topologyKey', strategy: 'merge' },
    [`${p}.resourceClaims`]: { mergeKey: 'name', strategy: 'merge' },
  };
  for (const c of ['containers', 'initContainers', 'ephemeralContainers']) {
    lists[`${p}.${c}`] = { mergeKey: 'name', strategy: 'merge' };
    lists[`${p}.${c}[].ports`] = { mergeKey: 'containerPort', strategy: 'merge' };
    lists[`${p}.${c}[].env`] = { mergeKey: 'name', strategy: 'merge' };
    lists[`${p}.${c}[].volumeMounts`] = { mergeKey: 'mountPath', strategy: 'merge' };
    lists[`${p}.${c}[].volumeDevices`] = { mergeKey: 'devicePath', strategy: 'merge' };
  }
  return lists;
}

const METADATA: Record<string, ListStrategy> = {
  'metadata.ownerReferences': { mergeKey: 'uid', strategy: 'merge' },
  'metadata.finalizers': { strategy: 'merge' },
};

const CONDITIONS: Record<string, ListStrategy> = { 'status.conditions': { mergeKey: 'type', strategy: 'merge' } };

const BY_KIND: Record<string, Record<string, ListStrategy>> = {
  'v1/Pod': {
    ...podSpecLists('spec'),
    ...CONDITIONS,
  },
  'apps/v1/Deployment': { ...podSpecLists('spec.template.spec'), ...CONDITIONS },
  'apps/v1/ReplicaSet': { ...podSpecLists('spec.template.spec'), ...CONDITIONS },
  'v1/Service': { 'spec.ports': { mergeKey: 'port', strategy: 'merge' }, ...CONDITIONS },
  'v1/Node': {
    'status.addresses': { mergeKey: 'type', strategy: 'merge' },
    'status.images': { strategy: 'replace' },
    ...CONDITIONS,
  },
  'v1/Namespace': { ...CONDITIONS },
  // syncOptions and history stay atomic: a writer sends the whole list it wants (trimmed history included).
  'skiff.dev/v1alpha1/Application': { ...CONDITIONS },
  'skiff.dev/v1alpha1/Webhook': { ...CONDITIONS },
};

export function patchSchemaFor(apiVersion: string, kind: string): PatchSchema {
  const lists = { ...METADATA, ...(BY_KIND[`${apiVersion}/${kind}`] ?? {}) };
  return { list: (path) => lists[path] };
}

/** A schema with no merge keys: every list is replaced (JSON merge semantics), for unknown kinds. */
export const ATOMIC_LISTS: PatchSchema = { list: (path) => METADATA[path] };
