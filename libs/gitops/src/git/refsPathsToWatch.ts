import path from 'node:path';

/**
 * The files that change when a commit lands on `branch` of a local repo, for chokidar: the loose ref
 * (written by commit, push and fetch), `packed-refs` (after `git gc`/`pack-refs` the loose ref
 * disappears and the sha lives here), and `HEAD` (a checkout to another branch).
 */
export function refsPathsToWatch(gitdir: string, branch: string): string[] {
  const name = branch.replace(/^refs\/heads\//, '');
  return [path.join(gitdir, 'HEAD'), path.join(gitdir, 'refs', 'heads', ...name.split('/')), path.join(gitdir, 'packed-refs')];
}
