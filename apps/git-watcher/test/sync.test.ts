import { pathToFileURL } from 'node:url';
import { isDeepStrictEqual } from 'node:util';
import type { KubeObject } from '@skiff/apimachinery';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { configMapYaml, git, makeRepo, serviceYaml, type TestRepo } from './gitRepo.js';
import { APPLICATIONS, CONFIGMAPS, GitWatcherCluster, SERVICES } from './gitWatcherCluster.js';

/** A commit is seen through chokidar on the repo's refs; well under the 30 s resync, which could otherwise explain it. */
const COMMIT_SEEN_MS = 5_000;

describe('git watcher: Applications synced from local repositories', () => {
  let c: GitWatcherCluster;
  const repos: TestRepo[] = [];
  const repo = (opts?: Parameters<typeof makeRepo>[0]) => {
    const r = makeRepo(opts);
    repos.push(r);
    return r;
  };

  beforeAll(async () => {
    c = await GitWatcherCluster.start();
  });
  afterAll(async () => {
    await c?.stop();
  });
  afterEach(() => {
    for (const r of repos.splice(0)) r.cleanup();
  });

  /** A repo with a ConfigMap and a Service under deploy/, an Application on it, synced at HEAD. */
  async function synced(name: string, policy: { prune?: boolean; selfHeal?: boolean } = { prune: true }) {
    const r = repo();
    const head = r.commit({ 'deploy/config.yaml': configMapYaml(`${name}-config`, { color: 'blue' }), 'deploy/web.yaml': serviceYaml(`${name}-web`) }, `${name}: first version`);
    await c.namespace(name);
    await c.createApp(name, { source: { repoURL: r.dir, targetRevision: 'main', path: 'deploy' }, destination: { namespace: name }, syncPolicy: { automated: policy } });
    await c.until(`${name} Synced at ${head}`, () => c.syncedAt(name, head));
    return { r, head };
  }

  it('creates from empty: objects marked with the Application, tracking id and revision; status Synced, Healthy, history', async () => {
    const { head } = await synced('shop');

    const cm = c.get(CONFIGMAPS, 'shop', 'shop-config')!;
    const svc = c.get(SERVICES, 'shop', 'shop-web')!;
    expect(cm.data).toEqual({ color: 'blue' });
    expect(cm.metadata.labels).toEqual({ 'skiff.dev/application': 'shop' });
    expect(cm.metadata.annotations).toMatchObject({ 'skiff.dev/tracking-id': 'default/shop:/ConfigMap:shop/shop-config', 'skiff.dev/revision': head });
    expect(svc.metadata.labels).toMatchObject({ 'skiff.dev/application': 'shop' });
    expect(svc.metadata.annotations).toMatchObject({ 'skiff.dev/tracking-id': 'default/shop:/Service:shop/shop-web', 'skiff.dev/revision': head });
    expect((svc.spec as { clusterIP?: string }).clusterIP).toMatch(/^\d+\.\d+\.\d+\.\d+$/);

    const s = c.app('shop')!.status!;
    expect(s.sync).toEqual({ status: 'Synced', revision: head });
    expect(s.health?.status).toBe('Healthy');
    expect(s.operationState).toMatchObject({ phase: 'Succeeded', revision: head, message: 'successfully synced (all 2 objects applied)' });
    expect(s.history).toEqual([expect.objectContaining({ id: 1, revision: head, message: 'shop: first version', author: expect.stringContaining('Dev') })]);
    expect(s.conditions ?? []).toEqual([]);
    expect(s.resources?.map((x) => `${x.kind} ${x.namespace}/${x.name} ${x.status} ${x.health?.status}`).sort()).toEqual(['ConfigMap shop/shop-config Synced Healthy', 'Service shop/shop-web Synced Healthy']);
    await c.until('a Synced event', () => c.eventsFor('shop', 'Synced').length === 1);
    expect(c.eventsFor('shop', 'Synced')[0].metadata.annotations).toMatchObject({ 'skiff.dev/event': 'sync.succeeded', 'skiff.dev/revision': head, 'skiff.dev/commit-message': 'shop: first version' });
  });

  it('converges after a commit changes a ConfigMap, without a refresh', async () => {
    const { r } = await synced('change');
    await c.touch('change');
    const sha = r.commit({ 'deploy/config.yaml': configMapYaml('change-config', { color: 'green', size: 'L' }) }, 'change: green');
    await c.until('the new data applied', () => isDeepStrictEqual(c.get(CONFIGMAPS, 'change', 'change-config')?.data, { color: 'green', size: 'L' }), COMMIT_SEEN_MS);
    await c.until('Synced at the new commit', () => c.syncedAt('change', sha));
    expect(c.get(CONFIGMAPS, 'change', 'change-config')!.metadata.annotations?.['skiff.dev/revision']).toBe(sha);
    expect(c.app('change')!.status!.history?.map((h) => h.message)).toEqual(['change: first version', 'change: green']);
    // What the revision changed, for the status page: the ConfigMap's data, as a diff of the manifests.
    const [first, second] = c.app('change')!.status!.history!;
    expect(first.changes).toBeUndefined();
    expect(second.changes).toContain('--- before/ConfigMap change-config\n+++ after/ConfigMap change-config');
    expect(second.changes).toContain('-  color: blue');
    expect(second.changes).toContain('+  color: green');
    expect(second.changes).not.toContain('Service');
  });

  it('follows HEAD of a file:// URL when no targetRevision is given', async () => {
    const r = repo();
    const first = r.commit({ 'config.yaml': configMapYaml('head-config', { n: '1' }) }, 'head: 1');
    await c.namespace('head');
    await c.createApp('head', { source: { repoURL: pathToFileURL(r.dir).href }, destination: { namespace: 'head' }, syncPolicy: { automated: {} } });
    await c.until('Synced at the first commit', () => c.syncedAt('head', first));
    await c.touch('head');
    const second = r.commit({ 'config.yaml': configMapYaml('head-config', { n: '2' }) }, 'head: 2');
    await c.until('the second commit applied', () => (c.get(CONFIGMAPS, 'head', 'head-config')?.data as { n?: string } | undefined)?.n === '2', COMMIT_SEEN_MS);
    await c.until('Synced at the second commit', () => c.syncedAt('head', second));

    // A checkout moves HEAD to another branch: its commits are followed from then on.
    git(r.dir, ['checkout', '-q', '-b', 'feature']);
    await c.touch('head');
    const third = r.commit({ 'config.yaml': configMapYaml('head-config', { n: '3' }) }, 'head: 3 on feature');
    await c.until('the feature commit applied', () => (c.get(CONFIGMAPS, 'head', 'head-config')?.data as { n?: string } | undefined)?.n === '3', COMMIT_SEEN_MS);
    await c.until('Synced at the feature commit', () => c.syncedAt('head', third));
  });

  it.each([
    { prune: true, serviceLeft: false },
    { prune: false, serviceLeft: true },
  ])('a commit deleting a file: prune $prune -> Service left $serviceLeft', async ({ prune, serviceLeft }) => {
    const name = `delete-${prune}`;
    const { r } = await synced(name, { prune });
    const svcUid = c.get(SERVICES, name, `${name}-web`)!.metadata.uid;
    const sha = r.commit({ 'deploy/web.yaml': null }, `${name}: no web`);
    if (serviceLeft) {
      // As in Argo CD: a tracked object left in the cluster makes the Application OutOfSync (it requires pruning)...
      await c.until('OutOfSync at the commit without the Service', () => c.app(name)?.status?.operationState?.revision === sha && c.app(name)?.status?.operationState?.phase === 'Succeeded' && c.app(name)?.status?.sync?.status === 'OutOfSync');
      expect(c.app(name)!.status!.resources?.map((x) => `${x.kind} ${x.status}${x.requiresPruning ? ' requiresPruning' : ''}`)).toEqual(['ConfigMap Synced', 'Service OutOfSync requiresPruning']);
      // ...unless it says IgnoreExtraneous.
      await c.client.patch(SERVICES, name, `${name}-web`, { metadata: { annotations: { 'argocd.argoproj.io/compare-options': 'IgnoreExtraneous' } } });
    }
    await c.until('Synced at the commit without the Service', () => c.syncedAt(name, sha));
    if (!serviceLeft) await c.until('the Service pruned', () => !c.get(SERVICES, name, `${name}-web`));
    const live = await c.client.list(SERVICES, { namespace: name });
    expect(live.items.map((s) => s.metadata.uid)).toEqual(serviceLeft ? [svcUid] : []);
    expect(c.app(name)!.status!.resources?.map((x) => x.kind)).toEqual(serviceLeft ? ['ConfigMap', 'Service'] : ['ConfigMap']);
    expect(c.get(CONFIGMAPS, name, `${name}-config`)).toBeDefined();
    expect(c.eventsFor(name, 'Pruned').map((e) => e.message)).toEqual(prune ? [`Service ${name}/${name}-web is no longer in git`] : []);
  });

  it('a second pass changes nothing', async () => {
    await synced('quiet');
    const before = { cm: c.get(CONFIGMAPS, 'quiet', 'quiet-config')!, svc: c.get(SERVICES, 'quiet', 'quiet-web')!, app: c.app('quiet')! };
    // The server skips a write that changes nothing; status.reconciledAt has a resolution of one
    // second. Once the clock is past the second of the last status write, a pass that rewrote an
    // unchanged status would show as a new resourceVersion.
    const written = before.app.status!.reconciledAt!;
    await c.until('the clock past the last status write', () => new Date().toISOString().replace(/\.\d{3}Z$/, 'Z') > written, 2_000);
    const touched = await c.touch('quiet');

    const [cm, svc, app] = await Promise.all([c.client.get(CONFIGMAPS, 'quiet', 'quiet-config'), c.client.get(SERVICES, 'quiet', 'quiet-web'), c.client.get(APPLICATIONS, 'default', 'quiet')]);
    expect(cm.metadata.resourceVersion).toBe(before.cm.metadata.resourceVersion);
    expect(svc.metadata.resourceVersion).toBe(before.svc.metadata.resourceVersion);
    expect(app.metadata.resourceVersion).toBe(touched.metadata.resourceVersion);
    expect(app.status).toEqual(before.app.status);
    expect(await c.reconciles('error')).toBe(0);
    expect(c.eventsFor('quiet', 'Synced')).toHaveLength(1);
  });

  it('creates an object with generateName once per revision, keeps it through later passes, and replaces it at the next revision', async () => {
    const r = repo();
    const generated = 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  generateName: run-\ndata:\n  n: "1"\n';
    const first = r.commit({ 'run.yaml': generated, 'config.yaml': configMapYaml('gen-config', { v: '1' }) }, 'gen: 1');
    await c.namespace('gen');
    await c.createApp('gen', { source: { repoURL: r.dir, targetRevision: 'main' }, destination: { namespace: 'gen' }, syncPolicy: { automated: { prune: true, selfHeal: true } } });
    await c.until('gen Synced', () => c.syncedAt('gen', first));
    const made = async () => (await c.client.list(CONFIGMAPS, { namespace: 'gen' })).items.filter((cm) => cm.metadata.name!.startsWith('run-'));
    const [run] = await made();
    expect(run.metadata.name).toMatch(/^run-[a-z0-9]{5}$/);
    expect(run.metadata.annotations).toMatchObject({ 'skiff.dev/tracking-id': 'default/gen:/ConfigMap:gen/run-*', 'skiff.dev/revision': first });
    expect(c.app('gen')!.status!.resources?.map((x) => `${x.kind} ${x.name} ${x.status}`).sort()).toEqual(['ConfigMap gen-config Synced', `ConfigMap ${run.metadata.name} Synced`]);

    await c.touch('gen');
    expect((await made()).map((cm) => cm.metadata.name)).toEqual([run.metadata.name]);

    const second = r.commit({ 'config.yaml': configMapYaml('gen-config', { v: '2' }) }, 'gen: 2');
    await c.until('gen Synced at the second revision', () => c.syncedAt('gen', second));
    await c.until('the first run pruned', async () => (await made()).every((cm) => cm.metadata.name !== run.metadata.name));
    const now = await made();
    expect(now).toHaveLength(1);
    expect(now[0].metadata.annotations?.['skiff.dev/revision']).toBe(second);
  });

  it('leaves alone objects it does not own: a labelled ConfigMap without tracking id, and other Applications\' objects', async () => {
    await c.namespace('shared');
    await c.namespace('team-b');
    // Same label value, no tracking id: someone's hand-made object.
    const bystander = await c.client.create(CONFIGMAPS, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'bystander', namespace: 'shared', labels: { 'skiff.dev/application': 'mine' } }, data: { keep: 'me' } });
    const mine = repo();
    const other = repo();
    const twin = repo();
    const mineHead = mine.commit({ 'a.yaml': configMapYaml('mine-a', { v: '1' }), 'b.yaml': configMapYaml('mine-b', { v: '1' }) }, 'mine');
    const otherHead = other.commit({ 'o.yaml': configMapYaml('other-o', { v: '1' }) }, 'other');
    const twinHead = twin.commit({ 't.yaml': configMapYaml('twin-t', { v: '1' }) }, 'twin');
    const spec = (r: TestRepo) => ({ source: { repoURL: r.dir, targetRevision: 'main' }, destination: { namespace: 'shared' }, syncPolicy: { automated: { prune: true, selfHeal: true } } });
    await c.createApp('mine', spec(mine));
    await c.createApp('other', spec(other));
    // Another Application with the same name in another namespace: its objects carry the same label value.
    await c.createApp('mine', spec(twin), 'team-b');
    await c.until('all three synced', () => c.syncedAt('mine', mineHead) && c.syncedAt('other', otherHead) && (c.app('mine', 'team-b')?.status?.sync?.revision === twinHead && c.app('mine', 'team-b')?.status?.operationState?.phase === 'Succeeded'));
    expect(c.get(CONFIGMAPS, 'shared', 'twin-t')!.metadata.labels?.['skiff.dev/application']).toBe('mine');
    const others = (): KubeObject[] => ['bystander', 'other-o', 'twin-t'].map((n) => c.get(CONFIGMAPS, 'shared', n)!);
    const versions = others().map((o) => o.metadata.resourceVersion);

    // A commit that makes "mine" prune: only its own b goes.
    const sha = mine.commit({ 'b.yaml': null }, 'mine: no b');
    await c.until('mine synced without b', () => c.syncedAt('mine', sha) && !c.get(CONFIGMAPS, 'shared', 'mine-b'));
    const names = (await c.client.list(CONFIGMAPS, { namespace: 'shared' })).items.map((o) => o.metadata.name).sort();
    expect(names).toEqual(['bystander', 'mine-a', 'other-o', 'twin-t']);
    expect(others().map((o) => o.metadata.resourceVersion)).toEqual(versions);
    expect(c.get(CONFIGMAPS, 'shared', 'bystander')).toMatchObject({ data: { keep: 'me' }, metadata: { uid: bystander.metadata.uid } });
    expect(c.app('mine')!.status!.resources?.map((x) => x.name)).toEqual(['mine-a']);
    expect(c.app('mine', 'team-b')!.status!.resources?.map((x) => x.name)).toEqual(['twin-t']);
  });
});
