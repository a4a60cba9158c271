import fs from 'node:fs';
import { mkdir, realpath, rm, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import git from 'isomorphic-git';
import { gitLocation, openRepo } from '../git/openRepo.js';

export interface MaterializeResult {
  ok: boolean;
  /** Why not, when !ok. */
  message?: string;
  /** Files written (symlinks included). */
  files: number;
  /** Symlinks left out because they point outside the tree. */
  skippedLinks: string[];
}

/**
 * Writes the tree of `commitOid` into `dest` from git objects (never the work tree, so uncommitted
 * edits and ignored files play no part): blobs as files (executable bit kept), symlinks only when
 * their target stays inside the tree, submodules left out. Stops past `maxBytes` in total.
 */
export async function materializeTree(repoDir: string, commitOid: string, dest: string, maxBytes: number): Promise<MaterializeResult> {
  const repo = openRepo(repoDir);
  if (!repo.ok) return { ok: false, message: repo.errors[0].message, files: 0, skippedLinks: [] };
  const where = { fs, ...gitLocation(repo) };
  const root = path.resolve(dest);
  let bytes = 0;
  let files = 0;
  const skippedLinks: string[] = [];
  const links: string[] = [];
  const walk = async (treeOid: string, rel: string): Promise<string | undefined> => {
    const { tree } = await git.readTree({ ...where, oid: treeOid });
    await mkdir(path.join(root, rel), { recursive: true });
    for (const entry of tree) {
      const childRel = rel ? `${rel}/${entry.path}` : entry.path;
      const target = path.join(root, childRel);
      if (entry.type === 'tree') {
        const failed = await walk(entry.oid, childRel);
        if (failed) return failed;
        continue;
      }
      if (entry.type !== 'blob') continue;
      const { blob } = await git.readBlob({ ...where, oid: entry.oid });
      bytes += blob.length;
      if (bytes > maxBytes) return `the tree at ${commitOid.slice(0, 7)} is larger than ${maxBytes} bytes`;
      if (entry.mode === '120000') {
        const link = new TextDecoder().decode(blob);
        const resolved = path.resolve(path.dirname(target), link);
        if (path.isAbsolute(link) || (resolved !== root && !resolved.startsWith(`${root}${path.sep}`))) {
          skippedLinks.push(childRel);
          continue;
        }
        await symlink(link, target);
        links.push(childRel);
      } else {
        await writeFile(target, blob, { mode: entry.mode === '100755' ? 0o755 : 0o644 });
      }
      files++;
    }
    return undefined;
  };
  try {
    const { oid } = await git.readTree({ ...where, oid: commitOid });
    const failed = await walk(oid, '');
    // The lexical check above can be fooled through another link (`up -> .`, `out -> up/..`):
    // whatever does not really resolve inside the tree goes.
    const realRoot = await realpath(root);
    for (const rel of links) {
      const real = await realpath(path.join(root, rel)).catch(() => undefined);
      if (!real || (real !== realRoot && !real.startsWith(`${realRoot}${path.sep}`))) {
        await rm(path.join(root, rel), { force: true });
        skippedLinks.push(rel);
      }
    }
    return failed ? { ok: false, message: failed, files, skippedLinks } : { ok: true, files, skippedLinks };
  } catch (err) {
    return { ok: false, message: `cannot read the tree of ${commitOid.slice(0, 7)}: ${(err as Error).message}`, files, skippedLinks };
  }
}
