import { AppsV1Api, CoreV1Api, KubeConfig, PatchStrategy, Watch, setHeaderOptions, type V1ConfigMap } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningApiServer } from '../src/index.js';
import { ADMIN_TOKEN, createBackend, deployment, startTestServer, type TestBackend } from './harness.js';

function kubeConfig(url: string): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: 'skiff', server: url, skipTLSVerify: true }],
    users: [{ name: 'admin', token: ADMIN_TOKEN }],
    contexts: [{ name: 'skiff', cluster: 'skiff', user: 'admin' }],
    currentContext: 'skiff',
  });
  return kc;
}

interface Seen {
  type: string;
  name: string;
  rv: string;
}

/** Collects watch events and lets a test wait for a condition on them. */
function recorder() {
  const events: Seen[] = [];
  const waiters: { test: () => boolean; resolve: () => void }[] = [];
  return {
    events,
    push(type: string, obj: { metadata?: { name?: string; resourceVersion?: string } }) {
      events.push({ type, name: obj.metadata?.name ?? '', rv: obj.metadata?.resourceVersion ?? '' });
      for (const w of [...waiters]) if (w.test()) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve();
      }
    },
    until(test: () => boolean, ms = 10_000): Promise<void> {
      if (test()) return Promise.resolve();
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`watch condition not met in ${ms} ms; saw ${JSON.stringify(events)}`)), ms);
        waiters.push({ test, resolve: () => { clearTimeout(timer); resolve(); } });
      });
    },
  };
}

