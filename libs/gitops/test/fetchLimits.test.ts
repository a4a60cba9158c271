import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import git from 'isomorphic-git';
import { afterEach, describe, expect, it } from 'vitest';
import { cloneOrFetch } from '../src/index.js';
import { startGitHttpServer } from './gitHttpServer.js';
import { startStalledHttpServer } from './stalledHttpServer.js';
import { makeRepo, type TestRepo } from './testRepo.js';

const repos: TestRepo[] = [];
const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all(closers.splice(0).map((close) => close()));
  await Promise.all(repos.splice(0).map((r) => r.cleanup()));
});

async function scratch(): Promise<TestRepo> {
  const r = await makeRepo();
  repos.push(r);
  return r;
}

/** `r` served bare over http at `<url>/app.git`; `publish()` pushes r's main to it again. */
async function serve(r: TestRepo) {
  const served = path.join(r.root, 'served');
  execFileSync('git', ['clone', '--bare', '--quiet', r.dir, path.join(served, 'app.git')]);
  const server = await startGitHttpServer(served);
  closers.push(server.close);
  return { url: `${server.url}/app.git`, publish: () => execFileSync('git', ['-C', r.dir, 'push', '--quiet', path.join(served, 'app.git'), 'main']) };
}

/** A stalled remote, closed after the test. */
async function stalled(mode: 'silent' | 'trickle', everyMs?: number) {
  const server = await startStalledHttpServer(mode, everyMs);
  closers.push(server.close);
  return server;
}

async function timed<T>(run: () => Promise<T>): Promise<{ result: T; ms: number }> {
  const start = performance.now();
  const result = await run();
  return { result, ms: performance.now() - start };
}

describe('fetch limits', () => {
  it('fails a remote that accepts and never answers after the idle timeout, not the overall one', async () => {
    const r = await scratch();
    const { url, requests } = await stalled('silent');
    const { result, ms } = await timed(() => cloneOrFetch({ url: `${url}/app.git`, cacheDir: path.join(r.root, 'cache'), ref: 'main', limits: { idleTimeoutMs: 500, timeoutMs: 20_000 } }));
    expect(result).toEqual({ ok: false, errors: [{ code: 'Fetch', message: expect.stringContaining(`${url}/app.git: the fetch timed out after 0.5 s without data from the remote`) }] });
    expect(requests).toEqual(['/app.git/info/refs?service=git-upload-pack']);
    expect(ms).toBeGreaterThanOrEqual(450);
    expect(ms).toBeLessThan(5_000);
  });

  it('fails a remote that trickles bytes, never idle, after the overall timeout', async () => {
    const r = await scratch();
    const { url } = await stalled('trickle', 50);
    const { result, ms } = await timed(() => cloneOrFetch({ url: `${url}/app.git`, cacheDir: path.join(r.root, 'cache'), ref: 'main', limits: { idleTimeoutMs: 1_000, timeoutMs: 1_500 } }));
    expect(result).toEqual({ ok: false, errors: [{ code: 'Fetch', message: expect.stringContaining(`${url}/app.git: the fetch timed out after 1.5 s (the git watcher's --fetch-timeout-seconds)`) }] });
    expect(ms).toBeGreaterThanOrEqual(1_400);
    expect(ms).toBeLessThan(6_000);
  });

  it('fails a repository whose packfile is bigger than the cap, leaves no partial clone, and clones it under a bigger cap', async () => {
    const r = await scratch();
    const sha = await r.commit({ 'blob.bin': randomBytes(2 << 20), 'cm.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: big}\n' }, 'big');
    const { url } = await serve(r);
    const cacheDir = path.join(r.root, 'cache');
    const capped = await cloneOrFetch({ url, cacheDir, ref: 'main', limits: { maxBytes: 256 << 10 } });
    expect(capped).toEqual({ ok: false, errors: [{ code: 'Fetch', message: `${url}: the repository's packfile exceeds 0.25 MiB; raise the git watcher's --fetch-max-mib or make the repository smaller (the fetch is shallow: depth 1 of the target revision)` }] });
    const packs = fs.existsSync(cacheDir) ? fs.readdirSync(cacheDir, { recursive: true }).filter((f) => String(f).endsWith('.pack')) : [];
    expect(packs).toEqual([]);

    expect(await cloneOrFetch({ url, cacheDir, ref: 'main', limits: { maxBytes: 4 << 20 } })).toMatchObject({ ok: true, sha });
  });

  it('keeps fetches of an existing clone shallow: the new tip only, no history', async () => {
    const r = await scratch();
    const history: string[] = [];
    for (const n of [1, 2, 3]) history.push(await r.commit({ 'cm.yaml': `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: v${n}}\n` }, `v${n}`));
    const remote = await serve(r);
    const cacheDir = path.join(r.root, 'cache');
    const cloned = await cloneOrFetch({ url: remote.url, cacheDir, ref: 'main' });
    expect(cloned).toMatchObject({ ok: true, sha: history[2] });
    if (!cloned.ok) return;
    const has = (oid: string) => git.readCommit({ fs, gitdir: cloned.gitdir, oid }).then(() => true, () => false);
    expect(await Promise.all(history.map(has))).toEqual([false, false, true]);

    for (const n of [4, 5]) history.push(await r.commit({ 'cm.yaml': `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: v${n}}\n` }, `v${n}`));
    remote.publish();
    expect(await cloneOrFetch({ url: remote.url, cacheDir, ref: 'main' })).toMatchObject({ ok: true, sha: history[4] });
    // v3 was there already; v4 (the new tip's parent) and older history are not fetched.
    expect(await Promise.all(history.map(has))).toEqual([false, false, true, false, true]);
    expect(fs.readFileSync(path.join(cloned.gitdir, 'shallow'), 'utf8')).toContain(history[4]);
  });
});
