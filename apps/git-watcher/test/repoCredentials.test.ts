import { Writable } from 'node:stream';
import { resourceType } from '@skiff/kube-client';
import { pino } from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startGitHttpServer } from '../../../libs/gitops/test/gitHttpServer.js';
import { startSshGitServer } from '../../../libs/gitops/test/sshGitServer.js';
import { configMapYaml, makeRepo, type TestRepo } from './gitRepo.js';
import { CONFIGMAPS, EVENTS, GitWatcherCluster } from './gitWatcherCluster.js';

const SECRETS = resourceType('secrets');
const PASSWORD = 'pw-in-url-7f3a';
const WRONG = 'wrong-pw-91c2';
const SECRET_PASSWORD = 'pw-in-secret-5d1e';

/** Every line the git watcher logs, as written. */
const logLines: string[] = [];
const log = pino(
  { level: 'debug' },
  new Writable({
    write(chunk, _enc, done) {
      logLines.push(String(chunk));
      done();
    },
  }),
);

/** The status page's first snapshot, as the browser gets it. */
async function statusSnapshot(url: string): Promise<string> {
  const controller = new AbortController();
  const res = await fetch(`${url}/status/stream`, { signal: controller.signal });
  let text = '';
  const decoder = new TextDecoder();
  for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
    text += decoder.decode(chunk, { stream: true });
    if (/event: snapshot\ndata: .*\n\n/.test(text)) break;
  }
  controller.abort();
  return text;
}

