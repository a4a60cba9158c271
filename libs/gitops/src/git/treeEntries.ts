import fs from 'node:fs';
import git from 'isomorphic-git';

type Where = { fs: typeof fs; dir?: string; gitdir: string };

/** A non-tree entry of a commit's tree, by its full path: blob (mode 100644/100755/120000) or submodule commit. */
export interface TreeFile {
  oid: string;
  mode: string;
  type: 'blob' | 'commit';
}

/** Every file of the tree `treeOid` (or of a commit's tree), keyed by path from the root. */
export async function flattenTree(where: Where, oid: string, prefix = ''): Promise<Map<string, TreeFile>> {
  const files = new Map<string, TreeFile>();
  const { tree } = await git.readTree({ ...where, oid });
  for (const entry of tree) {
    const full = prefix ? `${prefix}/${entry.path}` : entry.path;
    if (entry.type === 'tree') for (const [p, f] of await flattenTree(where, entry.oid, full)) files.set(p, f);
    else files.set(full, { oid: entry.oid, mode: entry.mode, type: entry.type });
  }
  return files;
}

/** Writes the tree objects for a flat path -> file map and returns the root tree's oid. */
export async function buildTree(where: Where, files: Map<string, TreeFile>): Promise<string> {
  interface Dir { files: Map<string, TreeFile>; dirs: Map<string, Dir> }
  const root: Dir = { files: new Map(), dirs: new Map() };
  for (const [p, file] of files) {
    const parts = p.split('/');
    let node = root;
    for (const part of parts.slice(0, -1)) {
      if (!node.dirs.has(part)) node.dirs.set(part, { files: new Map(), dirs: new Map() });
      node = node.dirs.get(part)!;
    }
    node.files.set(parts.at(-1)!, file);
  }
  const write = async (node: Dir): Promise<string> => {
    const tree: { mode: string; path: string; oid: string; type: 'blob' | 'tree' | 'commit' }[] = [];
    for (const [name, file] of node.files) tree.push({ mode: file.mode, path: name, oid: file.oid, type: file.type });
    for (const [name, child] of node.dirs) tree.push({ mode: '040000', path: name, oid: await write(child), type: 'tree' });
    return git.writeTree({ ...where, tree });
  };
  return write(root);
}

export interface TreeChange {
  path: string;
  before?: TreeFile;
  after?: TreeFile;
}

/** Files that differ between two flattened trees, sorted by path. */
export function diffTrees(before: Map<string, TreeFile>, after: Map<string, TreeFile>): TreeChange[] {
  const paths = new Set([...before.keys(), ...after.keys()]);
  const changes: TreeChange[] = [];
  for (const p of [...paths].sort()) {
    const b = before.get(p);
    const a = after.get(p);
    if (b && a && b.oid === a.oid && b.mode === a.mode) continue;
    changes.push({ path: p, ...(b ? { before: b } : {}), ...(a ? { after: a } : {}) });
  }
  return changes;
}
