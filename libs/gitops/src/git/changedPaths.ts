import fs from 'node:fs';
import git, { type TreeEntry } from 'isomorphic-git';

/**
 * The paths whose content differs between two commits (files added, changed or removed, with
 * their full path; a folder added or removed, and everything in it), from one walk of both trees
 * that skips every subtree whose id is the same in both: a commit to one folder of a thousand
 * reads that folder and the trees above it, not the thousand. Each tree is read and compared as
 * a whole (a map by name), not entry by entry through a callback: a folder of 1,000 entries is
 * compared in a few milliseconds. `undefined` when either commit cannot be read (the caller
 * assumes everything changed).
 */
export async function changedPaths(gitdir: string, from: string, to: string): Promise<string[] | undefined> {
  if (from === to) return [];
  const cache = {};
  const entries = async (oid: string | undefined): Promise<Map<string, TreeEntry>> =>
    oid ? new Map((await git.readTree({ fs, gitdir, oid, cache })).tree.map((e) => [e.path, e])) : new Map();
  const changed: string[] = [];
  const compare = async (a: string | undefined, b: string | undefined, prefix: string): Promise<void> => {
    const [before, after] = await Promise.all([entries(a), entries(b)]);
    for (const name of new Set([...before.keys(), ...after.keys()])) {
      const x = before.get(name);
      const y = after.get(name);
      // The same id: nothing below differs.
      if (x && y && x.oid === y.oid) continue;
      const path = prefix ? `${prefix}/${name}` : name;
      const xTree = x?.type === 'tree' ? x.oid : undefined;
      const yTree = y?.type === 'tree' ? y.oid : undefined;
      // A tree that differs on both sides is walked into; anything else is a change, and a tree
      // on one side only (added, removed, or replacing a file) has every path below it changed too.
      if (!(xTree && yTree)) changed.push(path);
      if (xTree || yTree) await compare(xTree, yTree, path);
    }
  };
  try {
    // A commit's id reads as its tree.
    await compare(from, to, '');
  } catch {
    return undefined;
  }
  return changed.sort();
}

/** Whether a change at `changed` (a path `changedPaths` gave) falls within `input` (a folder or file; '' is the whole tree). */
export function pathCovers(input: string, changed: string): boolean {
  return input === '' || changed === input || changed.startsWith(`${input}/`) || input.startsWith(`${changed}/`);
}
