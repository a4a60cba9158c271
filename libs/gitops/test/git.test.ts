import { execFile, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import git from 'isomorphic-git';
import { afterEach, describe, expect, it } from 'vitest';
import {
  cloneOrFetch,
  commitInfo,
  listManifestFiles,
  parseManifests,
  readManifestsAtCommit,
  refsPathsToWatch,
  resolveRevision,
  revertCommit,
  revertTo,
  rollbackRemote,
} from '../src/index.js';
import { startGitHttpServer } from './gitHttpServer.js';
import { author, makeRepo, type TestRepo } from './testRepo.js';

const cm = (name: string, value: string) => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\ndata:\n  value: "${value}"\n`;
const deployment = (image: string) =>
  `apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  replicas: 2\n  template:\n    spec:\n      containers:\n        - name: web\n          image: ${image}\n`;

const repos: TestRepo[] = [];
async function repo(): Promise<TestRepo> {
  const r = await makeRepo();
  repos.push(r);
  return r;
}
afterEach(async () => {
  await Promise.all(repos.splice(0).map((r) => r.cleanup()));
});

describe('readManifestsAtCommit', () => {
  it('reads yaml, yml and json under a path at a given commit, sorted, ignoring other files', async () => {
    const r = await repo();
    const first = await r.commit({ 'apps/web/deploy.yaml': deployment('web:1'), 'apps/web/z.yml': cm('z', '1'), 'apps/web/nested/c.json': '{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"j"}}', 'apps/web/README.md': '# no', 'other/x.yaml': cm('x', '1') }, 'first');
    await r.commit({ 'apps/web/deploy.yaml': deployment('web:2') }, 'second');

    const files = await readManifestsAtCommit(r.dir, first, 'apps/web');
    expect(files.ok && files.files.map((f) => f.path)).toEqual(['apps/web/deploy.yaml', 'apps/web/nested/c.json', 'apps/web/z.yml']);
    expect(files.ok && files.files[0].text).toContain('image: web:1');

    const parsed = files.ok ? parseManifests(files.files) : undefined;
    expect(parsed?.ok && parsed.objects.map((m) => `${m.object.kind}/${m.object.metadata.name}`)).toEqual(['Deployment/web', 'ConfigMap/j', 'ConfigMap/z']);

    const root = await listManifestFiles(r.dir, first, '.');
    expect(root.ok && root.files.map((f) => f.path)).toEqual(['apps/web/deploy.yaml', 'apps/web/nested/c.json', 'apps/web/z.yml', 'other/x.yaml']);
    const single = await listManifestFiles(r.dir, first, 'other/x.yaml');
    expect(single.ok && single.files.map((f) => f.path)).toEqual(['other/x.yaml']);
  });

  it.each([
    ['a missing path', 'apps/nope', 'NotFound'],
    ['a path under a file', 'apps/web/deploy.yaml/x', 'NotFound'],
  ])('returns an error value for %s', async (_name, p, code) => {
    const r = await repo();
    const sha = await r.commit({ 'apps/web/deploy.yaml': deployment('web:1') }, 'first');
    const result = await readManifestsAtCommit(r.dir, sha, p);
    expect(result.ok).toBe(false);
    expect(!result.ok && result.errors[0].code).toBe(code);
  });

  it('returns an error value for an unknown commit', async () => {
    const r = await repo();
    await r.commit({ 'a.yaml': cm('a', '1') }, 'first');
    const result = await readManifestsAtCommit(r.dir, 'f'.repeat(40), '.');
    expect(!result.ok && result.errors[0].code).toBe('NotFound');
  });
});

describe('resolveRevision and commitInfo', () => {
  it('resolves HEAD, branches, lightweight and annotated tags and sha prefixes', async () => {
    const r = await repo();
    const first = await r.commit({ 'a.yaml': cm('a', '1') }, 'first commit\n\nwith a body');
    const second = await r.commit({ 'a.yaml': cm('a', '2') }, 'second');
    await git.tag({ fs, dir: r.dir, ref: 'v1', object: first });
    await git.annotatedTag({ fs, dir: r.dir, ref: 'v1-annotated', object: first, message: 'release', tagger: { ...author, timestamp: 1_700_000_000, timezoneOffset: 0 } });
    await git.branch({ fs, dir: r.dir, ref: 'feature', object: first });

    const cases: [string, string][] = [
      ['HEAD', second],
      ['main', second],
      ['refs/heads/main', second],
      ['feature', first],
      ['v1', first],
      ['v1-annotated', first],
      [first.slice(0, 7), first],
      [second, second],
    ];
    for (const [ref, sha] of cases) expect(await resolveRevision(r.dir, ref), ref).toEqual({ ok: true, sha });
    expect(await resolveRevision(r.dir, 'nope')).toMatchObject({ ok: false, errors: [{ code: 'NotFound' }] });
    expect(await resolveRevision(r.root, 'HEAD')).toMatchObject({ ok: false, errors: [{ code: 'NotFound' }] });

    expect(await commitInfo(r.dir, first)).toEqual({ sha: first, message: 'first commit', author: 'Test', email: 'test@example.com', time: '2023-11-14T22:14:20.000Z' });
  });
});

describe('revertCommit', () => {
  it('restores changed files, removes added ones, brings back deleted ones, and keeps the work tree clean', async () => {
    const r = await repo();
    await r.commit({ 'apps/deploy.yaml': deployment('web:1'), 'apps/old.yaml': cm('old', '1') }, 'first');
    const bad = await r.commit({ 'apps/deploy.yaml': deployment('web:broken'), 'apps/new/extra.yaml': cm('extra', '1'), 'apps/old.yaml': null }, 'Deploy broken image');
    await r.commit({ 'unrelated.yaml': cm('u', '1') }, 'unrelated');

    const result = await revertCommit({ dir: r.dir, sha: bad, author });
    expect(result).toMatchObject({ ok: true, branch: 'main', changed: ['apps/deploy.yaml', 'apps/new/extra.yaml', 'apps/old.yaml'] });
    if (!result.ok) return;

    const head = await resolveRevision(r.dir, 'HEAD');
    expect(head).toEqual({ ok: true, sha: result.sha });
    const { commit } = await git.readCommit({ fs, dir: r.dir, oid: result.sha });
    expect(commit.message).toBe(`Revert "Deploy broken image"\n\nThis reverts commit ${bad}.\n`);

    const files = await readManifestsAtCommit(r.dir, result.sha, '.');
    expect(files.ok && files.files.map((f) => f.path)).toEqual(['apps/deploy.yaml', 'apps/old.yaml', 'unrelated.yaml']);
    expect(await r.read('apps/deploy.yaml')).toContain('image: web:1');
    expect(await r.read('apps/old.yaml')).toBe(cm('old', '1'));
    expect(r.exists('apps/new/extra.yaml')).toBe(false);
    expect(r.exists('apps/new')).toBe(false);
    expect(await r.dirty()).toEqual([]);
    expect(execFileSync('git', ['status', '--porcelain'], { cwd: r.dir, encoding: 'utf8' })).toBe('');
  });

  it('reverts HEAD by default', async () => {
    const r = await repo();
    await r.commit({ 'a.yaml': cm('a', '1') }, 'first');
    await r.commit({ 'a.yaml': cm('a', '2') }, 'bump a');
    const result = await revertCommit({ dir: r.dir, author });
    expect(result.ok).toBe(true);
    expect(await r.read('a.yaml')).toBe(cm('a', '1'));
  });

  it.each([
    ['a path changed again later', 'Conflict'],
    ['uncommitted edits to a path it would change', 'Dirty'],
  ])('returns an error value for %s', async (name, code) => {
    const r = await repo();
    await r.commit({ 'a.yaml': cm('a', '1') }, 'first');
    const bump = await r.commit({ 'a.yaml': cm('a', '2') }, 'bump');
    if (code === 'Conflict') await r.commit({ 'a.yaml': cm('a', '3') }, 'bump again');
    else await fs.promises.writeFile(path.join(r.dir, 'a.yaml'), 'local edit');
    const before = await resolveRevision(r.dir, 'HEAD');
    const result = await revertCommit({ dir: r.dir, sha: bump, author });
    expect(result).toMatchObject({ ok: false, errors: [{ code, path: 'a.yaml' }] });
    expect(await resolveRevision(r.dir, 'HEAD'), name).toEqual(before);
  });

  it('refuses while another git process holds the branch lock, and changes nothing', async () => {
    const r = await repo();
    await r.commit({ 'a.yaml': cm('a', '1') }, 'first');
    const bump = await r.commit({ 'a.yaml': cm('a', '2') }, 'bump');
    const lock = path.join(r.gitdir, 'refs', 'heads', 'main.lock');
    await fs.promises.writeFile(lock, '');
    const result = await revertCommit({ dir: r.dir, sha: bump, author });
    expect(result).toMatchObject({ ok: false, errors: [{ code: 'Conflict', path: 'refs/heads/main', message: expect.stringContaining('locked by another git process') }] });
    expect((await resolveRevision(r.dir, 'HEAD')) as { sha?: string }).toMatchObject({ sha: bump });
    expect(await r.read('a.yaml')).toBe(cm('a', '2'));
    expect(fs.existsSync(lock)).toBe(true);
    await fs.promises.rm(lock);
    expect((await revertCommit({ dir: r.dir, sha: bump, author })).ok).toBe(true);
    expect(fs.readdirSync(path.join(r.gitdir, 'refs', 'heads'))).toEqual(['main']);
  });

  it.each([
    ['the branch', ['rev-parse', '--verify', '-q', 'HEAD'], /^[0-9a-f]{40}$/],
    ['the index', ['ls-files', '--stage', 'a.yaml'], /^100644 [0-9a-f]{40} 0\ta\.yaml$/],
  ])('writes %s atomically: the git CLI reading it meanwhile never sees it half-written', async (_what, args, expected) => {
    const r = await repo();
    await r.commit({ 'a.yaml': cm('a', '1') }, 'first');
    // Each revert of HEAD flips a.yaml between these two versions.
    await r.commit({ 'a.yaml': cm('a', '2') }, 'second');
    let reads = 0;
    let stop = false;
    // A reader in another process polling while revert commits move the branch and update the index, as `git` or a file watcher would.
    const reader = (async () => {
      while (!stop) {
        const out = await new Promise<string>((resolve, reject) =>
          execFile('git', ['-C', r.dir, ...args], (err, stdout) => (err ? reject(new Error(`git ${args.join(' ')} failed after ${reads} reads: ${err.message}`)) : resolve(stdout))),
        );
        expect(out.trim()).toMatch(expected);
        reads++;
      }
    })();
    try {
      for (let i = 0; i < 40; i++) expect((await revertCommit({ dir: r.dir, author })).ok).toBe(true);
    } finally {
      stop = true;
      await reader;
    }
    expect(reads).toBeGreaterThan(0);
  }, 60_000);
});

describe('revertTo', () => {
  it('makes a commit whose tree equals the target revision', async () => {
    const r = await repo();
    const v1 = await r.commit({ 'a.yaml': cm('a', '1'), 'b.yaml': cm('b', '1') }, 'Release one');
    await r.commit({ 'a.yaml': cm('a', '2'), 'c.yaml': cm('c', '1') }, 'two');
    await r.commit({ 'b.yaml': null }, 'three');

    const result = await revertTo({ dir: r.dir, targetSha: v1.slice(0, 8), author });
    expect(result).toMatchObject({ ok: true, changed: ['a.yaml', 'b.yaml', 'c.yaml'] });
    if (!result.ok) return;
    const trees = await Promise.all([v1, result.sha].map(async (oid) => (await git.readCommit({ fs, dir: r.dir, oid })).commit));
    expect(trees[1].tree).toBe(trees[0].tree);
    expect(trees[1].message).toBe(`Rollback to ${v1.slice(0, 7)}: Release one\n`);
    expect(await r.dirty()).toEqual([]);
    expect(await r.read('b.yaml')).toBe(cm('b', '1'));

    expect(await revertTo({ dir: r.dir, targetSha: v1, author })).toMatchObject({ ok: false, errors: [{ code: 'NothingToCommit' }] });
  });
});

describe('bare repos and cloneOrFetch', () => {
  it('reads, resolves and reverts in a bare repo; cloneOrFetch reads local repos in place', async () => {
    const r = await repo();
    await r.commit({ 'apps/a.yaml': cm('a', '1') }, 'first');
    const second = await r.commit({ 'apps/a.yaml': cm('a', '2') }, 'second');
    const bare = path.join(r.root, 'bare.git');
    execFileSync('git', ['clone', '--bare', '--quiet', r.dir, bare]);

    expect(await resolveRevision(bare, 'main')).toEqual({ ok: true, sha: second });
    const files = await readManifestsAtCommit(bare, second, 'apps');
    expect(files.ok && files.files[0].text).toBe(cm('a', '2'));

    for (const url of [bare, pathToFileURL(bare).href]) {
      expect(await cloneOrFetch({ url, cacheDir: path.join(r.root, 'cache'), ref: 'main' })).toEqual({ ok: true, dir: bare, gitdir: bare, sha: second, local: true });
    }
    expect(await cloneOrFetch({ url: r.dir, cacheDir: path.join(r.root, 'cache'), ref: 'HEAD' })).toEqual({ ok: true, dir: r.dir, gitdir: r.gitdir, sha: second, local: true });
    expect(await cloneOrFetch({ url: path.join(r.root, 'missing'), cacheDir: r.root, ref: 'main' })).toMatchObject({ ok: false, errors: [{ code: 'NotFound' }] });

    const reverted = await revertCommit({ dir: bare, author });
    expect(reverted.ok).toBe(true);
    const head = await resolveRevision(bare, 'main');
    const after = head.ok ? await readManifestsAtCommit(bare, head.sha, 'apps') : undefined;
    expect(after?.ok && after.files[0].text).toBe(cm('a', '1'));
    expect(execFileSync('git', ['log', '--format=%s', '-1'], { cwd: bare, encoding: 'utf8' }).trim()).toBe('Revert "second"');
  });

  it('returns an error value when a remote cannot be reached', async () => {
    const r = await repo();
    const result = await cloneOrFetch({ url: 'http://127.0.0.1:9/nope.git', cacheDir: r.root, ref: 'main' });
    expect(result).toMatchObject({ ok: false, errors: [{ code: 'Fetch' }] });
  });
});

describe('refsPathsToWatch', () => {
  it('lists HEAD, the branch ref and packed-refs', () => {
    expect(refsPathsToWatch('/r/.git', 'feature/x')).toEqual(['/r/.git/HEAD', '/r/.git/refs/heads/feature/x', '/r/.git/packed-refs']);
  });
});

describe('cloneOrFetch over HTTP', () => {
  it('clones once into the cache, then fetches new commits; wrong credentials are an error value', async () => {
    const r = await repo();
    const first = await r.commit({ 'apps/a.yaml': cm('a', '1') }, 'first');
    const served = path.join(r.root, 'served');
    execFileSync('git', ['clone', '--bare', '--quiet', r.dir, path.join(served, 'app.git')]);
    const auth = { username: 'skiff', password: 's3cret' };
    const server = await startGitHttpServer(served, auth);
    try {
      const cacheDir = path.join(r.root, 'cache');
      const url = `${server.url}/app.git`;
      const cloned = await cloneOrFetch({ url, cacheDir, ref: 'main', auth });
      expect(cloned).toMatchObject({ ok: true, sha: first, local: false });
      if (!cloned.ok) return;
      const files = await readManifestsAtCommit(cloned.dir, cloned.sha, 'apps');
      expect(files.ok && files.files[0].text).toBe(cm('a', '1'));

      const second = await r.commit({ 'apps/a.yaml': cm('a', '2') }, 'second');
      execFileSync('git', ['push', '--quiet', path.join(served, 'app.git'), 'main'], { cwd: r.dir });
      const fetched = await cloneOrFetch({ url, cacheDir, ref: 'main', auth });
      expect(fetched).toMatchObject({ ok: true, sha: second, dir: cloned.dir });
      const after = await readManifestsAtCommit(cloned.dir, second, 'apps');
      expect(after.ok && after.files[0].text).toBe(cm('a', '2'));

      const denied = await cloneOrFetch({ url, cacheDir: path.join(r.root, 'cache2'), ref: 'main', auth: { username: 'skiff', password: 'wrong' } });
      expect(denied).toMatchObject({ ok: false, errors: [{ code: 'Unauthorized' }] });
    } finally {
      await server.close();
    }
  });
});

describe('rollbackRemote over HTTP', () => {
  it('clones, commits the revert, and pushes it with the credentials', async () => {
    const r = await repo();
    await r.commit({ 'apps/a.yaml': cm('a', '1') }, 'first');
    const bad = await r.commit({ 'apps/a.yaml': cm('a', 'broken') }, 'a broken change');
    const served = path.join(r.root, 'served');
    const bare = path.join(served, 'app.git');
    execFileSync('git', ['clone', '--bare', '--quiet', r.dir, bare]);
    execFileSync('git', ['-C', bare, 'config', 'http.receivepack', 'true']);
    const auth = { username: 'skiff', password: 's3cret' };
    const server = await startGitHttpServer(served, auth);
    try {
      const url = `${server.url}/app.git`;
      const denied = await rollbackRemote({ url, branch: 'main', author: { name: 'Skiff', email: 'skiff@localhost' }, auth: { username: 'skiff', password: 'nope' } });
      expect(denied).toMatchObject({ ok: false, errors: [{ code: 'Unauthorized' }] });

      const result = await rollbackRemote({ url, branch: 'main', author: { name: 'Skiff', email: 'skiff@localhost' }, auth });
      expect(result).toMatchObject({ ok: true, pushed: true });
      const head = execFileSync('git', ['-C', bare, 'rev-parse', 'main']).toString().trim();
      expect(result.ok && result.sha).toBe(head);
      expect(execFileSync('git', ['-C', bare, 'log', '-1', '--format=%s']).toString().trim()).toBe('Revert "a broken change"');
      expect(execFileSync('git', ['-C', bare, 'show', 'main:apps/a.yaml']).toString()).toBe(cm('a', '1'));
      expect(execFileSync('git', ['-C', bare, 'rev-parse', 'main~1']).toString().trim()).toBe(bad);
    } finally {
      await server.close();
    }
  });
});
