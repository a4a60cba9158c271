import { describe, expect, it } from 'vitest';
import type { KubeObject } from '@skiff/apimachinery';
import { ADMIN_TOKEN, api, configMap, jsonLines, startTestServer, useKubectlServer, useTestServer } from './harness.js';

const CM = '/api/v1/namespaces/default/configmaps';
const cmKey = (name: string) => ({ group: '', resource: 'configmaps', namespace: 'default', name });
const podKey = (name: string) => ({ group: '', resource: 'pods', namespace: 'default', name });

function pod(name: string, nodeName: string): KubeObject {
  return { apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'default' }, spec: { nodeName, containers: [{ name: 'c', image: 'busybox' }] } };
}

/** name -> resourceVersion of a list's items: what two reads of one state agree on. */
function versions(items: KubeObject[]): Record<string, string> {
  return Object.fromEntries(items.map((o) => [o.metadata.name!, o.metadata.resourceVersion!]));
}

async function until(what: string, test: () => boolean | Promise<boolean>, ms = 30_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await test())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Every page of a list, following continue tokens, with a hook run between pages. */
async function allPages(call: ReturnType<typeof api>, path: string, limit: number, between: (page: number) => Promise<void> = async () => {}) {
  const items: KubeObject[] = [];
  const versionsSeen: string[] = [];
  let token: string | undefined;
  for (let page = 0; ; page++) {
    const res = await call('GET', `${path}?limit=${limit}${token ? `&continue=${encodeURIComponent(token)}` : ''}`);
    if (res.status !== 200) return { status: res.status, json: res.json, items, versionsSeen };
    items.push(...res.json.items);
    versionsSeen.push(res.json.metadata.resourceVersion);
    token = res.json.metadata.continue;
    if (!token) return { status: 200, json: res.json, items, versionsSeen };
    await between(page);
  }
}

