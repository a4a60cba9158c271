import fs from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import git from 'isomorphic-git';
import type { BranchCommit } from './commitTreeOnBranch.js';
import { gitFailure, type GitAuthor, type GitFailure } from './gitResult.js';
import { remoteAccess, remoteFailure, type GitCredentials } from './remoteAccess.js';
import { resolveRevision } from './resolveRevision.js';
import { revertCommit } from './revertCommit.js';
import { revertTo } from './revertTo.js';

export interface RollbackRemoteOptions {
  /** An http(s) repository URL. */
  url: string;
  branch: string;
  /** Revert this commit (default: the branch's head)... */
  revert?: string;
  /** ...or make a commit whose tree is this revision's. */
  to?: string;
  author: GitAuthor;
  /** Sent only to the URL's own origin, over https (or http to a loopback host): see `remoteAccess`. */
  auth?: GitCredentials;
}

/**
 * Rollback for a remote repository: clone the branch into a temp dir, make the revert (or
 * "back to REVISION") commit there, push it, clean up. A push the remote refuses (someone pushed
 * meanwhile, no permission) comes back as a failure value; nothing is forced.
 */
export async function rollbackRemote(options: RollbackRemoteOptions): Promise<(BranchCommit & { pushed: true }) | GitFailure> {
  const access = remoteAccess(options.url, options.auth);
  if (!access.ok) return access;
  const { url, http, onAuth } = access;
  const dir = await mkdtemp(path.join(tmpdir(), 'skiff-rollback-'));
  try {
    try {
      await git.clone({ fs, http, dir, url, ref: options.branch, singleBranch: true, onAuth });
    } catch (err) {
      return remoteFailure(`cloning ${url}`, err, 'Fetch');
    }
    let result: BranchCommit | GitFailure;
    if (options.to) {
      const target = await resolveRevision(dir, options.to);
      if (!target.ok) return target;
      result = await revertTo({ dir, targetSha: target.sha, author: options.author });
    } else {
      result = await revertCommit({ dir, sha: options.revert, author: options.author });
    }
    if (!result.ok) return result;
    try {
      const pushed = await git.push({ fs, http, dir, remote: 'origin', ref: options.branch, onAuth });
      if (!pushed.ok) return gitFailure('Conflict', `pushing to ${url}: ${pushed.error ?? 'refused'}`);
    } catch (err) {
      return remoteFailure(`pushing to ${url}`, err, 'Conflict');
    }
    return { ...result, pushed: true };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
