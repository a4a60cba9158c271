import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { cloneOrFetch, rollbackRemote } from '../src/index.js';
import { startGitHttpServer } from './gitHttpServer.js';
import { makeRepo, type TestRepo } from './testRepo.js';

const repos: TestRepo[] = [];
const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all(closers.splice(0).map((close) => close()));
  await Promise.all(repos.splice(0).map((r) => r.cleanup()));
});

/** A repository with one commit, served bare over http at `<url>/app.git` (basic auth skiff:s3cret). */
async function servedRepo() {
  const r = await makeRepo();
  repos.push(r);
  const sha = await r.commit({ 'a.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n' }, 'first');
  const served = path.join(r.root, 'served');
  execFileSync('git', ['clone', '--bare', '--quiet', r.dir, path.join(served, 'app.git')]);
  const server = await startGitHttpServer(served, { username: 'skiff', password: 's3cret' });
  closers.push(server.close);
  return { r, sha, url: server.url };
}

/** An HTTP server on `host` that records each request's Authorization header and answers `respond`. */
async function recordingServer(host: string, respond: (req: http.IncomingMessage, res: http.ServerResponse) => void) {
  const authorizations: (string | undefined)[] = [];
  const server = http.createServer((req, res) => {
    authorizations.push(req.headers.authorization);
    respond(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  closers.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return { url: `http://${host}:${(server.address() as AddressInfo).port}`, authorizations };
}

const askForCredentials = (_req: http.IncomingMessage, res: http.ServerResponse) => void res.writeHead(401, { 'WWW-Authenticate': 'Basic realm="git"' }).end();

describe('credentials for remote repositories', () => {
  it('takes credentials out of the URL: the clone works, its config and its errors hold no password', async () => {
    const { r, sha, url } = await servedRepo();
    const cacheDir = path.join(r.root, 'cache');
    const withCredentials = url.replace('http://', 'http://skiff:s3cret@');
    const cloned = await cloneOrFetch({ url: `${withCredentials}/app.git`, cacheDir, ref: 'main' });
    expect(cloned).toMatchObject({ ok: true, sha });
    if (!cloned.ok) return;
    expect(fs.readFileSync(path.join(cloned.gitdir, 'config'), 'utf8')).not.toContain('s3cret');
    expect(cloned.dir).not.toContain('s3cret');

    const denied = await cloneOrFetch({ url: `${url.replace('http://', 'http://skiff:wr0ng-pass@')}/app.git`, cacheDir: path.join(r.root, 'cache2'), ref: 'main' });
    expect(denied).toMatchObject({ ok: false, errors: [{ code: 'Unauthorized' }] });
    expect(JSON.stringify(denied)).not.toContain('wr0ng-pass');
  });

  it('never sends credentials to another host: not after a redirect, not when it answers 401', async () => {
    const other = await recordingServer('127.0.0.2', askForCredentials);
    const redirector = await recordingServer('127.0.0.1', (req, res) => void res.writeHead(302, { location: `${other.url}${req.url}` }).end());
    const r = await makeRepo();
    repos.push(r);
    const result = await cloneOrFetch({ url: `${redirector.url}/app.git`, cacheDir: path.join(r.root, 'cache'), ref: 'main', auth: { username: 'skiff', password: 's3cret' } });
    expect(result.ok).toBe(false);
    expect(other.authorizations.length).toBeGreaterThan(0);
    expect(other.authorizations.filter((a) => a !== undefined)).toEqual([]);
  });

  it('sends them to the repository itself when it answers 401', async () => {
    const own = await recordingServer('127.0.0.1', askForCredentials);
    const r = await makeRepo();
    repos.push(r);
    await cloneOrFetch({ url: `${own.url}/app.git`, cacheDir: path.join(r.root, 'cache'), ref: 'main', auth: { username: 'skiff', password: 's3cret' } });
    expect(own.authorizations).toContain(`Basic ${Buffer.from('skiff:s3cret').toString('base64')}`);
  });

  it.each([
    ['cloneOrFetch', (url: string, cacheDir: string) => cloneOrFetch({ url, cacheDir, ref: 'main', auth: { username: 'skiff', password: 's3cret' } })],
    ['rollbackRemote', (url: string) => rollbackRemote({ url, branch: 'main', author: { name: 'Skiff', email: 'skiff@localhost' }, auth: { username: 'skiff', password: 's3cret' } })],
  ])('%s refuses credentials over plain http to a host that is not loopback, before connecting', async (_name, call) => {
    const result = await call('http://git.example.invalid/shop.git', '/nonexistent');
    expect(result).toEqual({ ok: false, errors: [{ code: 'Unauthorized', message: 'http://git.example.invalid/shop.git: credentials are not sent over plain http; use an https:// URL' }] });
  });

  it.each(['ssh://git@github.com/org/shop.git', 'git@github.com:org/shop.git'])('refuses the ssh URL %s without a key, before connecting', async (url) => {
    const result = await cloneOrFetch({ url, cacheDir: '/nonexistent', ref: 'main', auth: { username: 'skiff', password: 's3cret' } });
    expect(result).toMatchObject({ ok: false, errors: [{ code: 'Unauthorized', message: expect.stringContaining('an ssh repository needs a repository Secret with sshPrivateKey') }] });
  });
});
