import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ListResult, Store } from '../src/types.js';
import { backendKinds, createBackend, type TestBackend } from './backends.js';
import { configMap, configMapKey, deployment, deploymentKey, namespace, namespaceKey } from './builders.js';

const names = (r: ListResult) => r.items.map((o) => `${o.metadata.namespace ?? ''}/${o.metadata.name}`);

describe.each(backendKinds)('list (%s)', (kind) => {
  let backend: TestBackend;
  let store: Store;

  beforeEach(async () => {
    backend = await createBackend(kind);
    store = await backend.open();
    // Created out of order, across namespaces, next to another resource and a cluster-scoped kind.
    for (const [ns, name] of [['b', 'cm-2'], ['a', 'cm-3'], ['b', 'cm-1'], ['a', 'cm-1'], ['c', 'cm-1'], ['a', 'cm-2']]) {
      await store.create(configMapKey(name, ns), configMap(name, { a: '1' }, ns));
    }
    await store.create(deploymentKey('cm-1', 'a'), deployment('cm-1', 1, 'a'));
    await store.create({ group: 'other', resource: 'configmaps', namespace: 'a', name: 'x' }, configMap('x', {}, 'a'));
    for (const ns of ['kube-system', 'default']) await store.create(namespaceKey(ns), namespace(ns));
  });
  afterEach(() => backend.dispose());

  it('lists one resource across all namespaces in (namespace, name) order, at the current resourceVersion', async () => {
    const all = await store.list({ group: '', resource: 'configmaps' });
    expect(names(all)).toEqual(['a/cm-1', 'a/cm-2', 'a/cm-3', 'b/cm-1', 'b/cm-2', 'c/cm-1']);
    expect(all.resourceVersion).toBe(await store.currentResourceVersion());
    expect(all.continueAfter).toBeUndefined();
    expect(all.remainingItemCount).toBeUndefined();
  });

  it('lists one namespace, and a namespace with nothing in it', async () => {
    expect(names(await store.list({ group: '', resource: 'configmaps', namespace: 'b' }))).toEqual(['b/cm-1', 'b/cm-2']);
    expect(names(await store.list({ group: 'apps', resource: 'deployments', namespace: 'a' }))).toEqual(['a/cm-1']);
    const none = await store.list({ group: '', resource: 'configmaps', namespace: 'zzz' });
    expect(none.items).toEqual([]);
    expect(none.resourceVersion).toBe(await store.currentResourceVersion());
  });

  it('lists cluster-scoped objects', async () => {
    expect(names(await store.list({ group: '', resource: 'namespaces' }))).toEqual(['/default', '/kube-system']);
    expect(names(await store.list({ group: '', resource: 'namespaces', namespace: '' }))).toEqual(['/default', '/kube-system']);
  });

  it('pages with limit and continueAfter, counting what remains', async () => {
    const pages: ListResult[] = [];
    let next: ListResult['continueAfter'];
    do {
      const page = await store.list({ group: '', resource: 'configmaps', limit: 4, continueAfter: next });
      pages.push(page);
      next = page.continueAfter;
    } while (next);
    expect(pages.map(names)).toEqual([['a/cm-1', 'a/cm-2', 'a/cm-3', 'b/cm-1'], ['b/cm-2', 'c/cm-1']]);
    expect(pages[0]).toMatchObject({ continueAfter: { namespace: 'b', name: 'cm-1' }, remainingItemCount: 2 });
    expect(pages[1].continueAfter).toBeUndefined();

    const inNamespace = await store.list({ group: '', resource: 'configmaps', namespace: 'a', limit: 2 });
    expect(names(inNamespace)).toEqual(['a/cm-1', 'a/cm-2']);
    expect(inNamespace).toMatchObject({ continueAfter: { namespace: 'a', name: 'cm-2' }, remainingItemCount: 1 });
    const rest = await store.list({ group: '', resource: 'configmaps', namespace: 'a', limit: 2, continueAfter: inNamespace.continueAfter });
    expect(names(rest)).toEqual(['a/cm-3']);
    expect(rest.continueAfter).toBeUndefined();

    // A page that ends exactly at the last item is not cut short.
    const exact = await store.list({ group: '', resource: 'configmaps', limit: 6 });
    expect(exact.items).toHaveLength(6);
    expect(exact.continueAfter).toBeUndefined();
  });

  it('is consistent with its resourceVersion: no item is newer, and a write after it is newer', async () => {
    const before = await store.list({ group: '', resource: 'configmaps' });
    for (const item of before.items) expect(BigInt(item.metadata.resourceVersion!)).toBeLessThanOrEqual(BigInt(before.resourceVersion));
    const created = await store.create(configMapKey('late', 'a'), configMap('late', {}, 'a'));
    expect(BigInt(created.metadata.resourceVersion!)).toBeGreaterThan(BigInt(before.resourceVersion));
    const after = await store.list({ group: '', resource: 'configmaps' });
    expect(after.resourceVersion).toBe(created.metadata.resourceVersion);
    expect(names(after)).toContain('a/late');
  });
});
