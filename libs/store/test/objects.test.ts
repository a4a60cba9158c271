import { AlreadyExistsError, ConflictError, NotFoundError, type KubeObject } from '@skiff/apimachinery';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Store } from '../src/types.js';
import { backendKinds, createBackend, type TestBackend } from './backends.js';
import { configMap, configMapKey, deployment, deploymentKey, namespace, namespaceKey } from './builders.js';

const rfc3339 = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/;

describe.each(backendKinds)('objects (%s)', (kind) => {
  let backend: TestBackend;
  let store: Store;

  beforeEach(async () => {
    backend = await createBackend(kind);
    store = await backend.open();
  });
  afterEach(() => backend.dispose());

  it('creates, gets, updates and deletes an object', async () => {
    const input = deployment('web', 1);
    const created = await store.create(deploymentKey('web'), input);
    expect(created.metadata).toMatchObject({ name: 'web', namespace: 'default', generation: 1 });
    expect(created.metadata.uid).toMatch(/^[0-9a-f-]{36}$/);
    expect(created.metadata.creationTimestamp).toMatch(rfc3339);
    expect(created.metadata.resourceVersion).toMatch(/^\d+$/);
    expect(input.metadata.uid).toBeUndefined(); // the caller's object is not modified
    expect(await store.get(deploymentKey('web'))).toEqual(created);

    const updated = await store.update(deploymentKey('web'), { ...created, spec: { ...(created.spec as object), replicas: 3 } });
    expect(BigInt(updated.metadata.resourceVersion!)).toBeGreaterThan(BigInt(created.metadata.resourceVersion!));
    expect(updated.spec).toMatchObject({ replicas: 3 });
    expect(await store.get(deploymentKey('web'))).toEqual(updated);

    const deleted = await store.delete(deploymentKey('web'));
    expect(BigInt(deleted.metadata.resourceVersion!)).toBeGreaterThan(BigInt(updated.metadata.resourceVersion!));
    expect(deleted.spec).toEqual(updated.spec);
    expect(await store.get(deploymentKey('web'))).toBeUndefined();
    expect(await store.currentResourceVersion()).toBe(deleted.metadata.resourceVersion);
  });

  it('answers concurrent gets (batched into shared statements) each with its own object', async () => {
    const names = Array.from({ length: 40 }, (_, i) => `cm-${i}`);
    const created = await Promise.all(names.map((n) => store.create(configMapKey(n), configMap(n))));
    const [got, missing, other] = await Promise.all([
      Promise.all(names.map((n) => store.get(configMapKey(n)))),
      Promise.all(names.map((n) => store.get(configMapKey(`${n}-missing`)))),
      Promise.all(names.map((n) => store.get({ ...configMapKey(n), namespace: 'other' }))),
    ]);
    expect(got).toEqual(created);
    expect(missing.every((o) => o === undefined)).toBe(true);
    expect(other.every((o) => o === undefined)).toBe(true);
  });

  it('keeps a uid and creationTimestamp given on create, and sets no generation without a spec', async () => {
    const created = await store.create(configMapKey('cm'), {
      ...configMap('cm'),
      metadata: { name: 'cm', namespace: 'default', uid: 'given-uid', creationTimestamp: '2026-01-02T03:04:05Z', generation: 7, resourceVersion: '999' },
    });
    expect(created.metadata.uid).toBe('given-uid');
    expect(created.metadata.creationTimestamp).toBe('2026-01-02T03:04:05Z');
    expect(created.metadata.generation).toBeUndefined();
    expect(created.metadata.resourceVersion).not.toBe('999');
  });

  it('stores cluster-scoped objects under the empty namespace', async () => {
    const created = await store.create(namespaceKey('team-a'), namespace('team-a'));
    expect(await store.get(namespaceKey('team-a'))).toEqual(created);
    expect(await store.get({ ...namespaceKey('team-a'), namespace: 'default' })).toBeUndefined();
  });

  describe('generation and the fields the store owns', () => {
    const change = (o: KubeObject, edit: (copy: any) => void): KubeObject => {
      const copy = structuredClone(o);
      edit(copy);
      return copy;
    };

    it.each<[string, number, (o: any) => void]>([
      ['spec changed', 2, (o) => (o.spec.replicas = 5)],
      ['spec key order changed only', 1, (o) => (o.spec = Object.fromEntries(Object.entries(o.spec).reverse()))],
      ['labels changed', 1, (o) => (o.metadata.labels = { app: 'web', tier: 'front' })],
      ['annotations and finalizers changed', 1, (o) => Object.assign(o.metadata, { annotations: { a: 'b' }, finalizers: ['x/y'] })],
      ['status changed', 1, (o) => (o.status = { replicas: 1 })],
      ['a top-level field beside spec added', 2, (o) => (o.extra = { x: 1 })],
    ])('%s -> generation %i', async (_what, generation, edit) => {
      const created = await store.create(deploymentKey('web'), deployment('web'));
      const updated = await store.update(deploymentKey('web'), change(created, edit));
      expect(updated.metadata.generation).toBe(generation);
    });

    it('keeps uid and creationTimestamp, and ignores a generation or resourceVersion the caller sends', async () => {
      const created = await store.create(deploymentKey('web'), deployment('web'));
      const updated = await store.update(
        deploymentKey('web'),
        change(created, (o) => {
          Object.assign(o.metadata, { uid: 'other', creationTimestamp: '2000-01-01T00:00:00Z', generation: 42, resourceVersion: '1' });
          o.spec.replicas = 2;
        }),
      );
      expect(updated.metadata).toMatchObject({ uid: created.metadata.uid, creationTimestamp: created.metadata.creationTimestamp, generation: 2 });
      expect(BigInt(updated.metadata.resourceVersion!)).toBeGreaterThan(BigInt(created.metadata.resourceVersion!));
    });

    it('keeps counting generations across updates and leaves kinds without a spec without one', async () => {
      let d = await store.create(deploymentKey('web'), deployment('web'));
      for (let replicas = 2; replicas <= 4; replicas++) d = await store.update(deploymentKey('web'), change(d, (o) => (o.spec.replicas = replicas)));
      expect(d.metadata.generation).toBe(4);
      const cm = await store.create(configMapKey('cm'), configMap('cm'));
      const cm2 = await store.update(configMapKey('cm'), change(cm, (o) => (o.data = { b: '2' })));
      expect(cm2.metadata.generation).toBeUndefined();
      expect(cm2.data).toEqual({ b: '2' });
    });

    it('treats an update that changes nothing as a no-op: same resourceVersion, no change logged', async () => {
      const created = await store.create(deploymentKey('web'), deployment('web'));
      const rv = await store.currentResourceVersion();
      const again = await store.update(deploymentKey('web'), change(created, (o) => delete o.metadata.resourceVersion));
      expect(again).toEqual(created);
      expect(await store.currentResourceVersion()).toBe(rv);
      expect(await store.changesSince(rv)).toEqual([]);
    });
  });

  describe('errors', () => {
    it('AlreadyExists on creating an existing key', async () => {
      await store.create(deploymentKey('web'), deployment('web'));
      const err = await store.create(deploymentKey('web'), deployment('web')).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(AlreadyExistsError);
      expect(err).toMatchObject({ code: 409, message: 'deployments.apps "web" already exists', details: { group: 'apps', kind: 'deployments', name: 'web' } });
    });

    it('NotFound on updating or deleting a missing object', async () => {
      await expect(store.update(configMapKey('nope'), configMap('nope'))).rejects.toThrow(new NotFoundError({ group: '', kind: 'configmaps', name: 'nope' }));
      const err = await store.delete(deploymentKey('nope')).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(NotFoundError);
      expect((err as Error).message).toBe('deployments.apps "nope" not found');
    });

    it('Conflict when the resourceVersion or uid precondition does not hold', async () => {
      const v1 = await store.create(deploymentKey('web'), deployment('web', 1));
      const v2 = await store.update(deploymentKey('web'), deployment('web', 2), { resourceVersion: v1.metadata.resourceVersion });
      const stale = await store.update(deploymentKey('web'), deployment('web', 3), { resourceVersion: v1.metadata.resourceVersion }).catch((e: unknown) => e);
      expect(stale).toBeInstanceOf(ConflictError);
      expect((stale as Error).message).toBe(
        'Operation cannot be fulfilled on deployments.apps "web": the object has been modified; please apply your changes to the latest version and try again',
      );
      const wrongUid = await store.delete(deploymentKey('web'), { uid: 'someone-else' }).catch((e: unknown) => e);
      expect(wrongUid).toBeInstanceOf(ConflictError);
      expect((wrongUid as Error).message).toContain(`Precondition failed: UID in precondition: someone-else, UID in object meta: ${v1.metadata.uid}`);
      await expect(store.delete(deploymentKey('web'), { resourceVersion: v1.metadata.resourceVersion })).rejects.toBeInstanceOf(ConflictError);
      await expect(store.update(deploymentKey('web'), deployment('web', 4), { uid: 'someone-else' })).rejects.toBeInstanceOf(ConflictError);
      expect(await store.get(deploymentKey('web'))).toEqual(v2);
      await store.delete(deploymentKey('web'), { uid: v2.metadata.uid, resourceVersion: v2.metadata.resourceVersion });
      expect(await store.get(deploymentKey('web'))).toBeUndefined();
    });
  });

  describe('a failed write leaves nothing behind', () => {
    it('a conflicting update or delete leaves the object, the change log and the resourceVersion unchanged', async () => {
      const v1 = await store.create(deploymentKey('web'), deployment('web', 1));
      const v2 = await store.update(deploymentKey('web'), deployment('web', 2));
      const rv = await store.currentResourceVersion();
      const log = await store.changesSince(v1.metadata.resourceVersion!);
      await expect(store.update(deploymentKey('web'), deployment('web', 9), { resourceVersion: v1.metadata.resourceVersion })).rejects.toBeInstanceOf(ConflictError);
      await expect(store.delete(deploymentKey('web'), { resourceVersion: v1.metadata.resourceVersion })).rejects.toBeInstanceOf(ConflictError);
      await expect(store.create(deploymentKey('web'), deployment('web', 9))).rejects.toBeInstanceOf(AlreadyExistsError);
      expect(await store.get(deploymentKey('web'))).toEqual(v2);
      expect(await store.currentResourceVersion()).toBe(rv);
      expect(await store.changesSince(v1.metadata.resourceVersion!)).toEqual(log);
    });

    it('a create that fails after taking a resourceVersion and writing the object rolls all of it back', async () => {
      const { store: s, db } = await backend.openWithDb();
      // Make the change-log insert, the last step of a write, fail for one name.
      await db.exec(`
        CREATE FUNCTION poison() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
          IF NEW.name = 'poison' THEN RAISE EXCEPTION 'poisoned change'; END IF;
          RETURN NEW;
        END $$;
        CREATE TRIGGER poison BEFORE INSERT ON changes FOR EACH ROW EXECUTE FUNCTION poison();`);
      const before = await s.currentResourceVersion();
      await expect(s.create(configMapKey('poison'), configMap('poison'))).rejects.toThrow('poisoned change');
      expect(await s.get(configMapKey('poison'))).toBeUndefined();
      expect(await s.currentResourceVersion()).toBe(before);

      // Written together with others (one batch), the bad write fails alone.
      const names = ['a', 'b', 'poison', 'c', 'd'];
      const results = await Promise.allSettled(names.map((n) => s.create(configMapKey(n), configMap(n))));
      expect(results.map((r) => r.status)).toEqual(['fulfilled', 'fulfilled', 'rejected', 'fulfilled', 'fulfilled']);
      expect(await s.get(configMapKey('poison'))).toBeUndefined();
      const log = await s.changesSince(before);
      expect(log.map((c) => c.key.name).sort()).toEqual(['a', 'b', 'c', 'd']);
      expect(log.map((c) => BigInt(c.resourceVersion))).toEqual([1n, 2n, 3n, 4n].map((i) => BigInt(before) + i));
      expect(await s.currentResourceVersion()).toBe(log[3].resourceVersion);
    });
  });
});
