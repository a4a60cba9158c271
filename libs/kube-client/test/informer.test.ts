import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConflictError, NotFoundError, type KubeObject } from '@skiff/apimachinery';
import { ApiClient, Informer, resourceType } from '../src/index.js';
import { ADMIN_TOKEN, createBackend, startTestServer, type TestBackend } from '../../../apps/apiserver/test/harness.js';

const CM = resourceType('configmaps');

async function until(what: string, test: () => boolean, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!test()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('ApiClient and Informer against a real API server', () => {
  let backend: TestBackend;
  let server: Awaited<ReturnType<typeof startTestServer>>;
  let client: ApiClient;

  beforeAll(async () => {
    backend = await createBackend('postgres');
    server = await startTestServer(backend, { compactKeepMs: 0, compactIntervalMs: 3_600_000 });
    client = new ApiClient({ server: server.url, token: ADMIN_TOKEN });
  });
  afterAll(async () => {
    await server?.close();
    await backend?.dispose();
  });

  it('maps failures to typed errors', async () => {
    await expect(client.get(CM, 'default', 'missing')).rejects.toBeInstanceOf(NotFoundError);
    const created = await client.create(CM, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'typed', namespace: 'default' } });
    await client.update(CM, { ...created, data: { a: '1' } });
    await expect(client.update(CM, { ...created, data: { a: '2' } })).rejects.toBeInstanceOf(ConflictError);
  });

  it('keeps a cache through list, watch, and a relist after the log was compacted', async () => {
    const events: string[] = [];
    const informer = new Informer(client, CM, {
      onAdd: (o: KubeObject) => events.push(`add ${o.metadata.name}`),
      onUpdate: (o: KubeObject) => events.push(`update ${o.metadata.name}`),
      onDelete: (o: KubeObject) => events.push(`delete ${o.metadata.name}`),
    }, { namespace: 'default' });
    informer.start();
    await informer.waitForSync();
    expect(informer.get('default/typed')).toBeDefined();
    await client.create(CM, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'live', namespace: 'default' } });
    await until('the watch to deliver the new object', () => informer.get('default/live') !== undefined);
    await client.delete(CM, 'default', 'typed');
    await until('the delete', () => informer.get('default/typed') === undefined);
    expect(events).toContain('delete typed');
    informer.stop();
  });

  it('keeps its indexes in step with adds, updates that move an object, and deletes', async () => {
    const informer = new Informer(client, CM, {}, { indexers: { colour: (o) => (o.data as { colour?: string } | undefined)?.colour ? [(o.data as { colour: string }).colour] : [] } });
    await client.create(CM, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'idx-a', namespace: 'default' }, data: { colour: 'red' } });
    informer.start();
    await informer.waitForSync();
    expect(informer.byIndex('colour', 'red').map((o) => o.metadata.name)).toEqual(['idx-a']);
    const b = await client.create(CM, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'idx-b', namespace: 'kube-system' }, data: { colour: 'red' } });
    await until('idx-b indexed', () => informer.byIndex('colour', 'red').length === 2);
    expect(informer.byIndex('namespace', 'kube-system').map((o) => o.metadata.name)).toContain('idx-b');
    await client.update(CM, { ...b, data: { colour: 'blue' } });
    await until('idx-b moved to blue', () => informer.byIndex('colour', 'blue').length === 1);
    expect(informer.byIndex('colour', 'red').map((o) => o.metadata.name)).toEqual(['idx-a']);
    await client.delete(CM, 'default', 'idx-a');
    await until('idx-a gone from the index', () => informer.byIndex('colour', 'red').length === 0);
    expect(() => informer.byIndex('size', 'big')).toThrow(/no index size/);
    informer.stop();
  });
});
