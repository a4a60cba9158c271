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
});
