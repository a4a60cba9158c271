import { InvalidLayerEntryError } from './invalidLayerEntryError.js';
import type { LayerEntry } from './types.js';

/** A layer entry ready for the tar writer: relative name, every field filled in. */
export interface TarEntry {
  /** Relative to the image root, no leading or trailing slash (`bin/sh`). */
  name: string;
  type: LayerEntry['type'];
  mode: number;
  uid: number;
  gid: number;
  content: Buffer;
  linkTarget: string;
}

const DEFAULT_MODE: Record<LayerEntry['type'], number> = { file: 0o644, dir: 0o755, symlink: 0o777 };

/**
 * Validates entries, adds the parent directories nobody listed (root-owned, 0755) and sorts by
 * name. Sorting makes the tar independent of the caller's order; a parent always sorts before its
 * children because it is a prefix of their names, so extractors never create a directory
 * implicitly with their own defaults.
 */
export function normalizeLayerEntries(entries: readonly LayerEntry[]): TarEntry[] {
  const byName = new Map<string, TarEntry>();
  for (const entry of entries) {
    const name = relativeName(entry.path);
    if (byName.has(name)) throw new InvalidLayerEntryError(entry.path, 'listed twice in the same layer');
    byName.set(name, toTarEntry(entry, name));
  }

  for (const name of [...byName.keys()]) {
    const segments = name.split('/');
    for (let i = 1; i < segments.length; i++) {
      const parent = segments.slice(0, i).join('/');
      const existing = byName.get(parent);
      if (existing === undefined) {
        byName.set(parent, { name: parent, type: 'dir', mode: DEFAULT_MODE.dir, uid: 0, gid: 0, content: EMPTY, linkTarget: '' });
      } else if (existing.type !== 'dir') {
        throw new InvalidLayerEntryError(`/${name}`, `its parent /${parent} is a ${existing.type}, not a dir`);
      }
    }
  }

  // Plain code-unit order, not localeCompare: the result must not depend on the machine's locale.
  return [...byName.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

const EMPTY = Buffer.alloc(0);

function relativeName(path: string): string {
  const trimmed = path.replace(/^\/+/, '').replace(/\/+$/, '');
  if (trimmed === '') throw new InvalidLayerEntryError(path, 'the image root cannot be an entry');
  for (const segment of trimmed.split('/')) {
    if (segment === '' || segment === '.' || segment === '..') {
      throw new InvalidLayerEntryError(path, 'path must not contain empty, "." or ".." segments');
    }
  }
  return trimmed;
}

function toTarEntry(entry: LayerEntry, name: string): TarEntry {
  const mode = entry.mode ?? DEFAULT_MODE[entry.type];
  if (!Number.isInteger(mode) || mode < 0 || mode > 0o7777) {
    throw new InvalidLayerEntryError(entry.path, `mode ${mode} is not within 0..0o7777`);
  }
  const uid = checkId(entry, 'uid', entry.uid ?? 0);
  const gid = checkId(entry, 'gid', entry.gid ?? 0);

  if (entry.type !== 'file' && entry.content !== undefined) {
    throw new InvalidLayerEntryError(entry.path, `a ${entry.type} has no content`);
  }
  if (entry.type === 'symlink' && !entry.linkTarget) {
    throw new InvalidLayerEntryError(entry.path, 'a symlink needs a linkTarget');
  }
  if (entry.type !== 'symlink' && entry.linkTarget !== undefined) {
    throw new InvalidLayerEntryError(entry.path, `a ${entry.type} has no linkTarget`);
  }

  const content = entry.content === undefined ? EMPTY : Buffer.isBuffer(entry.content) ? entry.content : Buffer.from(entry.content, 'utf8');
  return { name, type: entry.type, mode, uid, gid, content, linkTarget: entry.linkTarget ?? '' };
}

function checkId(entry: LayerEntry, field: 'uid' | 'gid', value: number): number {
  if (!Number.isInteger(value) || value < 0) throw new InvalidLayerEntryError(entry.path, `${field} ${value} is not a non-negative integer`);
  return value;
}
