import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { changedPaths } from './changedPaths.js';

const ENV = { ...process.env, GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@localhost', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@localhost' };

describe('changedPaths', () => {
  const dir = mkdtempSync(join(tmpdir(), 'skiff-changed-paths-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const git = (...args: string[]) => execFileSync('git', ['-C', dir, ...args], { env: ENV }).toString().trim();
  git('init', '-q', '-b', 'main');
  const commit = (write: Record<string, string | null>): string => {
    for (const [p, text] of Object.entries(write)) {
      if (text === null) rmSync(join(dir, p), { recursive: true, force: true });
      else {
        mkdirSync(dirname(join(dir, p)), { recursive: true });
        writeFileSync(join(dir, p), text);
      }
    }
    git('add', '-A');
    git('commit', '-q', '-m', 'c');
    return git('rev-parse', 'HEAD');
  };

  it('names what git diff-tree names, plus each folder added, removed or replacing a file, in a tree of 1,000 folders', async () => {
    const files: Record<string, string> = { 'old/a.yaml': 'a', 'old/deep/b.yaml': 'b', 'file-then-folder': 'f' };
    for (let i = 0; i < 1000; i++) files[`apps/app-${i}/cm.yaml`] = `n: ${i}`;
    const from = commit(files);
    const to = commit({ 'apps/app-500/cm.yaml': 'n: changed', 'old': null, 'file-then-folder': null, 'file-then-folder/x.yaml': 'x', 'new/c.yaml': 'c' });
    const changed = await changedPaths(join(dir, '.git'), from, to);
    const byGit = git('diff-tree', '-r', '--name-only', from, to).split('\n');
    expect(changed!.filter((p) => byGit.includes(p))).toEqual([...byGit].sort());
    expect(changed!.filter((p) => !byGit.includes(p))).toEqual(['new', 'old', 'old/deep']);
    expect(await changedPaths(join(dir, '.git'), to, to)).toEqual([]);
    expect(await changedPaths(join(dir, '.git'), from, '0'.repeat(40))).toBeUndefined();
  });
});
