import fs from 'node:fs';
import path from 'node:path';
import git from 'isomorphic-git';
import { gitFailure, type GitFailure } from './gitResult.js';

/**
 * Moves `ref` (e.g. `refs/heads/main`) from `expected` to `sha` the way the git CLI does: take
 * `<ref>.lock` exclusively (so a concurrent `git commit` and this cannot both win), check the ref
 * still names `expected`, write the lock file and rename it over the ref. A reader (`git rev-parse`,
 * a file watcher) sees the old sha or the new one, never an empty or half-written file, which
 * isomorphic-git's own ref update (truncate, then write) does not promise. `expected` null: the
 * ref must not exist yet (a new branch).
 */
export async function updateBranchRef(gitdir: string, ref: string, expected: string | null, sha: string): Promise<{ ok: true } | GitFailure> {
  const refFile = path.join(gitdir, ...ref.split('/'));
  const lockFile = `${refFile}.lock`;
  await fs.promises.mkdir(path.dirname(refFile), { recursive: true });
  let lock: fs.promises.FileHandle;
  try {
    lock = await fs.promises.open(lockFile, 'wx');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return gitFailure('Conflict', `${ref} is locked by another git process (${lockFile} exists)`, ref);
    throw err;
  }
  let renamed = false;
  try {
    const current = await git.resolveRef({ fs, gitdir, ref }).catch(() => null);
    if (current !== expected) return gitFailure('Conflict', `${ref} ${current === null ? 'was deleted' : `moved to ${current.slice(0, 7)}`} while the commit was being made; try again`, ref);
    await lock.writeFile(`${sha}\n`);
    await lock.sync();
    await lock.close();
    await fs.promises.rename(lockFile, refFile);
    renamed = true;
    return { ok: true };
  } finally {
    if (!renamed) {
      await lock.close().catch(() => undefined);
      await fs.promises.rm(lockFile, { force: true });
    }
  }
}
