/**
 * Strategic-merge metadata: which lists merge by key (and on what key), which primitive lists
 * merge as sets; every other list is replaced whole. Paths are dotted field names from the
 * object's root, with `[]` for "an element of this list". Each kind declares its own lists
 * (`Kind.lists`); metadata's are the same for every kind.
 */
export interface ListStrategy {
  mergeKey?: string;
  /** 'merge' on a primitive list: union instead of replace (e.g. finalizers). */
  strategy: 'merge' | 'replace';
}

export interface PatchSchema {
  list(path: string): ListStrategy | undefined;
}

/** metadata's strategic-merge lists, the same on every kind. */
export const METADATA_LISTS: Readonly<Record<string, ListStrategy>> = {
  'metadata.ownerReferences': { mergeKey: 'uid', strategy: 'merge' },
  'metadata.finalizers': { strategy: 'merge' },
};

/** The patch schema of a kind declaring `lists`. */
export function patchSchemaOf(kind: { lists?: Readonly<Record<string, ListStrategy>> } | undefined): PatchSchema {
  const lists = { ...METADATA_LISTS, ...(kind?.lists ?? {}) };
  return { list: (path) => lists[path] };
}

/** A schema with no merge keys: every list is replaced (JSON merge semantics), for unknown kinds. */
export const ATOMIC_LISTS: PatchSchema = { list: (path) => METADATA_LISTS[path] };
