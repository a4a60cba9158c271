import { describe, expect, it } from 'vitest';
import { api, useTestServer } from './harness.js';

const PODS = '/api/v1/namespaces/default/pods';

function pod(name: string, extra: Record<string, unknown> = {}) {
  return { apiVersion: 'v1', kind: 'Pod', metadata: { name }, spec: { containers: [{ name: 'main', image: 'busybox:1' }], ...extra } };
}

describe('RuntimeClass admission in a cluster without RuntimeClasses', () => {
  const t = useTestServer();
  const call: ReturnType<typeof api> = (...args) => t.call(...args);

  it('refuses a pod naming a RuntimeClass as kube-apiserver refuses one naming a missing RuntimeClass, and stores nothing', async () => {
    const res = await call('POST', PODS, pod('sandboxed', { runtimeClassName: 'gvisor' }));
    expect(res.status).toBe(403);
    expect(res.json).toEqual({
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: 'pods "sandboxed" is forbidden: pod rejected: RuntimeClass "gvisor" not found',
      reason: 'Forbidden',
      details: { name: 'sandboxed', kind: 'pods' },
      code: 403,
    });
    expect((await call('GET', `${PODS}/sandboxed`)).status).toBe(404);
    // A dry run is refused alike.
    expect((await call('POST', `${PODS}?dryRun=All`, pod('sandboxed', { runtimeClassName: 'gvisor' }))).status).toBe(403);
  });

  it('refuses a pod overhead set by hand, which only a RuntimeClass may set', async () => {
    const res = await call('POST', PODS, pod('heavy', { overhead: { cpu: '250m' } }));
    expect(res.status).toBe(403);
    expect(res.json.message).toBe('pods "heavy" is forbidden: pod rejected: Pod Overhead set without corresponding RuntimeClass defined Overhead');
  });

  it('admits a pod without either', async () => {
    expect((await call('POST', PODS, pod('plain'))).status).toBe(201);
  });
});
