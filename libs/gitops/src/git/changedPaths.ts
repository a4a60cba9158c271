import fs from 'node:fs';
import git, { TREE } from 'isomorphic-git';

/**
 * The paths whose content differs between two commits (files added, changed or removed, with
 * their full path), from one walk of both trees that skips every subtree whose id is the same in
 * both: a commit to one folder of a thousand reads that folder and the trees above it, not the
 * thousand. `undefined` when either commit cannot be read (the caller assumes everything changed).
 */
export async function changedPaths(gitdir: string, from: string, to: string): Promise<string[] | undefined> {
  if (from === to) return [];
  try {
    const changed = await git.walk({
      fs,
      gitdir,
      trees: [TREE({ ref: from }), TREE({ ref: to })],
      map: async (filepath, [a, b]) => {
        const [aOid, bOid] = await Promise.all([a?.oid(), b?.oid()]);
        // The same id: nothing below differs (null stops the walk from descending).
        if (filepath !== '.' && aOid === bOid) return null;
        const [aType, bType] = await Promise.all([a?.type(), b?.type()]);
        // A tree that differs is walked into; a file (or a file replaced by a folder) is a change.
        return aType === 'tree' && bType === 'tree' ? undefined : filepath;
      },
    });
    return (changed as (string | undefined)[]).flat(Infinity).filter((p): p is string => typeof p === 'string' && p !== '.');
  } catch {
    return undefined;
  }
}

/** Whether a change at `changed` (a path `changedPaths` gave) falls within `input` (a folder or file; '' is the whole tree). */
export function pathCovers(input: string, changed: string): boolean {
  return input === '' || changed === input || changed.startsWith(`${input}/`) || input.startsWith(`${changed}/`);
}
