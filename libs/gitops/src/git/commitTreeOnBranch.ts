import fs from 'node:fs';
import path from 'node:path';
import git from 'isomorphic-git';
import { gitFailure, type GitAuthor, type GitFailure } from './gitResult.js';
import { gitLocation, type LocalRepo } from './openRepo.js';
import { updateBranchRef } from './updateBranchRef.js';
import { buildTree, diffTrees, flattenTree, type TreeChange, type TreeFile } from './treeEntries.js';

export interface BranchCommit {
  ok: true;
  sha: string;
  branch: string;
  /** Paths whose content the commit changed, relative to the repo root. */
  changed: string[];
}

/**
 * Commits `files` (the complete new tree, path -> entry) on top of the current branch and, in a
 * non-bare repo, brings the work tree and index along for exactly the changed paths, so `git status`
 * stays clean. The branch moves atomically, under git's lock file, and only if nobody moved it in
 * between. Refuses (as a value) when HEAD is detached, when nothing would change, or when one of
 * those paths has uncommitted edits that the update would overwrite. With `expectedHead`, also when
 * the branch is no longer there (the tree was computed from that commit).
 */
export async function commitTreeOnBranch(
  repo: LocalRepo,
  files: Map<string, TreeFile>,
  message: string,
  author: GitAuthor,
  expectedHead?: string,
): Promise<BranchCommit | GitFailure> {
  const where = { fs, ...gitLocation(repo) };
  const branch = await git.currentBranch({ ...where, fullname: true });
  if (!branch) return gitFailure('Unsupported', 'HEAD is detached; check out a branch first');
  const head = await git.resolveRef({ ...where, ref: branch });
  if (expectedHead !== undefined && head !== expectedHead) return gitFailure('Conflict', `${branch} moved to ${head.slice(0, 7)} while the commit was being made; try again`, branch);
  const changes = diffTrees(await flattenTree(where, head), files);
  if (changes.length === 0) return gitFailure('NothingToCommit', `nothing to commit: ${branch.replace('refs/heads/', '')} already has this content`);

  if (!repo.bare) {
    const dirty = await dirtyPaths(repo, changes);
    if (dirty.length > 0) {
      return { ok: false, errors: dirty.map((p) => ({ code: 'Dirty' as const, message: `${p} has uncommitted changes that the commit would overwrite`, path: p })) };
    }
  }

  const tree = await buildTree(where, files);
  const signature = { name: author.name, email: author.email, timestamp: author.timestamp ?? Math.floor(Date.now() / 1000), timezoneOffset: author.timezoneOffset ?? 0 };
  const sha = await git.commit({ ...where, message, author: signature, committer: signature, tree, parent: [head], noUpdateBranch: true });
  const moved = await updateBranchRef(repo.gitdir, branch, head, sha);
  if (!moved.ok) return moved;
  if (!repo.bare) await updateWorkTree(repo, changes);
  return { ok: true, sha, branch: branch.replace(/^refs\/heads\//, ''), changed: changes.map((c) => c.path) };
}

async function dirtyPaths(repo: LocalRepo, changes: TreeChange[]): Promise<string[]> {
  const dirty: string[] = [];
  for (const change of changes) {
    if (change.before?.type === 'commit' || change.after?.type === 'commit') continue;
    const status = await git.status({ fs, dir: repo.dir, gitdir: repo.gitdir, filepath: change.path });
    if (status !== 'unmodified' && status !== 'absent') dirty.push(change.path);
  }
  return dirty;
}

async function updateWorkTree(repo: LocalRepo, changes: TreeChange[]): Promise<void> {
  const where = { fs: renamingIndexWrites(repo.gitdir), dir: repo.dir, gitdir: repo.gitdir };
  for (const change of changes) {
    if (change.after?.type === 'commit' || change.before?.type === 'commit') continue;
    const file = path.join(repo.dir, ...change.path.split('/'));
    if (change.after) {
      const { blob } = await git.readBlob({ ...where, oid: change.after.oid });
      await fs.promises.mkdir(path.dirname(file), { recursive: true });
      await fs.promises.rm(file, { force: true });
      if (change.after.mode === '120000') await fs.promises.symlink(Buffer.from(blob).toString('utf8'), file);
      else await fs.promises.writeFile(file, blob, { mode: change.after.mode === '100755' ? 0o755 : 0o644 });
      await git.add({ ...where, filepath: change.path });
    } else {
      await fs.promises.rm(file, { force: true });
      await git.remove({ ...where, filepath: change.path });
      await removeEmptyParents(repo.dir, path.dirname(file));
    }
  }
}

async function removeEmptyParents(root: string, dir: string): Promise<void> {
  while (dir.startsWith(root + path.sep)) {
    try {
      await fs.promises.rmdir(dir);
    } catch {
      return;
    }
    dir = path.dirname(dir);
  }
}

/**
 * Node's fs for isomorphic-git, except that the index is written to a temporary file and renamed
 * into place: isomorphic-git truncates and rewrites it, and a `git status` run meanwhile would
 * read a short index ("index file smaller than expected").
 */
function renamingIndexWrites(gitdir: string): typeof fs {
  const index = path.resolve(gitdir, 'index');
  const writeFile: typeof fs.promises.writeFile = async (file, data, options) => {
    if (typeof file !== 'string' || path.resolve(file) !== index) return fs.promises.writeFile(file, data, options);
    const tmp = `${index}.skiff-${process.pid}.tmp`;
    await fs.promises.writeFile(tmp, data, options);
    await fs.promises.rename(tmp, index);
  };
  return { ...fs, promises: { ...fs.promises, writeFile } };
}
