import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { configMapYaml, makeRepo, type TestRepo } from './gitRepo.js';
import { CONFIGMAPS, GitWatcherCluster } from './gitWatcherCluster.js';

describe('git watcher: drift from git', () => {
  let c: GitWatcherCluster;
  const repos: TestRepo[] = [];

  beforeAll(async () => {
    c = await GitWatcherCluster.start();
  });
  afterAll(async () => {
    await c?.stop();
  });
  afterEach(() => {
    for (const r of repos.splice(0)) r.cleanup();
  });

  async function synced(name: string, selfHeal: boolean) {
    const r = makeRepo();
    repos.push(r);
    const head = r.commit({ 'config.yaml': configMapYaml(`${name}-config`, { color: 'blue' }) }, 'blue');
    await c.namespace(name);
    await c.createApp(name, { source: { repoURL: r.dir, targetRevision: 'main' }, destination: { namespace: name }, syncPolicy: { automated: { prune: true, selfHeal } } });
    await c.until('Synced', () => c.syncedAt(name, head));
    return head;
  }

  it('with selfHeal, a manual change is put back and a DriftCorrected event says what and at which revision', async () => {
    const head = await synced('heal', true);
    // What `kubectl patch cm heal-config --type merge -p '{"data":{"color":"red"}}'` sends.
    const changed = await c.client.patch(CONFIGMAPS, 'heal', 'heal-config', { data: { color: 'red', extra: 'x' } }, 'merge');
    await c.until('the data put back', () => {
      const cm = c.get(CONFIGMAPS, 'heal', 'heal-config');
      return Number(cm?.metadata.resourceVersion) > Number(changed.metadata.resourceVersion) && (cm?.data as Record<string, string>).color === 'blue';
    });
    await c.until('a DriftCorrected event', () => c.eventsFor('heal', 'DriftCorrected').length > 0);
    const [event] = c.eventsFor('heal', 'DriftCorrected');
    expect(event.message).toBe('ConfigMap heal/heal-config: data.color: red -> blue');
    expect(event.metadata.annotations).toMatchObject({ 'skiff.dev/event': 'drift.corrected', 'skiff.dev/revision': head, 'skiff.dev/application': 'default/heal' });
    expect(c.app('heal')!.status!.sync).toEqual({ status: 'Synced', revision: head });
    expect(c.app('heal')!.status!.history).toHaveLength(1);
  });

  it('with selfHeal, a deleted object is recreated', async () => {
    await synced('recreate', true);
    const old = c.get(CONFIGMAPS, 'recreate', 'recreate-config')!;
    await c.client.delete(CONFIGMAPS, 'recreate', 'recreate-config');
    await c.until('recreated', () => {
      const cm = c.get(CONFIGMAPS, 'recreate', 'recreate-config');
      return !!cm && cm.metadata.uid !== old.metadata.uid;
    });
    await c.until('a DriftCorrected event', () => c.eventsFor('recreate', 'DriftCorrected').length > 0);
    expect(c.eventsFor('recreate', 'DriftCorrected')[0].message).toBe('ConfigMap recreate/recreate-config: recreated (it had been deleted)');
  });

  it('without selfHeal, a manual change makes the Application OutOfSync with the field listed', async () => {
    const head = await synced('drift', false);
    await c.client.patch(CONFIGMAPS, 'drift', 'drift-config', { data: { color: 'red' } }, 'merge');
    await c.until('OutOfSync', () => c.app('drift')?.status?.sync?.status === 'OutOfSync');
    const s = c.app('drift')!.status!;
    expect(s.sync).toEqual({ status: 'OutOfSync', revision: head });
    expect(s.resources).toEqual([expect.objectContaining({ kind: 'ConfigMap', name: 'drift-config', status: 'OutOfSync', diff: ['data.color: red (git: blue)'] })]);
    expect(c.get(CONFIGMAPS, 'drift', 'drift-config')!.data).toEqual({ color: 'red' });
    expect(c.eventsFor('drift', 'DriftCorrected')).toEqual([]);

    // Putting it back by hand makes it Synced again.
    await c.client.patch(CONFIGMAPS, 'drift', 'drift-config', { data: { color: 'blue' } }, 'merge');
    await c.until('Synced again', () => c.app('drift')?.status?.sync?.status === 'Synced');
    expect(c.app('drift')!.status!.resources?.[0].diff).toBeUndefined();
  });
});
