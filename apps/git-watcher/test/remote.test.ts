import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startGitHttpServer } from '../../../libs/gitops/test/gitHttpServer.js';
import { configMapYaml, makeRepo, type TestRepo } from './gitRepo.js';
import { APPLICATIONS, CONFIGMAPS, GitWatcherCluster } from './gitWatcherCluster.js';

describe('git watcher: Applications synced from a remote (http) repository', () => {
  let c: GitWatcherCluster;
  const repos: TestRepo[] = [];
  const servers: { close(): Promise<void> }[] = [];

  beforeAll(async () => {
    c = await GitWatcherCluster.start();
  });
  afterAll(async () => {
    await c?.stop();
  });
  afterEach(async () => {
    await Promise.all(servers.splice(0).map((s) => s.close()));
    for (const r of repos.splice(0)) r.cleanup();
  });

  /** A repo pushed to a bare repo served by `git http-backend`, and an Application on its URL. */
  async function served(name: string, refreshIntervalSeconds: number) {
    const r = makeRepo({ bare: name });
    repos.push(r);
    const server = await startGitHttpServer(r.root);
    servers.push(server);
    const head = r.commit({ 'config.yaml': configMapYaml(`${name}-config`, { v: '1' }) }, 'v1');
    await c.namespace(name);
    await c.createApp(name, { source: { repoURL: `${server.url}/${name}.git`, targetRevision: 'main' }, destination: { namespace: name }, syncPolicy: { automated: { prune: true } }, refreshIntervalSeconds });
    await c.until('Synced at the first commit', () => c.syncedAt(name, head));
    return r;
  }

  const dataOf = (name: string) => (c.get(CONFIGMAPS, name, `${name}-config`)?.data as { v?: string } | undefined)?.v;

  it('a new commit waits for the refresh interval, or is fetched at once when skiff.dev/refresh changes', async () => {
    const r = await served('webhook', 3600);
    const next = r.commit({ 'config.yaml': configMapYaml('webhook-config', { v: '2' }) }, 'v2');

    // A pass before the interval is up reads the clone it has: still the first commit.
    const runs = await c.reconciles();
    await c.client.patch(APPLICATIONS, 'default', 'webhook', { metadata: { annotations: { 'test/touch': '1' } } });
    await c.until('a pass', async () => (await c.reconciles()) > runs);
    expect(dataOf('webhook')).toBe('1');
    expect(c.app('webhook')!.status!.sync?.revision).not.toBe(next);

    // What the git webhook (POST /hooks/git) does on a push.
    await c.client.patch(APPLICATIONS, 'default', 'webhook', { metadata: { annotations: { 'skiff.dev/refresh': new Date().toISOString() } } });
    await c.until('Synced at the new commit', () => c.syncedAt('webhook', next), 5_000);
    expect(dataOf('webhook')).toBe('2');
    expect(c.app('webhook')!.status!.history?.map((h) => h.message)).toEqual(['v1', 'v2']);
  });

  it('a new commit is fetched on the refresh interval', async () => {
    const r = await served('interval', 1);
    const next = r.commit({ 'config.yaml': configMapYaml('interval-config', { v: '2' }) }, 'v2');
    await c.until('Synced at the new commit', () => c.syncedAt('interval', next), 10_000);
    expect(dataOf('interval')).toBe('2');
    expect(c.app('interval')!.metadata.annotations?.['skiff.dev/refresh']).toBeUndefined();
  });
});
