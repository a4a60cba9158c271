import { describe, expect, it } from 'vitest';
import { parseFieldSelector, parseLabelSelector, type KubeObject } from '@skiff/apimachinery';
import type { Change } from '@skiff/store';
import { ResourceCache } from './resourceCache.js';

function pod(name: string, rv: number, nodeName = '', namespace = 'default', labels: Record<string, string> = {}): KubeObject {
  return { apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace, resourceVersion: String(rv), labels }, spec: { nodeName } };
}

function change(type: Change['type'], obj: KubeObject): Change {
  const { namespace, name, resourceVersion } = obj.metadata;
  return { type, resourceVersion: resourceVersion!, key: { group: '', resource: 'pods', namespace: namespace ?? '', name: name! }, object: obj };
}

/** a@1 b@2 (node-1), c@3 (node-2) in default, d@4 in other; then b moves to node-2 (5), c is deleted (6), e is created on node-1 (7). */
function history(windowCapacity = 100): ResourceCache {
  const cache = new ResourceCache(['spec.nodeName'], windowCapacity);
  cache.reset([pod('a', 1, 'node-1', 'default', { app: 'x' }), pod('b', 2, 'node-1'), pod('c', 3, 'node-2'), pod('d', 4, 'node-1', 'other')], 4n);
  cache.apply(change('MODIFIED', pod('b', 5, 'node-2')));
  cache.apply(change('DELETED', pod('c', 6, 'node-2')));
  cache.apply(change('ADDED', pod('e', 7, 'node-1')));
  return cache;
}

const names = (items: KubeObject[]) => items.map((o) => `${o.metadata.namespace}/${o.metadata.name}@${o.metadata.resourceVersion}`);

describe('ResourceCache.select', () => {
  it.each([
    { what: 'everything now', at: 7n, sel: {}, want: ['default/a@1', 'default/b@5', 'default/e@7', 'other/d@4'] },
    { what: 'everything at the fill', at: 4n, sel: {}, want: ['default/a@1', 'default/b@2', 'default/c@3', 'other/d@4'] },
    { what: 'between the delete and the create', at: 6n, sel: {}, want: ['default/a@1', 'default/b@5', 'other/d@4'] },
    { what: 'one namespace, now', at: 7n, sel: { namespace: 'other' }, want: ['other/d@4'] },
    { what: 'node-1 now (index)', at: 7n, sel: { fields: parseFieldSelector('spec.nodeName=node-1') }, want: ['default/a@1', 'default/e@7', 'other/d@4'] },
    { what: 'node-1 before b moved away (index + undone change)', at: 4n, sel: { fields: parseFieldSelector('spec.nodeName=node-1') }, want: ['default/a@1', 'default/b@2', 'other/d@4'] },
    { what: 'node-2 before c was deleted', at: 5n, sel: { fields: parseFieldSelector('spec.nodeName=node-2') }, want: ['default/b@5', 'default/c@3'] },
    { what: 'a label selector', at: 7n, sel: { labels: parseLabelSelector('app=x') }, want: ['default/a@1'] },
    { what: 'after a key', at: 4n, sel: { after: 'default\u0000b' }, want: ['default/c@3', 'other/d@4'] },
  ])('$what', ({ at, sel, want }) => {
    expect(names(history().select({ at, ...sel }).items)).toEqual(want);
  });

  it('pages carry the last key and count what follows when no selector filters', () => {
    const cache = history();
    const first = cache.select({ at: 4n, limit: 2 });
    expect(names(first.items)).toEqual(['default/a@1', 'default/b@2']);
    expect(first).toMatchObject({ continueAfter: 'default\u0000b', remainingItemCount: 2 });
    const rest = cache.select({ at: 4n, limit: 2, after: first.continueAfter });
    expect(names(rest.items)).toEqual(['default/c@3', 'other/d@4']);
    expect(rest.continueAfter).toBeUndefined();
  });

  it('the window keeps its last changes; older versions are no longer covered', () => {
    const cache = history(2);
    expect(cache.windowSize).toBe(2);
    expect(cache.covers(4n)).toBe(false);
    expect(cache.covers(5n)).toBe(true);
    expect(names(cache.select({ at: 5n }).items)).toEqual(['default/a@1', 'default/b@5', 'default/c@3', 'other/d@4']);
  });
});

describe('ResourceCache.watch', () => {
  it('replays the window after its start, then follows live changes; a selector turns a move into ADDED/DELETED', () => {
    const cache = history();
    const seen: string[] = [];
    const handle = cache.watch({ type: { group: '', resource: 'pods' } as never, fields: parseFieldSelector('spec.nodeName=node-1') }, 4n, {
      send: (type, obj) => seen.push(`${type} ${obj.metadata.name}@${obj.metadata.resourceVersion}`),
    });
    cache.apply(change('MODIFIED', pod('a', 8, 'node-3')));
    cache.advance(9n);
    expect(seen).toEqual(['DELETED b@5', 'ADDED e@7', 'DELETED a@8']);
    expect(handle.resourceVersion()).toBe('9');
    handle.stop();
  });
});
