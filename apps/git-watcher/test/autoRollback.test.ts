import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KubeObject } from '@skiff/apimachinery';
import { resourceType } from '@skiff/kube-client';
import { git, makeRepo, type TestRepo } from './gitRepo.js';
import { GitWatcherCluster } from './gitWatcherCluster.js';

const PODS = resourceType('pods');

function podYaml(name: string): string {
  return `apiVersion: v1
kind: Pod
metadata:
  name: ${name}
spec:
  containers:
    - name: main
      image: web:${name}
      command: ["sleep", "1000"]
`;
}

/** Plays the node agent: the pod is Running and Ready, or it Failed. */
async function setPod(c: GitWatcherCluster, ns: string, name: string, state: 'ready' | 'failed'): Promise<void> {
  const status =
    state === 'ready'
      ? { phase: 'Running', conditions: [{ type: 'Ready', status: 'True' }, { type: 'ContainersReady', status: 'True' }] }
      : { phase: 'Failed', conditions: [{ type: 'Ready', status: 'False' }], containerStatuses: [{ name: 'main', ready: false, restartCount: 0, state: { terminated: { exitCode: 1, reason: 'Error' } } }] };
  await c.client.patch(PODS, ns, name, { status }, 'merge', { subresource: 'status' });
}

describe('git watcher: autoRollback', () => {
  let c: GitWatcherCluster;
  let repo: TestRepo;

  beforeAll(async () => {
    c = await GitWatcherCluster.start();
    c.watch(PODS);
    repo = makeRepo();
  });
  afterAll(async () => {
    await c?.stop();
    repo?.cleanup();
  });

  it('commits a rollback to the last Healthy revision when the new one is Degraded, and syncs it', async () => {
    const good = repo.commit({ 'web.yaml': podYaml('web-a') }, 'web a');
    await c.namespace('roll');
    await c.createApp('roll', { source: { repoURL: repo.dir, targetRevision: 'main' }, destination: { namespace: 'roll' }, syncPolicy: { automated: { prune: true, selfHeal: true }, autoRollback: true } });
    await c.until('synced at the good revision', () => c.app('roll')?.status?.sync?.revision === good && !!c.get(PODS, 'roll', 'web-a'));
    await setPod(c, 'roll', 'web-a', 'ready');
    await c.until('Healthy, and the revision remembered as healthy', () => c.app('roll')?.status?.health?.status === 'Healthy' && c.app('roll')?.status?.history?.at(-1)?.healthy === true);

    const bad = repo.commit({ 'web.yaml': podYaml('web-b') }, 'web b');
    await c.until('synced at the bad revision', () => c.app('roll')?.status?.sync?.revision === bad && !!c.get(PODS, 'roll', 'web-b'));
    await setPod(c, 'roll', 'web-b', 'failed');

    await c.until('a rollback commit on the branch', () => git(repo.dir, ['rev-parse', 'HEAD']) !== bad, 20_000);
    const rollback = git(repo.dir, ['rev-parse', 'HEAD']);
    expect(git(repo.dir, ['log', '-1', '--format=%s'])).toMatch(new RegExp(`^Rollback to ${good.slice(0, 7)}`));
    expect(git(repo.dir, ['rev-parse', `${rollback}^{tree}`])).toBe(git(repo.dir, ['rev-parse', `${good}^{tree}`]));
    await c.until('synced at the rollback commit, web-a back and web-b pruned', () => c.app('roll')?.status?.sync?.revision === rollback && !!c.get(PODS, 'roll', 'web-a') && !c.get(PODS, 'roll', 'web-b'));
    const events = c.eventsFor('roll', 'AutoRollback') as KubeObject[];
    expect(events).toHaveLength(1);
    expect(events[0].message).toContain(bad.slice(0, 7));
    // Once, not again and again: the marker names the Degraded revision.
    expect(c.app('roll')!.metadata.annotations?.['skiff.dev/auto-rolled-back']).toBe(bad);
  });
});
