import fs from 'node:fs';
import git from 'isomorphic-git';
import { gitLocation, openRepo } from './openRepo.js';

export interface CommitInfo {
  sha: string;
  /** First line of the commit message. */
  message: string;
  author: string;
  email: string;
  /** Author time, ISO 8601 in UTC. */
  time: string;
}

/**
 * What the status page and Application status show for a commit. Takes a sha already resolved
 * (`resolveRevision`), so a missing repo or commit is a bug and throws.
 */
export async function commitInfo(dir: string, sha: string): Promise<CommitInfo> {
  const repo = openRepo(dir);
  if (!repo.ok) throw new Error(repo.errors[0].message);
  const { oid, commit } = await git.readCommit({ fs, ...gitLocation(repo), oid: sha });
  return {
    sha: oid,
    message: commit.message.split('\n')[0],
    author: commit.author.name,
    email: commit.author.email,
    time: new Date(commit.author.timestamp * 1000).toISOString(),
  };
}
