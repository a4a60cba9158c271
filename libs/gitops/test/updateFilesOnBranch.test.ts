import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import git from 'isomorphic-git';
import { afterEach, describe, expect, it } from 'vitest';
import { updateFilesOnBranch, type TextFile, type UpdateFilesOnBranchOptions } from '../src/index.js';
import { startGitHttpServer } from './gitHttpServer.js';
import { startStalledHttpServer } from './stalledHttpServer.js';
import { author, makeRepo, type TestRepo } from './testRepo.js';

/** An edit replacing `from` with `to` in every offered file that contains it. */
const replace = (from: string, to: string) => (files: TextFile[]) => ({
  files: files.filter((f) => f.text.includes(from)).map((f) => ({ path: f.path, text: f.text.replaceAll(from, to) })),
  message: `replace ${from} with ${to}\n`,
});

describe('updateFilesOnBranch (local repositories)', () => {
  const repos: TestRepo[] = [];
  afterEach(async () => {
    for (const r of repos.splice(0)) await r.cleanup();
  });
  async function repo(): Promise<TestRepo> {
    const r = await makeRepo();
    repos.push(r);
    await r.commit({ 'deploy/web.yaml': 'image: web:1\n', 'deploy/notes.txt': 'web:1\n', 'other/web.yaml': 'image: web:1\n' }, 'init');
    return r;
  }
  const options = (r: TestRepo, edit: UpdateFilesOnBranchOptions['edit'], extra: Partial<UpdateFilesOnBranchOptions> = {}): UpdateFilesOnBranchOptions => ({
    url: r.dir,
    dir: 'deploy',
    pattern: /\.ya?ml$/,
    author: { ...author, timestamp: 1_800_000_000 },
    edit,
    ...extra,
  });
  const headOf = (r: TestRepo, ref = 'main') => git.resolveRef({ fs, dir: r.dir, ref });

  it('commits the edited files under dir on the checked-out branch; the work tree follows', async () => {
    const r = await repo();
    const before = await headOf(r);
    const offered: string[] = [];
    const result = await updateFilesOnBranch(options(r, (files) => (offered.push(...files.map((f) => f.path)), replace('web:1', 'web:2')(files))));
    expect(offered).toEqual(['deploy/web.yaml']);
    expect(result).toMatchObject({ ok: true, committed: true, base: before, branch: 'main', changed: ['deploy/web.yaml'] });
    const { commit } = await git.readCommit({ fs, dir: r.dir, oid: await headOf(r) });
    expect(commit.parent).toEqual([before]);
    expect(commit.message).toBe('replace web:1 with web:2\n');
    expect(await r.read('deploy/web.yaml')).toBe('image: web:2\n');
    expect(await r.read('other/web.yaml')).toBe('image: web:1\n');
    expect(await r.dirty()).toEqual([]);
  });

  it('commits nothing when the edit changes nothing', async () => {
    const r = await repo();
    const before = await headOf(r);
    expect(await updateFilesOnBranch(options(r, replace('web:9', 'web:10')))).toEqual({ ok: true, committed: false, base: before });
    expect(await headOf(r)).toBe(before);
  });

  it('creates the push branch from the checkout branch, leaving the checked-out branch and work tree alone; a second run builds on it', async () => {
    const r = await repo();
    const main = await headOf(r);
    const first = await updateFilesOnBranch(options(r, replace('web:1', 'web:2'), { checkoutBranch: 'main', pushBranch: 'image-updates' }));
    expect(first).toMatchObject({ ok: true, committed: true, base: main, branch: 'image-updates' });
    expect(await headOf(r)).toBe(main);
    expect(await r.read('deploy/web.yaml')).toBe('image: web:1\n');
    const second = await updateFilesOnBranch(options(r, replace('web:2', 'web:3'), { checkoutBranch: 'main', pushBranch: 'image-updates' }));
    expect(second).toMatchObject({ ok: true, committed: true, base: first.ok && first.committed ? first.sha : '' });
    const { blob } = await git.readBlob({ fs, dir: r.dir, oid: await headOf(r, 'image-updates'), filepath: 'deploy/web.yaml' });
    expect(Buffer.from(blob).toString()).toBe('image: web:3\n');
  });

  it('refuses to overwrite uncommitted edits, and refuses an edit that failed, as values', async () => {
    const r = await repo();
    await fs.promises.writeFile(path.join(r.dir, 'deploy/web.yaml'), 'image: web:1\n# mine\n');
    const dirty = await updateFilesOnBranch(options(r, replace('web:1', 'web:2')));
    expect(dirty).toEqual({ ok: false, errors: [{ code: 'Dirty', message: 'deploy/web.yaml has uncommitted changes that the commit would overwrite', path: 'deploy/web.yaml' }] });
    expect(await r.read('deploy/web.yaml')).toBe('image: web:1\n# mine\n');
    const failed = await updateFilesOnBranch(options(r, () => ({ error: 'messageTemplate: bad' })));
    expect(failed).toEqual({ ok: false, errors: [{ code: 'Unsupported', message: 'messageTemplate: bad' }] });
  });

  it('names a branch that does not exist', async () => {
    const r = await repo();
    const result = await updateFilesOnBranch(options(r, replace('a', 'b'), { checkoutBranch: 'release' }));
    expect(result).toEqual({ ok: false, errors: [{ code: 'NotFound', message: `branch release not found in ${r.dir}` }] });
  });
});

