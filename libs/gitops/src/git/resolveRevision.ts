import fs from 'node:fs';
import git from 'isomorphic-git';
import { gitFailure, type GitFailure } from './gitResult.js';
import { gitLocation, openRepo } from './openRepo.js';

/**
 * The commit sha that `ref` names in the repository at `dir` (work tree or bare): `HEAD`, a branch,
 * a tag (annotated tags are peeled to their commit), a full ref, or a unique sha prefix.
 */
export async function resolveRevision(dir: string, ref: string): Promise<{ ok: true; sha: string } | GitFailure> {
  const repo = openRepo(dir);
  if (!repo.ok) return repo;
  const where = { fs, ...gitLocation(repo) };
  let oid: string | undefined;
  try {
    oid = await git.resolveRef({ ...where, ref });
  } catch {
    oid = undefined;
  }
  if (!oid && /^[0-9a-f]{4,40}$/i.test(ref)) {
    try {
      oid = await git.expandOid({ ...where, oid: ref.toLowerCase() });
    } catch (err) {
      const code = (err as { code?: string }).code;
      if (code === 'AmbiguousError') return gitFailure('Ambiguous', `short sha ${ref} is ambiguous`);
    }
  }
  if (!oid) return gitFailure('NotFound', `revision ${ref} not found in ${repo.dir}`);
  return peelToCommit(where, oid, ref);
}

async function peelToCommit(where: { fs: typeof fs; dir?: string; gitdir: string }, oid: string, ref: string): Promise<{ ok: true; sha: string } | GitFailure> {
  for (let depth = 0; depth < 10; depth++) {
    const { type, object } = await git.readObject({ ...where, oid, format: 'parsed' });
    if (type === 'commit') return { ok: true, sha: oid };
    if (type !== 'tag') return gitFailure('NotFound', `revision ${ref} names a ${type}, not a commit`);
    oid = (object as { object: string }).object;
  }
  return gitFailure('NotFound', `revision ${ref}: tag chain too long`);
}
