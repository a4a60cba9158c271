import fs from 'node:fs';
import git from 'isomorphic-git';
import type { ManifestFile } from '../types.js';
import { gitFailure, type GitFailure } from './gitResult.js';
import { gitLocation, openRepo } from './openRepo.js';

const MANIFEST_FILE = /\.(ya?ml|json)$/i;

export interface ManifestBlob {
  path: string;
  oid: string;
}

/**
 * The manifest files (`*.yaml`, `*.yml`, `*.json`) under `path` (a directory, recursively, or one
 * file) in the tree of `commitOid`, sorted by path, with paths from the repository root. Reads git
 * objects only, so it works on bare repos and never sees uncommitted edits.
 */
export async function listManifestFiles(dir: string, commitOid: string, path: string): Promise<{ ok: true; files: ManifestBlob[] } | GitFailure> {
  const repo = openRepo(dir);
  if (!repo.ok) return repo;
  const where = { fs, ...gitLocation(repo) };
  const root = path.replace(/^\.?\/+/, '').replace(/\/+$/, '').replace(/^\.$/, '');
  try {
    await git.readCommit({ ...where, oid: commitOid });
  } catch {
    return gitFailure('NotFound', `commit ${commitOid} not found`);
  }
  let startTree: string;
  try {
    if (root === '') {
      startTree = (await git.readTree({ ...where, oid: commitOid })).oid;
    } else {
      const { oid, type } = await lookupPath(where, commitOid, root);
      if (type === 'blob') return { ok: true, files: MANIFEST_FILE.test(root) ? [{ path: root, oid }] : [] };
      if (type !== 'tree') return gitFailure('NotFound', `path ${root} not found at ${commitOid.slice(0, 7)}`);
      startTree = oid;
    }
  } catch {
    return gitFailure('NotFound', `path ${root} not found at ${commitOid.slice(0, 7)}`);
  }
  const files: ManifestBlob[] = [];
  const walk = async (treeOid: string, prefix: string): Promise<void> => {
    const { tree } = await git.readTree({ ...where, oid: treeOid });
    for (const entry of tree) {
      const full = prefix ? `${prefix}/${entry.path}` : entry.path;
      if (entry.type === 'tree') await walk(entry.oid, full);
      else if (entry.type === 'blob' && MANIFEST_FILE.test(entry.path)) files.push({ path: full, oid: entry.oid });
    }
  };
  await walk(startTree, root);
  files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  return { ok: true, files };
}

/** `listManifestFiles` plus each file's text (UTF-8), ready for `parseManifests`. */
export async function readManifestsAtCommit(dir: string, commitOid: string, path: string): Promise<{ ok: true; files: ManifestFile[] } | GitFailure> {
  const listed = await listManifestFiles(dir, commitOid, path);
  if (!listed.ok) return listed;
  const repo = openRepo(dir);
  if (!repo.ok) return repo;
  const where = { fs, ...gitLocation(repo) };
  const decoder = new TextDecoder('utf-8');
  const files = await Promise.all(
    listed.files.map(async ({ path: p, oid }) => ({ path: p, text: decoder.decode((await git.readBlob({ ...where, oid })).blob) })),
  );
  return { ok: true, files };
}

async function lookupPath(where: { fs: typeof fs; dir?: string; gitdir: string }, commitOid: string, p: string): Promise<{ oid: string; type: string }> {
  const parts = p.split('/');
  const parent = parts.slice(0, -1).join('/');
  const { tree } = await git.readTree({ ...where, oid: commitOid, ...(parent ? { filepath: parent } : {}) });
  const entry = tree.find((e) => e.path === parts.at(-1));
  if (!entry) throw new Error('not found');
  return { oid: entry.oid, type: entry.type };
}