describe('git watcher: repository credentials', () => {
  let c: GitWatcherCluster;
  const repos: TestRepo[] = [];
  const servers: { close(): Promise<void> }[] = [];

  beforeAll(async () => {
    c = await GitWatcherCluster.start({ log, repoSecretsNamespace: 'argocd' });
    c.watch(SECRETS);
    await c.namespace('argocd');
  });
  afterAll(async () => {
    await c?.stop();
  });
  afterEach(async () => {
    await Promise.all(servers.splice(0).map((s) => s.close()));
    for (const r of repos.splice(0)) r.cleanup();
  });

  /** A repository served over http on 127.0.0.1 that wants `password` (user `skiff`). */
  async function served(name: string, password: string) {
    const r = makeRepo({ bare: name });
    repos.push(r);
    const server = await startGitHttpServer(r.root, { username: 'skiff', password });
    servers.push(server);
    const head = r.commit({ 'config.yaml': configMapYaml(`${name}-config`, { v: '1' }) }, 'v1');
    await c.namespace(name);
    return { url: `${server.url}/${name}.git`, head };
  }

  it('reads an Argo CD repository Secret for the exact URL, and a repo-creds Secret by prefix', async () => {
    const exact = await served('exact', SECRET_PASSWORD);
    const prefixed = await served('prefixed', SECRET_PASSWORD);
    await c.client.create(SECRETS, {
      apiVersion: 'v1', kind: 'Secret',
      metadata: { name: 'exact-repo', namespace: 'argocd', labels: { 'argocd.argoproj.io/secret-type': 'repository' } },
      stringData: { type: 'git', url: exact.url, username: 'skiff', password: SECRET_PASSWORD },
    } as never);
    await c.client.create(SECRETS, {
      apiVersion: 'v1', kind: 'Secret',
      metadata: { name: 'host-creds', namespace: 'argocd', labels: { 'argocd.argoproj.io/secret-type': 'repo-creds' } },
      stringData: { type: 'git', url: prefixed.url.replace(/\/prefixed\.git$/, '/'), username: 'skiff', password: SECRET_PASSWORD },
    } as never);
    for (const [name, repo] of [['exact', exact], ['prefixed', prefixed]] as const) {
      await c.createApp(name, { source: { repoURL: repo.url, targetRevision: 'main' }, destination: { namespace: name }, syncPolicy: { automated: { prune: true } } });
    }
    await c.until('both synced with the Secrets\' credentials', () => c.syncedAt('exact', exact.head) && c.syncedAt('prefixed', prefixed.head));
    expect(c.get(CONFIGMAPS, 'prefixed', 'prefixed-config')).toBeDefined();
  });

  it('shows a credentialed repoURL without its password in conditions, events, logs and the status stream', async () => {
    const good = await served('inurl', PASSWORD);
    const bad = await served('badurl', PASSWORD);
    const withPassword = (url: string, pw: string) => url.replace('http://', `http://skiff:${pw}@`);
    await c.createApp('inurl', { source: { repoURL: withPassword(good.url, PASSWORD), targetRevision: 'main' }, destination: { namespace: 'inurl' }, syncPolicy: { automated: { prune: true } } });
    await c.createApp('badurl', { source: { repoURL: withPassword(bad.url, WRONG), targetRevision: 'main' }, destination: { namespace: 'badurl' }, syncPolicy: { automated: { prune: true } } });
    await c.until('the good one synced, the bad one has a ComparisonError', () => {
      const condition = c.app('badurl')?.status?.conditions?.find((x) => x.type === 'ComparisonError');
      return c.syncedAt('inurl', good.head) && !!condition;
    });
    const condition = c.app('badurl')!.status!.conditions!.find((x) => x.type === 'ComparisonError')!;
    expect(condition.message).toContain(`repository ${bad.url} at main`);
    expect(condition.message).toContain('check the repository credentials');
    await c.until('events recorded for the synced one', () => c.eventsFor('inurl').length > 0);

    const statuses = JSON.stringify([c.app('inurl')?.status, c.app('badurl')?.status]);
    const events = JSON.stringify(c.watch(EVENTS).list());
    const stream = await statusSnapshot(c.url);
    expect(stream).toContain(good.url);
    for (const pw of [PASSWORD, WRONG]) {
      expect(statuses).not.toContain(pw);
      expect(events).not.toContain(pw);
      expect(stream).not.toContain(pw);
      expect(logLines.join('')).not.toContain(pw);
    }
    expect(logLines.join('')).toContain(good.url);
  });

  it('syncs an ssh repository with the key of its repository Secret, checking the host key against argocd-ssh-known-hosts-cm', async () => {
    const sshd = await startSshGitServer();
    servers.push({ close: () => sshd.stop() });
    const r = makeRepo({ bare: 'viassh' });
    repos.push(r);
    const head = r.commit({ 'config.yaml': configMapYaml('viassh-config', { v: '1' }) }, 'v1');
    const url = sshd.urlOf(r.bareDir!);
    await c.namespace('viassh');
    await c.namespace('nokey');
    // Without a key, and before the key's Secret exists: a ComparisonError saying what is missing.
    await c.createApp('nokey', { source: { repoURL: 'git@git.example.com:shop/web.git', targetRevision: 'main' }, destination: { namespace: 'nokey' } });
    await c.until('a ComparisonError', () => !!c.app('nokey')?.status?.conditions?.some((x) => x.type === 'ComparisonError'));
    expect(c.app('nokey')!.status!.conditions!.find((x) => x.type === 'ComparisonError')!.message).toBe(
      'repository git@git.example.com:shop/web.git at main: git@git.example.com:shop/web.git: an ssh repository needs a repository Secret with sshPrivateKey (or use an https:// URL)',
    );

    await c.client.create(SECRETS, {
      apiVersion: 'v1', kind: 'Secret',
      metadata: { name: 'ssh-repo', namespace: 'argocd', labels: { 'argocd.argoproj.io/secret-type': 'repository' } },
      stringData: { type: 'git', url, sshPrivateKey: sshd.clientKey },
    } as never);
    await c.client.create(CONFIGMAPS, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'argocd-ssh-known-hosts-cm', namespace: 'argocd' }, data: { ssh_known_hosts: sshd.knownHosts } } as never);
    await c.createApp('viassh', { source: { repoURL: url, targetRevision: 'main' }, destination: { namespace: 'viassh' }, syncPolicy: { automated: { prune: true } } });
    await c.until('synced over ssh', () => c.syncedAt('viassh', head));
    expect(c.get(CONFIGMAPS, 'viassh', 'viassh-config')).toBeDefined();
    expect(logLines.join('')).not.toContain(sshd.clientKey.split('\n')[1]);
  });

  it('a repository with credentials over plain http (not loopback) is refused before connecting', async () => {
    await c.client.create(SECRETS, {
      apiVersion: 'v1', kind: 'Secret',
      metadata: { name: 'plain-http', namespace: 'argocd', labels: { 'argocd.argoproj.io/secret-type': 'repo-creds' } },
      stringData: { url: 'http://git.example.invalid/', username: 'skiff', password: SECRET_PASSWORD },
    } as never);
    await c.namespace('plainhttp');
    await c.createApp('plainhttp', { source: { repoURL: 'http://git.example.invalid/shop.git', targetRevision: 'main' }, destination: { namespace: 'plainhttp' } });
    await c.until('a ComparisonError', () => !!c.app('plainhttp')?.status?.conditions?.some((x) => x.type === 'ComparisonError'));
    expect(c.app('plainhttp')!.status!.conditions!.find((x) => x.type === 'ComparisonError')!.message).toBe(
      'repository http://git.example.invalid/shop.git at main: http://git.example.invalid/shop.git: credentials are not sent over plain http; use an https:// URL',
    );
  });
});