/** A list, then a watch from its resourceVersion, folded into name -> resourceVersion as events arrive. */
async function observe(server: { url: string }, path: string) {
  const call = api(server);
  const list = await call('GET', path);
  const state = new Map<string, string>(list.json.items.map((o: KubeObject) => [o.metadata.name, o.metadata.resourceVersion]));
  const errors: unknown[] = [];
  const controller = new AbortController();
  const res = await fetch(`${server.url}${path}?watch=1&resourceVersion=${list.json.metadata.resourceVersion}`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` }, signal: controller.signal });
  void (async () => {
    for await (const ev of jsonLines(res.body as unknown as AsyncIterable<Uint8Array>)) {
      if (ev.type === 'ERROR') errors.push(ev.object);
      else if (ev.type === 'DELETED') state.delete(ev.object.metadata.name);
      else state.set(ev.object.metadata.name, ev.object.metadata.resourceVersion);
    }
  })().catch(() => {});
  return { state, errors, close: () => controller.abort() };
}

describe('lists from the watch cache', () => {
  const t = useTestServer();

  it('an unset resourceVersion is a consistent read: a list right after a write sees it', async () => {
    for (let i = 0; i < 20; i++) {
      const created = await t.call('POST', CM, configMap(`ryw-${i}`));
      expect(created.status).toBe(201);
      const list = await t.call('GET', CM);
      expect(list.json.items.map((o: KubeObject) => o.metadata.name)).toContain(`ryw-${i}`);
      expect(BigInt(list.json.metadata.resourceVersion)).toBeGreaterThanOrEqual(BigInt(created.json.metadata.resourceVersion));
    }
  });

  it('a GET is served from the cache at a consistent resourceVersion: it sees a write made just before it, here or on another API server', async () => {
    // The cache holds configmaps once they are listed; from then on GETs read it.
    await t.call('GET', CM);
    const other = await startTestServer(t.backend);
    try {
      const call2 = api(other);
      await call2('GET', CM);
      for (let i = 0; i < 20; i++) {
        const created = await t.call('POST', CM, configMap(`get-${i}`, { n: String(i) }));
        expect(created.status).toBe(201);
        const here = await t.call('GET', `${CM}/get-${i}`);
        expect(here.json.metadata.resourceVersion).toBe(created.json.metadata.resourceVersion);
        const updated = await t.call('PUT', `${CM}/get-${i}`, configMap(`get-${i}`, { n: 'changed' }));
        // The other server's cache learns of the write only from the log: the GET waits for it.
        const there = await call2('GET', `${CM}/get-${i}`);
        expect(there.status).toBe(200);
        expect(there.json.data).toEqual({ n: 'changed' });
        expect(there.json.metadata.resourceVersion).toBe(updated.json.metadata.resourceVersion);
        // Not older than N: at least N, from either server.
        const notOlder = await call2('GET', `${CM}/get-${i}?resourceVersion=${updated.json.metadata.resourceVersion}`);
        expect(notOlder.json.metadata.resourceVersion).toBe(updated.json.metadata.resourceVersion);
        expect((await t.call('DELETE', `${CM}/get-${i}`)).status).toBe(200);
        expect((await call2('GET', `${CM}/get-${i}`)).status).toBe(404);
      }
    } finally {
      await other.close();
    }
  });

  it('resourceVersion 0, NotOlderThan and Exact each read the state Kubernetes promises', async () => {
    await t.call('POST', CM, configMap('x-a'));
    await t.call('POST', CM, configMap('x-b'));
    const before = await t.call('GET', `${CM}?labelSelector=`);
    const rv = before.json.metadata.resourceVersion;
    await t.call('PUT', `${CM}/x-a`, configMap('x-a', { a: '2' }));
    await t.call('DELETE', `${CM}/x-b`);
    const created = await t.call('POST', CM, configMap('x-c'));

    const exact = await t.call('GET', `${CM}?resourceVersion=${rv}&resourceVersionMatch=Exact`);
    expect(exact.status).toBe(200);
    expect(exact.json.metadata.resourceVersion).toBe(rv);
    expect(versions(exact.json.items)).toEqual(versions(before.json.items));

    const newer = await t.call('GET', `${CM}?resourceVersion=${created.json.metadata.resourceVersion}&resourceVersionMatch=NotOlderThan`);
    expect(newer.json.items.map((o: KubeObject) => o.metadata.name)).toContain('x-c');
    expect(newer.json.items.map((o: KubeObject) => o.metadata.name)).not.toContain('x-b');

    await until('resourceVersion 0 to show the last write', async () => {
      const any = await t.call('GET', `${CM}?resourceVersion=0`);
      return any.json.items.some((o: KubeObject) => o.metadata.name === 'x-c');
    });
    const got = await t.call('GET', `${CM}/x-a?resourceVersion=0`);
    expect(got.json.data).toEqual({ a: '2' });
    expect((await t.call('GET', `${CM}/x-b?resourceVersion=0`)).status).toBe(404);
  });

  it('pages continue at their first page\'s resourceVersion while writes happen, even across compaction', async () => {
    for (let i = 0; i < 30; i++) await t.server.store.create(cmKey(`page-${String(i).padStart(2, '0')}`), configMap(`page-${String(i).padStart(2, '0')}`));
    const snapshot = await t.call('GET', CM);
    const paged = await allPages(t.call, CM, 10, async (page) => {
      await t.call('DELETE', `${CM}/page-29`).catch(() => {});
      await t.call('PUT', `${CM}/page-2${page}`, configMap(`page-2${page}`, { a: `page ${page}` }));
      await t.call('POST', CM, configMap(`page-zz-${page}`));
      await t.server.store.compact(0);
    });
    expect(paged.status).toBe(200);
    expect(new Set(paged.versionsSeen).size).toBe(1);
    const exact = await t.call('GET', `${CM}?resourceVersion=${paged.versionsSeen[0]}&resourceVersionMatch=Exact`);
    expect(versions(paged.items)).toEqual(versions(exact.json.items));
    expect(Object.keys(versions(paged.items)).sort()).toEqual(Object.keys(versions(snapshot.json.items)).sort());
    expect(paged.items.map((o) => o.metadata.name)).not.toContain('page-zz-0');
  });

  it('a field selector on spec.nodeName lists from the index, and follows a pod that moves', async () => {
    for (let i = 0; i < 12; i++) await t.server.store.create(podKey(`p-${i}`), pod(`p-${i}`, `node-${i % 3}`));
    const onNode1 = await t.call('GET', '/api/v1/pods?fieldSelector=spec.nodeName%3Dnode-1');
    expect(onNode1.json.items.map((o: KubeObject) => o.metadata.name).sort()).toEqual(['p-1', 'p-10', 'p-4', 'p-7']);
    const moved = (await t.server.store.get(podKey('p-4')))!;
    await t.server.store.update(podKey('p-4'), { ...moved, spec: { ...(moved.spec as object), nodeName: 'node-2' } });
    const after = await t.call('GET', '/api/v1/namespaces/default/pods?fieldSelector=spec.nodeName%3Dnode-1');
    expect(after.json.items.map((o: KubeObject) => o.metadata.name).sort()).toEqual(['p-1', 'p-10', 'p-7']);
    const exactBefore = await t.call('GET', `/api/v1/pods?fieldSelector=spec.nodeName%3Dnode-1&resourceVersion=${onNode1.json.metadata.resourceVersion}&resourceVersionMatch=Exact`);
    expect(exactBefore.json.items.map((o: KubeObject) => o.metadata.name).sort()).toEqual(['p-1', 'p-10', 'p-4', 'p-7']);
    const metrics = await t.call('GET', '/metrics');
    expect(metrics.text).toMatch(/apiserver_watch_cache_objects\{group="",resource="pods"\} 12/);
  });

  it('a watch started from a list\'s resourceVersion misses no event while 2,000 writes race it', async () => {
    const names = Array.from({ length: 100 }, (_, i) => `race-${i}`);
    for (const name of names) await t.server.store.create(cmKey(name), configMap(name, { v: '0' }));
    let done = 0;
    const observers: Awaited<ReturnType<typeof observe>>[] = [];
    const writer = async (w: number) => {
      for (let n = 0; n < 500; n++) {
        const name = names[(n * 4 + w) % names.length];
        const res = await t.call('PATCH', `${CM}/${name}`, { data: { v: `${w}-${n}` } }, 'application/merge-patch+json');
        expect(res.status).toBe(200);
        if (n % 100 === 50) await t.call('POST', CM, configMap(`race-new-${w}-${n}`));
        if (n % 100 === 99) await t.call('DELETE', `${CM}/race-new-${w}-${n - 49}`);
        done++;
      }
    };
    const watchers = (async () => {
      for (let k = 1; k <= 8; k++) {
        await until(`${k * 200} writes`, () => done >= k * 200, 120_000);
        observers.push(await observe(t.server, CM));
      }
    })();
    await Promise.all([0, 1, 2, 3].map(writer));
    await watchers;
    const final = versions((await t.server.store.list({ group: '', resource: 'configmaps', namespace: 'default' })).items);
    try {
      for (const o of observers) {
        await until('every watcher to reach the final state', () => JSON.stringify(Object.fromEntries([...o.state].sort())) === JSON.stringify(Object.fromEntries(Object.entries(final).sort())));
        expect(o.errors).toEqual([]);
      }
    } finally {
      for (const o of observers) o.close();
    }
  }, 180_000);

  it('a second API server on the same database reads the first one\'s writes, lists and watches alike', async () => {
    const other = await startTestServer(t.backend);
    try {
      const call2 = api(other);
      const watched = await observe(other, CM);
      for (let i = 0; i < 10; i++) {
        const created = await t.call('POST', CM, configMap(`two-${i}`));
        const list = await call2('GET', CM);
        expect(list.json.items.map((o: KubeObject) => o.metadata.name)).toContain(`two-${i}`);
        await until('the other server\'s watch to see it', () => watched.state.get(`two-${i}`) === created.json.metadata.resourceVersion);
      }
      watched.close();
    } finally {
      await other.close();
    }
  });
});

describe('the watch cache\'s window', () => {
  const t = useTestServer({ watchCacheEvents: 5 });

  it('a continue or exact read older than the window is 410 Expired; a watch from there still reads the log', async () => {
    for (let i = 0; i < 6; i++) await t.server.store.create(cmKey(`w-${i}`), configMap(`w-${i}`));
    const first = await t.call('GET', `${CM}?limit=2`);
    const rv = first.json.metadata.resourceVersion;
    for (let i = 0; i < 6; i++) await t.call('PUT', `${CM}/w-${i}`, configMap(`w-${i}`, { a: 'later' }));
    // A consistent read waits for the cache to apply those writes, which pushes `rv` out of its window.
    await t.call('GET', CM);
    const next = await t.call('GET', `${CM}?limit=2&continue=${encodeURIComponent(first.json.metadata.continue)}`);
    expect(next.status).toBe(410);
    expect(next.json).toMatchObject({ reason: 'Expired', message: expect.stringContaining('The provided continue parameter is too old') });
    expect((await t.call('GET', `${CM}?resourceVersion=${rv}&resourceVersionMatch=Exact`)).status).toBe(410);

    const replay = await fetch(`${t.server.url}${CM}?watch=1&resourceVersion=${rv}&timeoutSeconds=1`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
    const events: any[] = [];
    for await (const ev of jsonLines(replay.body as unknown as AsyncIterable<Uint8Array>)) events.push(ev);
    expect(events.map((e) => `${e.type} ${e.object.metadata.name}`)).toEqual([0, 1, 2, 3, 4, 5].map((i) => `MODIFIED w-${i}`));

    await t.server.store.compact(0);
    const gone = await fetch(`${t.server.url}${CM}?watch=1&resourceVersion=${rv}&timeoutSeconds=1`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
    const goneEvents: any[] = [];
    for await (const ev of jsonLines(gone.body as unknown as AsyncIterable<Uint8Array>)) goneEvents.push(ev);
    expect(goneEvents).toMatchObject([{ type: 'ERROR', object: { code: 410, reason: 'Expired' } }]);
  });
});

describe('kubectl over the watch cache', () => {
  const k = useKubectlServer('skiff-wcache-');

  it('kubectl get pods --chunk-size=50 lists all 500 pods page by page', async () => {
    for (let i = 0; i < 500; i++) await k.server.store.create(podKey(`chunk-${i}`), pod(`chunk-${i}`, 'node-a'));
    const res = await k.run(['get', 'pods', '--chunk-size=50', '-o', 'name']);
    expect(res.code, res.out).toBe(0);
    const names = res.stdout.trim().split('\n');
    expect(names.length).toBe(500);
    expect(new Set(names).size).toBe(500);
    const table = await k.run(['get', 'pods', '--chunk-size=50', '--no-headers']);
    expect(table.stdout.trim().split('\n').length).toBe(500);
  }, 120_000);
});