describe('updateFilesOnBranch (remote repositories over HTTP)', () => {
  it('clones, commits and pushes with the credentials; to the push branch, created and then built on; nothing to change pushes nothing', async () => {
    const r = await makeRepo();
    await r.commit({ 'deploy/web.yaml': 'image: web:1\n' }, 'init');
    const served = path.join(r.root, 'served');
    const bare = path.join(served, 'app.git');
    execFileSync('git', ['clone', '--bare', '--quiet', r.dir, bare]);
    execFileSync('git', ['-C', bare, 'config', 'http.receivepack', 'true']);
    const auth = { username: 'bot', password: 's3cret' };
    const server = await startGitHttpServer(served, auth);
    const rev = (ref: string) => execFileSync('git', ['-C', bare, 'rev-parse', ref]).toString().trim();
    const file = (ref: string) => execFileSync('git', ['-C', bare, 'show', `${ref}:deploy/web.yaml`]).toString();
    try {
      const url = `${server.url}/app.git`;
      const base = { url, dir: 'deploy', pattern: /\.yaml$/, author: { ...author, timestamp: 1_800_000_000 } };
      const denied = await updateFilesOnBranch({ ...base, auth: { ...auth, password: 'nope' }, edit: replace('web:1', 'web:2') });
      expect(denied).toMatchObject({ ok: false, errors: [{ code: 'Unauthorized' }] });

      const main = rev('main');
      const onMain = await updateFilesOnBranch({ ...base, auth, edit: replace('web:1', 'web:2') });
      expect(onMain).toMatchObject({ ok: true, committed: true, base: main, branch: 'main' });
      expect(rev('main')).toBe(onMain.ok && onMain.committed ? onMain.sha : '');
      expect(rev('main~1')).toBe(main);
      expect(file('main')).toBe('image: web:2\n');

      const created = await updateFilesOnBranch({ ...base, auth, checkoutBranch: 'main', pushBranch: 'updates', edit: replace('web:2', 'web:3') });
      expect(created).toMatchObject({ ok: true, committed: true, base: rev('main'), branch: 'updates' });
      const built = await updateFilesOnBranch({ ...base, auth, checkoutBranch: 'main', pushBranch: 'updates', edit: replace('web:3', 'web:4') });
      expect(built).toMatchObject({ ok: true, committed: true, base: created.ok && created.committed ? created.sha : '' });
      expect(file('updates')).toBe('image: web:4\n');
      expect(file('main')).toBe('image: web:2\n');

      const unchanged = await updateFilesOnBranch({ ...base, auth, edit: replace('web:9', 'web:10') });
      expect(unchanged).toEqual({ ok: true, committed: false, base: rev('main') });
    } finally {
      await server.close();
      await r.cleanup();
    }
  }, 60_000);

  it('fails a clone from a remote that never answers after the idle timeout', async () => {
    const stalled = await startStalledHttpServer('silent');
    try {
      const url = `${stalled.url}/app.git`;
      const result = await updateFilesOnBranch({ url, dir: 'deploy', pattern: /\.yaml$/, author, limits: { idleTimeoutMs: 500 }, edit: replace('web:1', 'web:2') });
      expect(result).toEqual({ ok: false, errors: [{ code: 'Fetch', message: `cloning ${url}: the fetch timed out after 0.5 s without data from the remote (the git watcher's --fetch-idle-timeout-seconds); the remote may be stalled` }] });
    } finally {
      await stalled.close();
    }
  });
});
