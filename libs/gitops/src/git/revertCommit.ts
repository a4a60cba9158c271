import fs from 'node:fs';
import git from 'isomorphic-git';
import { commitTreeOnBranch, type BranchCommit } from './commitTreeOnBranch.js';
import { gitFailure, type GitAuthor, type GitFailure } from './gitResult.js';
import { gitLocation, openRepo } from './openRepo.js';
import { resolveRevision } from './resolveRevision.js';
import { diffTrees, flattenTree } from './treeEntries.js';

export interface RevertCommitOptions {
  /** Work tree or bare repository. */
  dir: string;
  /** The commit to undo (any revision `resolveRevision` accepts); HEAD by default. */
  sha?: string;
  author: GitAuthor;
}

/**
 * `git revert <sha>` for a linear history: a new commit on the current branch whose tree is HEAD's
 * with every path that `sha` changed put back to its state in `sha^` (files it added are removed,
 * files it deleted come back). When a later commit changed one of those paths again, a real revert
 * would need a three-way merge; that is returned as a Conflict instead. Merge commits are refused.
 */
export async function revertCommit(options: RevertCommitOptions): Promise<BranchCommit | GitFailure> {
  const repo = openRepo(options.dir);
  if (!repo.ok) return repo;
  const where = { fs, ...gitLocation(repo) };
  const resolved = await resolveRevision(options.dir, options.sha ?? 'HEAD');
  if (!resolved.ok) return resolved;
  const { commit } = await git.readCommit({ ...where, oid: resolved.sha });
  if (commit.parent.length > 1) return gitFailure('Unsupported', `${resolved.sha.slice(0, 7)} is a merge commit; reverting merges is not supported`);

  const reverted = await flattenTree(where, resolved.sha);
  const parent = commit.parent.length === 1 ? await flattenTree(where, commit.parent[0]) : new Map();
  const head = await git.resolveRef({ ...where, ref: 'HEAD' });
  const files = await flattenTree(where, head);

  const conflicts: string[] = [];
  for (const change of diffTrees(parent, reverted)) {
    const now = files.get(change.path);
    const sameAsReverted = change.after ? now?.oid === change.after.oid && now.mode === change.after.mode : now === undefined;
    if (!sameAsReverted) {
      conflicts.push(change.path);
      continue;
    }
    if (change.before) files.set(change.path, change.before);
    else files.delete(change.path);
  }
  if (conflicts.length > 0) {
    return {
      ok: false,
      errors: conflicts.map((p) => ({ code: 'Conflict' as const, message: `${p} was changed again after ${resolved.sha.slice(0, 7)}; revert it by hand`, path: p })),
    };
  }

  const subject = commit.message.split('\n')[0];
  return commitTreeOnBranch(repo, files, `Revert "${subject}"\n\nThis reverts commit ${resolved.sha}.\n`, options.author);
}
