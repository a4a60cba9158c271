import { afterEach, describe, expect, it } from 'vitest';
import { api, configMap, createBackend, deployment, readWatch, startTestServer, type Backend, type TestBackend } from './harness.js';
import type { RunningApiServer } from '../src/index.js';

describe.each<Backend>(['postgres', 'pglite'])('restarting the API server (%s)', (kind) => {
  let backend: TestBackend | undefined;
  let server: RunningApiServer | undefined;

  afterEach(async () => {
    await server?.close();
    await backend?.dispose();
    server = undefined;
    backend = undefined;
  });

  it('keeps every object, and a watch resumes from its resourceVersion across the restart', async () => {
    backend = await createBackend(kind);
    server = await startTestServer(backend);
    let call = api(server);
    for (let i = 0; i < 20; i++) expect((await call('POST', '/api/v1/namespaces/default/configmaps', configMap(`cm-${i}`, { i: String(i) }))).status).toBe(201);
    expect((await call('POST', '/apis/apps/v1/namespaces/default/deployments', deployment('web', 3))).status).toBe(201);
    const before = await call('GET', '/api/v1/configmaps');
    const rvBefore = before.json.metadata.resourceVersion as string;
    await server.close();

    server = await startTestServer(backend);
    call = api(server);
    const after = await call('GET', '/api/v1/configmaps');
    expect(after.json.items).toEqual(before.json.items);
    expect((await call('GET', '/apis/apps/v1/namespaces/default/deployments/web')).json.spec.replicas).toBe(3);

    // A change after the restart reaches a watch resumed from the pre-restart version.
    const events = readWatch(`${server.url}/api/v1/namespaces/default/configmaps?watch=1&resourceVersion=${rvBefore}`, 1);
    const updated = await call('PATCH', '/api/v1/namespaces/default/configmaps/cm-3', { data: { i: 'changed' } }, 'application/merge-patch+json');
    expect(updated.status).toBe(200);
    const [event] = await events;
    expect(event.type).toBe('MODIFIED');
    expect(event.object.metadata.name).toBe('cm-3');
    expect(BigInt(event.object.metadata.resourceVersion) > BigInt(rvBefore)).toBe(true);
  });

  it('a watch from a compacted resourceVersion gets an ERROR event with 410 Expired', async () => {
    backend = await createBackend(kind);
    server = await startTestServer(backend, { compactKeepMs: 0, compactIntervalMs: 3_600_000 });
    const call = api(server);
    const first = await call('POST', '/api/v1/namespaces/default/configmaps', configMap('old'));
    const oldRv = first.json.metadata.resourceVersion as string;
    for (let i = 0; i < 3; i++) await call('POST', '/api/v1/namespaces/default/configmaps', configMap(`newer-${i}`));
    await server.store.compact(0);
    const events = await readWatch(`${server.url}/api/v1/namespaces/default/configmaps?watch=1&resourceVersion=${oldRv}`, 1);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ type: 'ERROR', object: { kind: 'Status', code: 410, reason: 'Expired' } });
  });
});
