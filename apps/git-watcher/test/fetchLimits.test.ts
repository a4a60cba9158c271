import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGitHttpServer } from '../../../libs/gitops/test/gitHttpServer.js';
import { startStalledHttpServer } from '../../../libs/gitops/test/stalledHttpServer.js';
import { configMapYaml, makeRepo, type TestRepo } from './gitRepo.js';
import { CONFIGMAPS, GitWatcherCluster } from './gitWatcherCluster.js';

const STALLED = ['stalled-1', 'stalled-2', 'stalled-3', 'stalled-4', 'stalled-5'];

/**
 * More remotes that trickle bytes (stalled, yet never idle) than the Application controller has workers (4), a repository over the
 * size cap, and a healthy one: the stalled and the big fail as ComparisonErrors, each retried,
 * while the healthy Application syncs its commits.
 */
describe('git watcher: fetch limits', () => {
  let c: GitWatcherCluster;
  const repos: TestRepo[] = [];
  const servers: { close(): Promise<void> }[] = [];

  beforeAll(async () => {
    c = await GitWatcherCluster.start({ fetchLimits: { idleTimeoutMs: 1_000, timeoutMs: 3_000, maxBytes: 256 << 10 } });
  });
  afterAll(async () => {
    await c?.stop();
    await Promise.all(servers.map((s) => s.close()));
    for (const r of repos) r.cleanup();
  });

  async function served(name: string, files: Record<string, string>) {
    const r = makeRepo({ bare: name });
    repos.push(r);
    const server = await startGitHttpServer(r.root);
    servers.push(server);
    const head = r.commit(files, 'v1');
    await c.namespace(name);
    return { r, head, url: `${server.url}/${name}.git` };
  }

  const comparisonError = (name: string) => c.app(name)?.status?.conditions?.find((x) => x.type === 'ComparisonError')?.message;

  it('fails stalled and oversized remotes as ComparisonErrors while another Application keeps syncing', async () => {
    const stall = await startStalledHttpServer('trickle');
    servers.push(stall);
    for (const name of STALLED) {
      await c.createApp(name, { source: { repoURL: `${stall.url}/${name}.git`, targetRevision: 'main' }, destination: { namespace: 'default' }, syncPolicy: { automated: { prune: true } } });
    }
    const big = await served('big', { 'blob.txt': randomBytes(1 << 20).toString('base64') });
    await c.createApp('big', { source: { repoURL: big.url, targetRevision: 'main' }, destination: { namespace: 'big' }, syncPolicy: { automated: { prune: true } } });
    await c.until('every stalled remote asked', () => STALLED.every((name) => stall.requests.includes(`/${name}.git/info/refs?service=git-upload-pack`)));

    const healthy = await served('healthy', { 'config.yaml': configMapYaml('healthy-config', { v: '1' }) });
    await c.createApp('healthy', { source: { repoURL: healthy.url, targetRevision: 'main' }, destination: { namespace: 'healthy' }, syncPolicy: { automated: { prune: true } }, refreshIntervalSeconds: 1 });
    await c.until('the healthy one synced; the stalled and the big have ComparisonErrors', () => c.syncedAt('healthy', healthy.head) && [...STALLED, 'big'].every((name) => comparisonError(name) !== undefined), 30_000);

    for (const name of STALLED) {
      expect(comparisonError(name)).toBe(`repository ${stall.url}/${name}.git at main: ${stall.url}/${name}.git: the fetch timed out after 3 s (the git watcher's --fetch-timeout-seconds); the remote may be stalled or too slow`);
    }
    expect(comparisonError('big')).toContain(`${big.url}: the repository's packfile exceeds 0.25 MiB; raise the git watcher's --fetch-max-mib`);
    expect(c.app('big')?.status?.sync?.status).not.toBe('Synced');

    const second = healthy.r.commit({ 'config.yaml': configMapYaml('healthy-config', { v: '2' }) }, 'v2');
    await c.until('the healthy one synced its next commit', () => c.syncedAt('healthy', second), 30_000);
    expect((c.get(CONFIGMAPS, 'healthy', 'healthy-config')?.data as { v?: string }).v).toBe('2');
  });
});
