import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { configMapYaml, makeRepo, type TestRepo } from './gitRepo.js';
import { CONFIGMAPS, GitWatcherCluster } from './gitWatcherCluster.js';

/**
 * Applications in folders of one repository: a commit to one folder syncs that folder's
 * Application only. The others are not woken by it, and when something else wakes them (a touch,
 * the resync) they stay at the revision they synced: nothing of theirs is re-applied.
 */
describe('git watcher: many Applications in one repository', () => {
  let c: GitWatcherCluster;
  let r: TestRepo;

  beforeAll(async () => {
    c = await GitWatcherCluster.start();
    r = makeRepo();
  });
  afterAll(async () => {
    await c?.stop();
    r?.cleanup();
  });

  it('a commit to one folder syncs its Application; the others stay at their synced revision, their objects untouched', async () => {
    const names = ['mono-a', 'mono-b', 'mono-c'];
    const first = r.commit(Object.fromEntries(names.map((n) => [`apps/${n}/config.yaml`, configMapYaml(`${n}-config`, { v: '1' })])), 'three apps');
    for (const n of names) {
      await c.namespace(n);
      await c.createApp(n, { source: { repoURL: r.dir, targetRevision: 'main', path: `apps/${n}` }, destination: { namespace: n }, syncPolicy: { automated: { prune: true } } });
    }
    for (const n of names) await c.until(`${n} Synced at ${first}`, () => c.syncedAt(n, first));
    const before = c.get(CONFIGMAPS, 'mono-b', 'mono-b-config')!;

    const second = r.commit({ 'apps/mono-a/config.yaml': configMapYaml('mono-a-config', { v: '2' }) }, 'a: v2');
    await c.until('mono-a Synced at the new commit', () => c.syncedAt('mono-a', second), 5_000);
    expect(c.get(CONFIGMAPS, 'mono-a', 'mono-a-config')!.data).toEqual({ v: '2' });

    // A pass of mono-b after the commit: it stays at the first commit, which renders alike.
    await c.touch('mono-b');
    expect(c.app('mono-b')!.status!.sync).toEqual({ status: 'Synced', revision: first });
    expect(c.app('mono-b')!.status!.history?.map((h) => h.revision)).toEqual([first]);
    expect(c.get(CONFIGMAPS, 'mono-b', 'mono-b-config')!.metadata.resourceVersion).toBe(before.metadata.resourceVersion);

    // A commit to mono-b's folder is a new revision for it.
    const third = r.commit({ 'apps/mono-b/config.yaml': configMapYaml('mono-b-config', { v: '3' }) }, 'b: v3');
    await c.until('mono-b Synced at its new commit', () => c.syncedAt('mono-b', third), 5_000);
    expect(c.get(CONFIGMAPS, 'mono-b', 'mono-b-config')!.metadata.annotations?.['skiff.dev/revision']).toBe(third);
    expect(c.app('mono-c')!.status!.sync).toEqual({ status: 'Synced', revision: first });
    expect(c.app('mono-a')!.status!.sync).toEqual({ status: 'Synced', revision: second });
  }, 60_000);
});
