import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningApiServer } from '../src/index.js';
import { ADMIN_TOKEN, api, createBackend, kubectlFor, selfSignedCert, startTestServer, type TestBackend } from './harness.js';

const PVCS = '/api/v1/namespaces/default/persistentvolumeclaims';
const PVS = '/api/v1/persistentvolumes';
const SCS = '/apis/storage.k8s.io/v1/storageclasses';

function claim(name: string, spec: Record<string, unknown> = {}) {
  return { apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } }, ...spec } };
}

function volume(name: string, spec: Record<string, unknown> = {}) {
  return { apiVersion: 'v1', kind: 'PersistentVolume', metadata: { name }, spec: { accessModes: ['ReadWriteOnce'], capacity: { storage: '2Gi' }, hostPath: { path: `/srv/${name}` }, ...spec } };
}

describe('the storage kinds', () => {
  let backend: TestBackend;
  let server: RunningApiServer;
  let dir: string;
  let call: ReturnType<typeof api>;
  let kubectl: ReturnType<typeof kubectlFor>;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'skiff-storage-'));
    const tls = selfSignedCert(dir);
    backend = await createBackend('postgres');
    server = await startTestServer(backend, { tls, tokens: { [ADMIN_TOKEN]: { name: 'admin', groups: ['system:masters'] }, 'node-a-token': { name: 'system:node:node-a', groups: ['system:nodes'] } } });
    kubectl = kubectlFor(dir, server, tls.cert);
    process.env.NODE_TLS_REJECT_UNAUTHORIZED = '0';
    call = api(server);
  });
  afterAll(async () => {
    await server?.close();
    await backend?.dispose();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('starts with the local-path class as the default', async () => {
    const sc = await call('GET', `${SCS}/local-path`);
    expect(sc.status).toBe(200);
    expect(sc.json).toMatchObject({
      metadata: { name: 'local-path', annotations: { 'storageclass.kubernetes.io/is-default-class': 'true' } },
      provisioner: 'skiff.dev/local-path',
      reclaimPolicy: 'Delete',
      volumeBindingMode: 'WaitForFirstConsumer',
    });
    const out = await kubectl(['get', 'sc']);
    expect(out.code).toBe(0);
    expect(out.stdout.split('\n')[0].split(/\s{2,}/)).toEqual(['NAME', 'PROVISIONER', 'RECLAIMPOLICY', 'VOLUMEBINDINGMODE', 'ALLOWVOLUMEEXPANSION', 'AGE']);
    expect(out.stdout).toMatch(/^local-path \(default\)\s+skiff\.dev\/local-path\s+Delete\s+WaitForFirstConsumer\s+false\s+/m);
  });

  it('gives a claim without a class the default one, leaves "" and a named class alone, and starts it Pending', async () => {
    const created = await call('POST', PVCS, claim('data'));
    expect(created.status).toBe(201);
    expect(created.json.spec).toMatchObject({ storageClassName: 'local-path', volumeMode: 'Filesystem' });
    expect(created.json.status).toEqual({ phase: 'Pending' });
    expect((await call('POST', PVCS, claim('classless', { storageClassName: '' }))).json.spec.storageClassName).toBe('');
    expect((await call('POST', PVCS, claim('fast', { storageClassName: 'fast' }))).json.spec.storageClassName).toBe('fast');
    const out = await kubectl(['get', 'pvc', 'data']);
    expect(out.stdout.split('\n')[0].split(/\s{2,}/)).toEqual(['NAME', 'STATUS', 'VOLUME', 'CAPACITY', 'ACCESS MODES', 'STORAGECLASS', 'VOLUMEATTRIBUTESCLASS', 'AGE']);
    expect(out.stdout).toMatch(/^data\s+Pending\s+local-path\s+<unset>\s+\d+s$/m);
  });

  it('refuses a claim without a storage request, and a change to a claim\'s spec', async () => {
    const bad = await call('POST', PVCS, claim('nosize', { resources: {} }));
    expect(bad.status).toBe(422);
    expect(bad.json.message).toBe('PersistentVolumeClaim "nosize" is invalid: spec.resources[storage]: Required value');
    const changed = await call('PATCH', `${PVCS}/data`, { spec: { accessModes: ['ReadWriteMany'] } }, 'application/merge-patch+json');
    expect(changed.status).toBe(422);
    expect(changed.json.message).toMatch(/^PersistentVolumeClaim "data" is invalid: spec: Forbidden: spec is immutable after creation except resources.requests and volumeAttributesClassName for bound claims/);
  });

  it('defaults a volume made by hand to Retain and prints it as kubectl does', async () => {
    const created = await call('POST', PVS, volume('manual'));
    expect(created.status).toBe(201);
    expect(created.json.spec).toMatchObject({ persistentVolumeReclaimPolicy: 'Retain', volumeMode: 'Filesystem' });
    expect(created.json.status).toEqual({ phase: 'Pending' });
    const out = await kubectl(['get', 'pv', '-o', 'wide']);
    expect(out.stdout.split('\n')[0].split(/\s{2,}/)).toEqual(['NAME', 'CAPACITY', 'ACCESS MODES', 'RECLAIM POLICY', 'STATUS', 'CLAIM', 'STORAGECLASS', 'VOLUMEATTRIBUTESCLASS', 'REASON', 'AGE', 'VOLUMEMODE']);
    expect(out.stdout).toMatch(/^manual\s+2Gi\s+RWO\s+Retain\s+Pending\s+<unset>\s+\d+s\s+Filesystem$/m);
    const refused = await call('POST', PVS, volume('nfs', { hostPath: undefined, nfs: { server: 'x', path: '/' } }));
    expect(refused.status).toBe(422);
    expect(refused.json.message).toBe('PersistentVolume "nfs" is invalid: spec.nfs: Forbidden: volume type not supported by this cluster; supported types: hostPath, local');
  });

  it('lets a node change only the volumes on it, and not list claims (it reads its pods\' claims by name)', async () => {
    const node = api(server, 'node-a-token');
    expect((await node('GET', PVCS)).status).toBe(403);
    const affinity = { required: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'kubernetes.io/hostname', operator: 'In', values: ['node-a'] }] }] } };
    await call('POST', PVS, volume('on-a', { hostPath: undefined, local: { path: '/srv/a' }, nodeAffinity: affinity }));
    const patch = { metadata: { labels: { touched: 'yes' } } };
    expect((await node('PATCH', `${PVS}/on-a`, patch, 'application/merge-patch+json')).status).toBe(200);
    const elsewhere = await node('PATCH', `${PVS}/manual`, patch, 'application/merge-patch+json');
    expect(elsewhere.status).toBe(403);
    expect(elsewhere.json.message).toBe('persistentvolumes "manual" is forbidden: node "node-a" can only modify volumes that live on it');
    expect((await node('DELETE', `${PVS}/on-a`)).status).toBe(403);
  });
});
