import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { configMapYaml, makeRepo, serviceYaml, type TestRepo } from './gitRepo.js';
import { resourceType } from '@skiff/kube-client';
import { APPLICATIONS, CONFIGMAPS, GitWatcherCluster, SERVICES } from './gitWatcherCluster.js';

const NAMESPACES = resourceType('namespaces');

describe('git watcher: a revision that cannot be applied', () => {
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

  it.each([
    {
      case: 'a Service port out of range',
      name: 'badport',
      file: 'deploy/web.yaml',
      text: serviceYaml('badport-web', 99999),
      // line 10 is "      port: 99999"
      where: 'deploy/web.yaml:10 spec.ports[0].port: ',
    },
    {
      case: 'a ConfigMap with an invalid name',
      name: 'badname',
      file: 'deploy/extra.yaml',
      text: configMapYaml('Bad_Name', { a: '1' }),
      // line 4 is "  name: Bad_Name"
      where: 'deploy/extra.yaml:4 metadata.name: ',
    },
  ])('$case: Failed naming file and line, live state kept, one SyncFailed event, never retried', async ({ name, file, text, where }) => {
    const r = makeRepo();
    repos.push(r);
    const good = r.commit({ 'deploy/config.yaml': configMapYaml(`${name}-config`, { color: 'blue' }), 'deploy/web.yaml': serviceYaml(`${name}-web`) }, 'good');
    await c.namespace(name);
    await c.createApp(name, { source: { repoURL: r.dir, targetRevision: 'main', path: 'deploy' }, destination: { namespace: name }, syncPolicy: { automated: { prune: true, selfHeal: true } } });
    await c.until('Synced at the good commit', () => c.syncedAt(name, good));
    const before = { cm: c.get(CONFIGMAPS, name, `${name}-config`)!, svc: c.get(SERVICES, name, `${name}-web`)! };

    // The bad commit also changes a valid object: all or nothing, so that change waits too.
    const bad = r.commit({ 'deploy/config.yaml': configMapYaml(`${name}-config`, { color: 'red' }), [file]: text }, 'bad');
    await c.until('the operation Failed at the bad commit', () => c.app(name)?.status?.operationState?.phase === 'Failed' && c.app(name)?.status?.operationState?.revision === bad);

    const s = c.app(name)!.status!;
    expect(s.operationState!.message).toContain(where);
    expect(s.operationState!.message.split('; ')).toHaveLength(1);
    expect(s.conditions).toEqual([expect.objectContaining({ type: 'ComparisonError', message: s.operationState!.message })]);
    expect(s.sync).toEqual({ status: 'OutOfSync', revision: good });
    expect(s.history?.map((h) => h.revision)).toEqual([good]);
    // The good commit's operation is gone whole: its syncResult must not linger beside the refusal.
    expect((s.operationState as { syncResult?: unknown }).syncResult).toBeUndefined();

    // More passes (touches) change nothing and record nothing more.
    for (const touch of ['1', '2']) {
      const runs = await c.reconciles();
      await c.client.patch(APPLICATIONS, 'default', name, { metadata: { annotations: { 'test/touch': touch } } });
      await c.until(`pass after touch ${touch}`, async () => (await c.reconciles()) > runs);
    }
    await c.until('the SyncFailed event recorded', () => c.eventsFor(name, 'SyncFailed').length > 0);
    const failed = c.eventsFor(name, 'SyncFailed');
    expect(failed).toHaveLength(1);
    expect(failed[0]).toMatchObject({ type: 'Warning', message: expect.stringContaining(`revision ${bad.slice(0, 7)}: ${where}`), metadata: { annotations: { 'skiff.dev/event': 'sync.failed', 'skiff.dev/revision': bad } } });
    expect(await c.reconciles('error')).toBe(0);
    expect(await c.reconciles('terminal')).toBe(0);
    const after = { cm: await c.client.get(CONFIGMAPS, name, `${name}-config`), svc: await c.client.get(SERVICES, name, `${name}-web`) };
    expect(after.cm.metadata.resourceVersion).toBe(before.cm.metadata.resourceVersion);
    expect(after.cm.data).toEqual({ color: 'blue' });
    expect(after.cm.metadata.annotations?.['skiff.dev/revision']).toBe(good);
    expect(after.svc.metadata.resourceVersion).toBe(before.svc.metadata.resourceVersion);
    expect((await c.client.list(CONFIGMAPS, { namespace: name })).items.map((o) => o.metadata.name)).toEqual([`${name}-config`]);
    expect(c.app(name)!.status!.operationState).toEqual(s.operationState);

    // A fixing commit syncs and clears the error.
    const fixed = r.commit({ [file]: null }, 'fix');
    await c.until('Synced at the fix', () => c.syncedAt(name, fixed));
    expect(c.app(name)!.status!.conditions ?? []).toEqual([]);
    expect(c.get(CONFIGMAPS, name, `${name}-config`)!.data).toEqual({ color: 'red' });
  });

  it('an unknown kind fails with file and line before anything is sent to the server', async () => {
    const r = makeRepo();
    repos.push(r);
    const sha = r.commit({ 'a.yaml': configMapYaml('kind-a', { v: '1' }) + '---\napiVersion: example.com/v1\nkind: Widget\nmetadata:\n  name: w\n' }, 'widget');
    await c.namespace('kinds');
    await c.createApp('kinds', { source: { repoURL: r.dir, targetRevision: 'main' }, destination: { namespace: 'kinds' }, syncPolicy: { automated: {} } });
    await c.until('Failed', () => c.app('kinds')?.status?.operationState?.phase === 'Failed');
    expect(c.app('kinds')!.status!.operationState).toMatchObject({ revision: sha, message: 'a.yaml:8 kind: no matches for kind "Widget" in version "example.com/v1"' });
    expect((await c.client.list(CONFIGMAPS, { namespace: 'kinds' })).items).toEqual([]);
  });
  it('two Applications claiming one object: the second reports SharedResourceWarning, applies nothing, and prunes nothing of the first', async () => {
    const first = makeRepo();
    const second = makeRepo();
    repos.push(first, second);
    const a = first.commit({ 'shared.yaml': configMapYaml('shared', { owner: 'first' }), 'own.yaml': configMapYaml('first-own', { v: '1' }) }, 'first');
    await c.namespace('shared');
    await c.createApp('shared-first', { source: { repoURL: first.dir, targetRevision: 'main' }, destination: { namespace: 'shared' }, syncPolicy: { automated: { prune: true, selfHeal: true } } });
    await c.until('the first Synced', () => c.syncedAt('shared-first', a));
    const before = await c.client.get(CONFIGMAPS, 'shared', 'shared');

    const b = second.commit({ 'shared.yaml': configMapYaml('shared', { owner: 'second' }), 'mine.yaml': configMapYaml('second-own', { v: '1' }) }, 'second');
    await c.createApp('shared-second', { source: { repoURL: second.dir, targetRevision: 'main' }, destination: { namespace: 'shared' }, syncPolicy: { automated: { prune: true, selfHeal: true } } });
    await c.until('the second Failed', () => c.app('shared-second')?.status?.operationState?.phase === 'Failed');
    const s = c.app('shared-second')!.status!;
    expect(s.operationState).toMatchObject({ revision: b, message: 'shared.yaml:1: ConfigMap shared/shared is already managed by Application default/shared-first (SharedResourceWarning)' });
    expect(s.conditions).toContainEqual(expect.objectContaining({ type: 'SharedResourceWarning', message: 'ConfigMap shared/shared is already managed by Application default/shared-first (SharedResourceWarning)' }));
    expect(s.sync?.status).toBe('OutOfSync');
    // Nothing of the second's revision was applied, the shared object is untouched, the first stays Synced.
    const after = await c.client.get(CONFIGMAPS, 'shared', 'shared');
    expect(after.metadata.resourceVersion).toBe(before.metadata.resourceVersion);
    expect(after.data).toEqual({ owner: 'first' });
    expect((await c.client.list(CONFIGMAPS, { namespace: 'shared' })).items.map((o) => o.metadata.name).sort()).toEqual(['first-own', 'shared']);
    expect(c.app('shared-first')!.status!.sync).toEqual({ status: 'Synced', revision: a });
  });
  it('an invalid object in a namespace the same revision creates fails the dry run: not even the namespace is made', async () => {
    const r = makeRepo();
    repos.push(r);
    const sha = r.commit({ 'ns.yaml': 'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: fresh-ns\n', 'web.yaml': serviceYaml('fresh-web', 99999).replace('metadata:\n', 'metadata:\n  namespace: fresh-ns\n') }, 'new namespace, bad service');
    await c.namespace('fresh');
    // An account that may create namespaces: the failure is the Service's, not a refusal.
    const serviceAccountName = await c.clusterAdminAccount();
    await c.createApp('fresh', { source: { repoURL: r.dir, targetRevision: 'main' }, destination: { namespace: 'fresh' }, syncPolicy: { automated: {} }, serviceAccountName });
    await c.until('Failed', () => c.app('fresh')?.status?.operationState?.phase === 'Failed');
    expect(c.app('fresh')!.status!.operationState).toMatchObject({ revision: sha, message: expect.stringMatching(/^web\.yaml:\d+ spec\.ports\[0\]\.port: /) });
    expect((await c.client.list(NAMESPACES)).items.map((n) => n.metadata.name)).not.toContain('fresh-ns');
  });
});
