import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import git from 'isomorphic-git';

export const author = { name: 'Test', email: 'test@example.com' };

/** A throwaway repo built with isomorphic-git: `commit({ path: text | bytes | null })` writes/deletes files and commits them. */
export async function makeRepo(options: { bare?: boolean; branch?: string } = {}) {
  const root = await fs.promises.mkdtemp(path.join(os.tmpdir(), 'skiff-gitops-'));
  const dir = path.join(root, 'work');
  await git.init({ fs, dir, defaultBranch: options.branch ?? 'main' });
  let clock = 1_700_000_000;
  const repo = {
    root,
    dir,
    gitdir: path.join(dir, '.git'),
    async commit(files: Record<string, string | Uint8Array | null>, message: string): Promise<string> {
      for (const [p, text] of Object.entries(files)) {
        const file = path.join(dir, p);
        if (text === null) {
          await fs.promises.rm(file);
          await git.remove({ fs, dir, filepath: p });
        } else {
          await fs.promises.mkdir(path.dirname(file), { recursive: true });
          await fs.promises.writeFile(file, text);
          await git.add({ fs, dir, filepath: p });
        }
      }
      clock += 60;
      return git.commit({ fs, dir, message, author: { ...author, timestamp: clock, timezoneOffset: 0 } });
    },
    read: (p: string) => fs.promises.readFile(path.join(dir, p), 'utf8'),
    exists: (p: string) => fs.existsSync(path.join(dir, p)),
    /** Paths whose work tree or index differs from HEAD (what `git status --porcelain` would list). */
    async dirty(): Promise<string[]> {
      const matrix = await git.statusMatrix({ fs, dir });
      return matrix.filter(([, head, work, stage]) => !(head === 1 && work === 1 && stage === 1)).map(([p]) => p);
    },
    cleanup: () => fs.promises.rm(root, { recursive: true, force: true }),
  };
  return repo;
}

export type TestRepo = Awaited<ReturnType<typeof makeRepo>>;
