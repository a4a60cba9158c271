import fs from 'node:fs';
import git from 'isomorphic-git';
import { commitTreeOnBranch, type BranchCommit } from './commitTreeOnBranch.js';
import type { GitAuthor, GitFailure } from './gitResult.js';
import { gitLocation, openRepo } from './openRepo.js';
import { resolveRevision } from './resolveRevision.js';
import { flattenTree } from './treeEntries.js';

export interface RevertToOptions {
  dir: string;
  /** The revision to roll back to (any revision `resolveRevision` accepts). */
  targetSha: string;
  author: GitAuthor;
}

/**
 * "Roll back to revision": a new commit on the current branch whose tree equals `targetSha`'s, so
 * history keeps moving forward and the watcher syncs it like any other commit.
 */
export async function revertTo(options: RevertToOptions): Promise<BranchCommit | GitFailure> {
  const repo = openRepo(options.dir);
  if (!repo.ok) return repo;
  const where = { fs, ...gitLocation(repo) };
  const target = await resolveRevision(options.dir, options.targetSha);
  if (!target.ok) return target;
  const { commit } = await git.readCommit({ ...where, oid: target.sha });
  const files = await flattenTree(where, target.sha);
  const subject = commit.message.split('\n')[0];
  return commitTreeOnBranch(repo, files, `Rollback to ${target.sha.slice(0, 7)}: ${subject}\n`, options.author);
}
