import { existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { gitFailure, type GitFailure } from './gitResult.js';

/** Where a local repository keeps its work tree and its git directory; a bare repo has no work tree. */
export interface LocalRepo {
  /** The work tree, or the git directory itself for a bare repo. */
  dir: string;
  gitdir: string;
  bare: boolean;
}

/**
 * Finds the git directory of a work tree (`.git` directory, or a `.git` file with `gitdir: <path>` as
 * in linked worktrees and submodules) or of a bare repository (HEAD and objects/ at the top).
 */
export function openRepo(repoPath: string): ({ ok: true } & LocalRepo) | GitFailure {
  const dir = path.resolve(repoPath);
  const dotGit = path.join(dir, '.git');
  if (existsSync(dotGit)) {
    if (statSync(dotGit).isDirectory()) return { ok: true, dir, gitdir: dotGit, bare: false };
    const match = /^gitdir:\s*(.+)$/m.exec(readFileSync(dotGit, 'utf8'));
    if (match) return { ok: true, dir, gitdir: path.resolve(dir, match[1].trim()), bare: false };
  }
  if (existsSync(path.join(dir, 'HEAD')) && existsSync(path.join(dir, 'objects'))) return { ok: true, dir, gitdir: dir, bare: true };
  return gitFailure('NotFound', `${dir} is not a git repository`);
}

/** The `{ dir?, gitdir }` pair isomorphic-git wants: no `dir` for a bare repo. */
export function gitLocation(repo: LocalRepo): { dir?: string; gitdir: string } {
  return repo.bare ? { gitdir: repo.gitdir } : { dir: repo.dir, gitdir: repo.gitdir };
}