describe('@kubernetes/client-node against the API server', () => {
  let backend: TestBackend;
  let server: RunningApiServer;
  let kc: KubeConfig;
  let core: CoreV1Api;
  let apps: AppsV1Api;

  beforeAll(async () => {
    backend = await createBackend('postgres');
    server = await startTestServer(backend);
    kc = kubeConfig(server.url);
    core = kc.makeApiClient(CoreV1Api);
    apps = kc.makeApiClient(AppsV1Api);
  });
  afterAll(async () => {
    await server?.close();
    await backend?.dispose();
  });

  it('creates, lists, patches and deletes', async () => {
    const created = await core.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name: 'one', labels: { team: 'a' } }, data: { k: 'v' } } });
    expect(created.metadata?.uid).toBeTruthy();
    await core.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name: 'two', labels: { team: 'b' } }, data: {} } });

    const list = await core.listNamespacedConfigMap({ namespace: 'default', labelSelector: 'team in (a)' });
    expect(list.items.map((c) => c.metadata?.name)).toEqual(['one']);
    expect(Number(list.metadata?.resourceVersion)).toBeGreaterThan(0);

    const merged = await core.patchNamespacedConfigMap({ namespace: 'default', name: 'one', body: { data: { k: 'w', extra: 'x' } } }, setHeaderOptions('Content-Type', PatchStrategy.MergePatch));
    expect(merged.data).toEqual({ k: 'w', extra: 'x' });
    const jsonPatched = await core.patchNamespacedConfigMap({ namespace: 'default', name: 'one', body: [{ op: 'remove', path: '/data/extra' }] }, setHeaderOptions('Content-Type', PatchStrategy.JsonPatch));
    expect(jsonPatched.data).toEqual({ k: 'w' });

    const deploy = await apps.createNamespacedDeployment({ namespace: 'default', body: deployment('api', 1) as never });
    const smp = await apps.patchNamespacedDeployment({ namespace: 'default', name: 'api', body: { spec: { template: { spec: { containers: [{ name: 'main', image: 'busybox:2' }] } } } } }, setHeaderOptions('Content-Type', PatchStrategy.StrategicMergePatch));
    expect(smp.spec?.template.spec?.containers[0].image).toBe('busybox:2');
    expect(smp.spec?.template.spec?.containers[0].command).toEqual(['sleep', '1000']);
    expect(smp.metadata?.generation).toBe((deploy.metadata?.generation ?? 0) + 1);

    await core.deleteNamespacedConfigMap({ namespace: 'default', name: 'two' });
    const after = await core.listNamespacedConfigMap({ namespace: 'default' });
    expect(after.items.map((c) => c.metadata?.name)).toEqual(['one']);
    await expect(core.readNamespacedConfigMap({ namespace: 'default', name: 'two' })).rejects.toMatchObject({ code: 404 });
  });

  it('paginates with limit and continue', async () => {
    for (let i = 0; i < 5; i++) await core.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name: `page-${i}`, labels: { page: 'yes' } } } });
    const names: string[] = [];
    let token: string | undefined;
    let pages = 0;
    do {
      const page = await core.listNamespacedConfigMap({ namespace: 'default', labelSelector: 'page', limit: 2, _continue: token });
      names.push(...page.items.map((c) => c.metadata!.name!));
      token = page.metadata?._continue;
      pages++;
    } while (token);
    expect(names).toEqual(['page-0', 'page-1', 'page-2', 'page-3', 'page-4']);
    expect(pages).toBe(3);
  });

  it('watches, and resumes after a reconnect without losing or repeating events', async () => {
    const start = await core.listNamespacedConfigMap({ namespace: 'default' });
    const rec = recorder();
    const watch = new Watch(kc);
    let done: unknown = 'open';
    const first = await watch.watch('/api/v1/namespaces/default/configmaps', { resourceVersion: start.metadata!.resourceVersion!, allowWatchBookmarks: true }, (type, obj) => rec.push(type, obj), (err) => (done = err));
    await core.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name: 'w1' } } });
    await rec.until(() => rec.events.some((e) => e.type === 'ADDED' && e.name === 'w1'));
    first.abort();
    const lastRv = rec.events.at(-1)!.rv;

    // Changes made while no one is watching are delivered on resume, in order, once.
    await core.patchNamespacedConfigMap({ namespace: 'default', name: 'w1', body: { data: { a: 'b' } } }, setHeaderOptions('Content-Type', PatchStrategy.MergePatch));
    await core.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name: 'w2' } } });
    await core.deleteNamespacedConfigMap({ namespace: 'default', name: 'w1' });

    const resumed = recorder();
    const second = await watch.watch('/api/v1/namespaces/default/configmaps', { resourceVersion: lastRv }, (type, obj) => resumed.push(type, obj), () => {});
    await resumed.until(() => resumed.events.length >= 3);
    second.abort();
    expect(resumed.events.map((e) => `${e.type} ${e.name}`)).toEqual(['MODIFIED w1', 'ADDED w2', 'DELETED w1']);
    const rvs = resumed.events.map((e) => BigInt(e.rv));
    expect(rvs.every((rv, i) => i === 0 || rv > rvs[i - 1])).toBe(true);
    expect(rvs[0] > BigInt(lastRv)).toBe(true);
    expect(done).toBeDefined();
  });

  it('an informer-style list+watch from resourceVersion 0 sees current objects as ADDED', async () => {
    const rec = recorder();
    const w = await new Watch(kc).watch('/api/v1/namespaces/default/configmaps', { resourceVersion: '0', labelSelector: 'team=a' }, (type, obj: V1ConfigMap) => rec.push(type, obj), () => {});
    await rec.until(() => rec.events.some((e) => e.name === 'one'));
    w.abort();
    expect(rec.events.map((e) => e.type)).toEqual(['ADDED']);
  });

  it('a watch with a selector sees an object that leaves it as DELETED, one that enters as ADDED, and nothing of the rest', async () => {
    const start = await core.listNamespacedConfigMap({ namespace: 'default' });
    await core.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name: 'mover', labels: { tier: 'web' } } } });
    await core.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name: 'bystander', labels: { tier: 'db' } } } });
    const label = (name: string, tier: string) => core.patchNamespacedConfigMap({ namespace: 'default', name, body: { metadata: { labels: { tier } } } }, setHeaderOptions('Content-Type', PatchStrategy.MergePatch));
    const left = await label('mover', 'db');
    await core.patchNamespacedConfigMap({ namespace: 'default', name: 'bystander', body: { data: { x: '1' } } }, setHeaderOptions('Content-Type', PatchStrategy.MergePatch));
    const back = await label('mover', 'web');

    // From before the first create: the whole history, replayed from the change log.
    const seen: { type: string; tier?: string; rv: string }[] = [];
    const rec = recorder();
    const w = await new Watch(kc).watch('/api/v1/namespaces/default/configmaps', { resourceVersion: start.metadata!.resourceVersion!, labelSelector: 'tier=web' }, (type, obj: V1ConfigMap) => {
      seen.push({ type, tier: obj.metadata?.labels?.tier, rv: obj.metadata!.resourceVersion! });
      rec.push(type, obj);
    }, () => {});
    await rec.until(() => rec.events.length >= 3);
    // And live: leaving the selector once more.
    const again = await label('mover', 'cache');
    await rec.until(() => rec.events.length >= 4);
    w.abort();
    expect(seen.map((e) => e.type)).toEqual(['ADDED', 'DELETED', 'ADDED', 'DELETED']);
    // DELETED carries the object as it was (still matching), at the resourceVersion of the change.
    expect(seen[1]).toEqual({ type: 'DELETED', tier: 'web', rv: left.metadata!.resourceVersion });
    expect(seen[2].rv).toBe(back.metadata!.resourceVersion);
    expect(seen[3]).toEqual({ type: 'DELETED', tier: 'web', rv: again.metadata!.resourceVersion });
    expect(rec.events.every((e) => e.name === 'mover')).toBe(true);
  });
});
