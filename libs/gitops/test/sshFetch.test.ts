import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cloneOrFetch, readManifestsAtCommit } from '../src/index.js';
import { makeRepo } from './testRepo.js';
import { startSshGitServer, type SshGitServer } from './sshGitServer.js';

/** ssh repositories fetched from a real OpenSSH server, with the key and known hosts of a repository Secret. */
describe('cloneOrFetch over ssh', () => {
  let server: SshGitServer;
  let repo: Awaited<ReturnType<typeof makeRepo>>;
  let cacheDir: string;
  const creds = (o: { key?: string; knownHosts?: string; insecure?: boolean } = {}) => ({
    username: '',
    password: '',
    sshPrivateKey: o.key ?? server.clientKey,
    knownHosts: o.knownHosts ?? server.knownHosts,
    insecureIgnoreHostKey: o.insecure,
  });

  beforeAll(async () => {
    server = await startSshGitServer();
    repo = await makeRepo();
    cacheDir = fs.mkdtempSync(`${repo.root}/cache-`);
  });
  afterAll(async () => {
    await server?.stop();
    await repo?.cleanup();
  });

  it('fetches the branch tip with the repository\'s key, checking the host key, and fetches again after a commit', async () => {
    const first = await repo.commit({ 'app/cm.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: one}\n' }, 'one');
    const got = await cloneOrFetch({ url: server.urlOf(repo.gitdir), cacheDir, ref: 'main', auth: creds() });
    expect(got).toMatchObject({ ok: true, sha: first, local: false });
    if (!got.ok) return;
    const manifests = await readManifestsAtCommit(got.dir, got.sha, 'app');
    expect(JSON.stringify(manifests)).toContain('one');

    const second = await repo.commit({ 'app/cm.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: two}\n' }, 'two');
    expect(await cloneOrFetch({ url: server.urlOf(repo.gitdir), cacheDir, ref: 'main', auth: creds() })).toMatchObject({ ok: true, sha: second });
  });

  it('refuses a server whose host key is not in the known hosts, unless the Secret says insecure', async () => {
    const url = server.urlOf(repo.gitdir);
    const unknown = await cloneOrFetch({ url, cacheDir: `${cacheDir}-2`, ref: 'main', auth: creds({ knownHosts: '' }) });
    expect(unknown).toMatchObject({ ok: false, errors: [{ code: 'Unauthorized', message: expect.stringContaining("the server's host key is not in the known hosts") }] });
    expect(await cloneOrFetch({ url, cacheDir: `${cacheDir}-2`, ref: 'main', auth: creds({ knownHosts: '', insecure: true }) })).toMatchObject({ ok: true });
  });

  it('reports a key the server does not accept, and an ssh URL without a key, as Unauthorized', async () => {
    const url = server.urlOf(repo.gitdir);
    const wrong = await cloneOrFetch({ url, cacheDir: `${cacheDir}-3`, ref: 'main', auth: creds({ key: server.strangerKey }) });
    expect(wrong).toMatchObject({ ok: false, errors: [{ code: 'Unauthorized', message: expect.stringContaining("check the repository's sshPrivateKey") }] });
    const none = await cloneOrFetch({ url, cacheDir: `${cacheDir}-3`, ref: 'main' });
    expect(none).toMatchObject({ ok: false, errors: [{ code: 'Unauthorized', message: `${url}: an ssh repository needs a repository Secret with sshPrivateKey (or use an https:// URL)` }] });
  });

  it('reports a branch the server does not have as NotFound', async () => {
    const missing = await cloneOrFetch({ url: server.urlOf(repo.gitdir), cacheDir: `${cacheDir}-4`, ref: 'nope', auth: creds() });
    expect(missing).toMatchObject({ ok: false, errors: [{ code: 'NotFound' }] });
  });

  it('stops a fetch whose incoming packfile grows past the cap, and leaves no partial pack behind', async () => {
    const big = await makeRepo();
    try {
      await big.commit({ 'blob.bin': randomBytes(24 << 20) }, 'big');
      const dir = `${cacheDir}-5`;
      const capped = await cloneOrFetch({ url: server.urlOf(big.gitdir), cacheDir: dir, ref: 'main', auth: creds(), limits: { maxBytes: 1 << 20 } });
      expect(capped).toEqual({ ok: false, errors: [{ code: 'Fetch', message: `${server.urlOf(big.gitdir)}: the repository's packfile exceeds 1 MiB; raise the git watcher's --fetch-max-mib or make the repository smaller (the fetch is shallow: depth 1 of the target revision)` }] });
      const packs = fs.readdirSync(dir, { recursive: true }).map(String).filter((f) => path.basename(f).startsWith('tmp_pack_') || f.endsWith('.pack'));
      expect(packs).toEqual([]);
    } finally {
      await big.cleanup();
    }
  });
});
