import { afterEach, describe, expect, it } from 'vitest';
import type { KubeObject } from '@skiff/apimachinery';
import { openStore } from '../src/index.js';
import { RecentWrites } from '../src/recentWrites.js';
import { createBackend, type TestBackend } from './backends.js';
import { configMap, configMapKey } from './builders.js';

const at = (rv: number): KubeObject => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `cm-${rv}`, resourceVersion: String(rv) } });

describe('RecentWrites', () => {
  it('answers the objects written after a version, oldest first, keeping only the newest', () => {
    const w = new RecentWrites(4);
    for (const rv of [3, 5, 6, 4, 8, 9, 10]) w.add(at(rv)); // 4 came out of order: a no-op update's old version
    expect(w.size).toBe(4);
    expect([...w.after(0n).keys()]).toEqual(['6', '8', '9', '10']);
    expect([...w.after(8n).keys()]).toEqual(['9', '10']);
    expect([...w.after(6n, 2).keys()]).toEqual(['8', '9']);
    expect(w.after(10n).size).toBe(0);
    for (let rv = 11; rv < 100; rv++) w.add(at(rv));
    expect([...w.after(0n).keys()]).toEqual(['96', '97', '98', '99']);
  });
});

describe('the change log read back by the store that wrote it (postgres)', () => {
  let backend: TestBackend | undefined;
  afterEach(async () => {
    await backend?.dispose();
    backend = undefined;
  });

  it("carries the written objects themselves for this store's writes, and the log's for another's", async () => {
    backend = await createBackend('postgres');
    const a = await openStore(backend.location);
    const b = await openStore(backend.location);
    try {
      const created = await a.create(configMapKey('mine'), configMap('mine', { v: '1' }));
      const theirs = await b.create(configMapKey('theirs'), configMap('theirs', { v: '2' }));
      const updated = await a.update(configMapKey('mine'), { ...created, data: { v: '3' } }, { resourceVersion: created.metadata.resourceVersion });
      const deleted = await a.delete(configMapKey('theirs'));

      const seenByA = await a.changesSince('0');
      const seenByB = await b.changesSince('0');
      // Both read the same log...
      expect(seenByA).toEqual(seenByB);
      expect(seenByA.map((c) => [c.type, c.key.name, c.resourceVersion])).toEqual([
        ['ADDED', 'mine', created.metadata.resourceVersion],
        ['ADDED', 'theirs', theirs.metadata.resourceVersion],
        ['MODIFIED', 'mine', updated.metadata.resourceVersion],
        ['DELETED', 'theirs', deleted.metadata.resourceVersion],
      ]);
      // ... but A's own writes come from memory (the very objects its writes answered), not the log.
      expect(seenByA[0].object).toBe(created);
      expect(seenByA[2].object).toBe(updated);
      expect(seenByA[3].object).toBe(deleted);
      expect(seenByA[1].object).not.toBe(theirs);
      expect(seenByA[1].object).toEqual(theirs);
      expect(seenByB[1].object).toBe(theirs);
      // Shared with every reader of the log: frozen under the tests, so no caller can change them.
      expect(Object.isFrozen(created.data)).toBe(true);
      // A read from the middle, and with previous objects, still line up.
      const tail = await a.changesSince(created.metadata.resourceVersion!, { withPrevious: true }, 2);
      expect(tail.map((c) => c.resourceVersion)).toEqual([theirs.metadata.resourceVersion, updated.metadata.resourceVersion]);
      expect(tail[1].prevObject).toEqual(created);
    } finally {
      await a.close();
      await b.close();
    }
  });
});
