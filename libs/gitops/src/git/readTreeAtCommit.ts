import fs from 'node:fs';
import git from 'isomorphic-git';
import { gitFailure, type GitFailure } from './gitResult.js';
import { gitLocation, openRepo } from './openRepo.js';

export interface TreeEntry {
  /** From the repository root, `/`-separated. */
  path: string;
  type: 'blob' | 'tree';
  oid: string;
}

export interface CommitTree {
  /** Every file and directory of the commit's tree, sorted by path. */
  entries: TreeEntry[];
  /** A file's text (UTF-8). */
  readText(path: string): Promise<string>;
}

/**
 * The whole tree of `commitOid` (directories and files), read from git objects only, so it works
 * on bare repositories and never sees uncommitted edits. What ApplicationSet git generators match
 * their directory and file globs against.
 */
export async function readTreeAtCommit(dir: string, commitOid: string): Promise<{ ok: true; tree: CommitTree } | GitFailure> {
  const repo = openRepo(dir);
  if (!repo.ok) return repo;
  const where = { fs, ...gitLocation(repo) };
  let root: string;
  try {
    root = (await git.readTree({ ...where, oid: commitOid })).oid;
  } catch {
    return gitFailure('NotFound', `commit ${commitOid} not found`);
  }
  const entries: TreeEntry[] = [];
  const walk = async (treeOid: string, prefix: string): Promise<void> => {
    const { tree } = await git.readTree({ ...where, oid: treeOid });
    for (const e of tree) {
      const path = prefix ? `${prefix}/${e.path}` : e.path;
      if (e.type === 'tree') {
        entries.push({ path, type: 'tree', oid: e.oid });
        await walk(e.oid, path);
      } else if (e.type === 'blob') {
        entries.push({ path, type: 'blob', oid: e.oid });
      }
    }
  };
  await walk(root, '');
  entries.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  const byPath = new Map(entries.map((e) => [e.path, e]));
  const decoder = new TextDecoder('utf-8');
  return {
    ok: true,
    tree: {
      entries,
      async readText(path) {
        const e = byPath.get(path);
        if (!e || e.type !== 'blob') throw new Error(`${path} is not a file at ${commitOid.slice(0, 7)}`);
        return decoder.decode((await git.readBlob({ ...where, oid: e.oid })).blob);
      },
    },
  };
}
