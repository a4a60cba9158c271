import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KubeObject } from '@skiff/apimachinery';
import { NODES, PERSISTENTVOLUMECLAIMS, PERSISTENTVOLUMES, PODS, STORAGECLASSES } from '../src/resources.js';
import { TestCluster } from './cluster.js';
import { metricValue } from './metrics.js';

type Phase = { phase?: string; message?: string; capacity?: Record<string, string>; accessModes?: string[] };
const phaseOf = (o: KubeObject | undefined) => (o?.status as Phase | undefined)?.phase;
const specOf = (o: KubeObject | undefined) => (o?.spec ?? {}) as { volumeName?: string; claimRef?: { name?: string; namespace?: string; uid?: string }; local?: { path?: string }; persistentVolumeReclaimPolicy?: string; nodeAffinity?: unknown };

function claim(name: string, storageClassName: string | undefined, storage = '1Gi'): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'PersistentVolumeClaim',
    metadata: { name, namespace: 'default' },
    spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage } }, ...(storageClassName !== undefined ? { storageClassName } : {}) },
  };
}

function volume(name: string, storage: string, extra: Record<string, unknown> = {}): KubeObject {
  return { apiVersion: 'v1', kind: 'PersistentVolume', metadata: { name }, spec: { accessModes: ['ReadWriteOnce'], capacity: { storage }, hostPath: { path: `/srv/${name}` }, storageClassName: '', ...extra } };
}

const storageClass = (name: string, provisioner: string, volumeBindingMode: string): KubeObject => ({ apiVersion: 'storage.k8s.io/v1', kind: 'StorageClass', metadata: { name }, provisioner, volumeBindingMode });

describe('PersistentVolume controller and local-path provisioner', () => {
  let c: TestCluster;
  const reconciles = (controller: string, result?: string) => metricValue(c.cm?.registry, 'skiff_reconcile_total', { controller, ...(result ? { result } : {}) });

  beforeAll(async () => {
    c = await TestCluster.start(['persistentvolume-binder', 'local-path-provisioner', 'pvc-protection', 'pv-protection']);
    for (const t of [PERSISTENTVOLUMES, PERSISTENTVOLUMECLAIMS, STORAGECLASSES]) await c.watch(t).waitForSync();
    // The node agent's part: the node says where its volumes go.
    await c.client.create(NODES, { apiVersion: 'v1', kind: 'Node', metadata: { name: 'node-a', labels: { 'kubernetes.io/hostname': 'node-a' }, annotations: { 'skiff.dev/volume-dir': '/var/lib/skiff/node-a/volumes' } } });
  });
  afterAll(async () => {
    await c?.stop();
  });

  it('binds a claim to the smallest matching volume, and provisions a local volume on the node the scheduler picked', async () => {
    await c.client.create(PERSISTENTVOLUMES, volume('big', '10Gi'));
    await c.client.create(PERSISTENTVOLUMES, volume('small', '2Gi'));
    // New volumes start Pending; only Available ones are offered (as in Kubernetes).
    await c.until('volumes Available', () => ['big', 'small'].every((n) => phaseOf(c.get(PERSISTENTVOLUMES, n)) === 'Available'));
    await c.client.create(PERSISTENTVOLUMECLAIMS, claim('manual', ''));
    await c.until('manual claim bound', () => phaseOf(c.get(PERSISTENTVOLUMECLAIMS, 'manual')) === 'Bound');
    const bound = c.get(PERSISTENTVOLUMECLAIMS, 'manual')!;
    expect(specOf(bound).volumeName).toBe('small');
    expect(bound.status).toEqual({ phase: 'Bound', accessModes: ['ReadWriteOnce'], capacity: { storage: '2Gi' } });
    expect(bound.metadata.annotations).toMatchObject({ 'pv.kubernetes.io/bind-completed': 'yes', 'pv.kubernetes.io/bound-by-controller': 'yes' });
    await c.until('small volume Bound', () => phaseOf(c.get(PERSISTENTVOLUMES, 'small')) === 'Bound');
    expect(specOf(c.get(PERSISTENTVOLUMES, 'small')).claimRef).toMatchObject({ namespace: 'default', name: 'manual', uid: bound.metadata.uid });
    expect(phaseOf(c.get(PERSISTENTVOLUMES, 'big'))).toBe('Available');

    // The default class: the claim waits for its first pod to be scheduled.
    const data = await c.client.create(PERSISTENTVOLUMECLAIMS, claim('data', undefined));
    expect(specOf(data).volumeName).toBeUndefined();
    await c.until('WaitForFirstConsumer said', () => c.eventsFor('data', 'WaitForFirstConsumer').length > 0);
    expect(c.eventsFor('data', 'WaitForFirstConsumer')[0].message).toBe('waiting for first consumer to be created before binding');
    expect(c.list(PERSISTENTVOLUMES).some((v) => v.metadata.name === `pvc-${data.metadata.uid}`)).toBe(false);
    // The scheduler's part: it picked node-a for the claim's pod.
    await c.client.patch(PERSISTENTVOLUMECLAIMS, 'default', 'data', { metadata: { annotations: { 'volume.kubernetes.io/selected-node': 'node-a' } } });
    await c.until('data bound', () => phaseOf(c.get(PERSISTENTVOLUMECLAIMS, 'data')) === 'Bound');
    const name = `pvc-${data.metadata.uid}`;
    const pv = c.get(PERSISTENTVOLUMES, name)!;
    expect(specOf(c.get(PERSISTENTVOLUMECLAIMS, 'data')).volumeName).toBe(name);
    expect(pv.metadata.annotations).toMatchObject({ 'pv.kubernetes.io/provisioned-by': 'skiff.dev/local-path' });
    expect(pv.metadata.finalizers).toEqual(['skiff.dev/local-path-cleanup', 'kubernetes.io/pv-protection']);
    expect(pv.spec).toMatchObject({
      capacity: { storage: '1Gi' },
      persistentVolumeReclaimPolicy: 'Delete',
      storageClassName: 'local-path',
      local: { path: `/var/lib/skiff/node-a/volumes/${name}` },
      nodeAffinity: { required: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'kubernetes.io/hostname', operator: 'In', values: ['node-a'] }] }] } },
    });
    await c.until('provisioned volume Bound', () => phaseOf(c.get(PERSISTENTVOLUMES, name)) === 'Bound');
    expect(c.eventsFor('data', 'ProvisioningSucceeded')[0]?.message).toBe(`Successfully provisioned volume ${name}`);
  });

  it('two claims racing for one volume: one binds it, the other waits Pending (a stale cache costs a Conflict, never a double bind)', async () => {
    await c.client.create(PERSISTENTVOLUMES, volume('only', '1Gi', { storageClassName: 'race' }));
    await c.until('only Available', () => phaseOf(c.get(PERSISTENTVOLUMES, 'only')) === 'Available');
    await Promise.all(['race-a', 'race-b', 'race-c'].map((n) => c.client.create(PERSISTENTVOLUMECLAIMS, claim(n, 'race'))));
    await c.until('one racer bound', () => ['race-a', 'race-b', 'race-c'].some((n) => phaseOf(c.get(PERSISTENTVOLUMECLAIMS, n)) === 'Bound'));
    await c.until('only Bound', () => phaseOf(c.get(PERSISTENTVOLUMES, 'only')) === 'Bound');
    const winner = specOf(c.get(PERSISTENTVOLUMES, 'only')).claimRef?.name;
    const losers = ['race-a', 'race-b', 'race-c'].filter((n) => n !== winner);
    await c.until('the winner Bound', () => phaseOf(c.get(PERSISTENTVOLUMECLAIMS, winner!)) === 'Bound');
    for (const n of losers) expect(phaseOf(c.get(PERSISTENTVOLUMECLAIMS, n))).toBe('Pending');
    for (const n of losers) expect(specOf(c.get(PERSISTENTVOLUMECLAIMS, n)).volumeName).toBeUndefined();
    expect(specOf(c.get(PERSISTENTVOLUMECLAIMS, winner!)).volumeName).toBe('only');
  });

  it('releases a volume whose claim goes: Retain keeps it, Delete deletes it once its node has cleaned up', async () => {
    await c.client.delete(PERSISTENTVOLUMECLAIMS, 'default', 'manual');
    await c.until('small Released', () => phaseOf(c.get(PERSISTENTVOLUMES, 'small')) === 'Released');
    expect(specOf(c.get(PERSISTENTVOLUMES, 'small')).claimRef?.name).toBe('manual');

    const name = specOf(c.get(PERSISTENTVOLUMECLAIMS, 'data')).volumeName!;
    await c.client.delete(PERSISTENTVOLUMECLAIMS, 'default', 'data');
    await c.until('provisioned volume being deleted', () => !!c.get(PERSISTENTVOLUMES, name)?.metadata.deletionTimestamp);
    expect(phaseOf(c.get(PERSISTENTVOLUMES, name))).toBe('Released');
    // The node agent's part: the directory is gone, so is the finalizer.
    await c.client.patch(PERSISTENTVOLUMES, undefined, name, { metadata: { finalizers: null } });
    await c.until('provisioned volume gone', () => !c.get(PERSISTENTVOLUMES, name));
    // A Released volume is not offered to a new claim.
    await c.client.create(PERSISTENTVOLUMECLAIMS, claim('next', ''));
    await c.until('next bound', () => phaseOf(c.get(PERSISTENTVOLUMECLAIMS, 'next')) === 'Bound');
    expect(specOf(c.get(PERSISTENTVOLUMECLAIMS, 'next')).volumeName).toBe('big');
  });

  it('a second pass over a bound claim and volume writes nothing', async () => {
    const volumeRv = c.get(PERSISTENTVOLUMES, 'big')!.metadata.resourceVersion;
    const claimRuns = await reconciles('persistentvolumeclaim-binder');
    const volumeRuns = await reconciles('persistentvolume-binder');
    // A label is a change that wakes both sides and that neither acts on.
    const labelled = await c.client.patch(PERSISTENTVOLUMECLAIMS, 'default', 'next', { metadata: { labels: { touched: 'yes' } } });
    await c.until('both sides looked again', async () => (await reconciles('persistentvolumeclaim-binder')) > claimRuns && (await reconciles('persistentvolume-binder')) > volumeRuns);
    expect((await c.client.get(PERSISTENTVOLUMECLAIMS, 'default', 'next')).metadata.resourceVersion).toBe(labelled.metadata.resourceVersion);
    expect((await c.client.get(PERSISTENTVOLUMES, undefined, 'big')).metadata.resourceVersion).toBe(volumeRv);
  });

  it("leaves other provisioners' claims and volumes, and volumes pre-bound by hand, alone", async () => {
    await c.client.create(STORAGECLASSES, storageClass('external', 'example.com/nfs', 'Immediate'));
    await c.client.create(PERSISTENTVOLUMECLAIMS, claim('theirs', 'external'));
    await c.until('handed to their provisioner', () => c.get(PERSISTENTVOLUMECLAIMS, 'theirs')?.metadata.annotations?.['volume.kubernetes.io/storage-provisioner'] === 'example.com/nfs');
    expect(c.eventsFor('theirs', 'ExternalProvisioning')).toHaveLength(1);
    // Their volume, released: theirs to delete.
    await c.client.create(PERSISTENTVOLUMES, volume('their-pv', '1Gi', { storageClassName: 'external', persistentVolumeReclaimPolicy: 'Delete', claimRef: { namespace: 'default', name: 'gone', uid: 'gone-uid' } }));
    await c.client.patch(PERSISTENTVOLUMES, undefined, 'their-pv', { metadata: { annotations: { 'pv.kubernetes.io/provisioned-by': 'example.com/nfs' } } });
    await c.until('their volume Released', () => phaseOf(c.get(PERSISTENTVOLUMES, 'their-pv')) === 'Released');
    // A volume a user reserved for a claim that does not exist yet stays Available and reserved.
    await c.client.create(PERSISTENTVOLUMES, volume('reserved', '1Gi', { claimRef: { namespace: 'default', name: 'later' } }));
    await c.until('reserved Available', () => phaseOf(c.get(PERSISTENTVOLUMES, 'reserved')) === 'Available');
    await c.client.create(PERSISTENTVOLUMECLAIMS, claim('probe', ''));
    await c.until('probe looked at', () => c.eventsFor('probe', 'FailedBinding').length > 0);
    expect(phaseOf(c.get(PERSISTENTVOLUMECLAIMS, 'probe'))).toBe('Pending');
    expect(c.list(PERSISTENTVOLUMES).map((v) => v.metadata.name).filter((n) => n!.startsWith('pvc-'))).toEqual([]);
    expect(c.get(PERSISTENTVOLUMES, 'their-pv')!.metadata.deletionTimestamp).toBeUndefined();
    expect(specOf(c.get(PERSISTENTVOLUMES, 'reserved')).claimRef).toEqual({ namespace: 'default', name: 'later' });
    expect(phaseOf(c.get(PERSISTENTVOLUMECLAIMS, 'theirs'))).toBe('Pending');
  });

  it('refuses a local claim that can have no node, once, without retrying it', async () => {
    await c.client.create(STORAGECLASSES, storageClass('local-now', 'skiff.dev/local-path', 'Immediate'));
    await c.client.create(PERSISTENTVOLUMECLAIMS, claim('nowhere', 'local-now'));
    await c.until('refused', () => c.eventsFor('nowhere', 'ProvisioningFailed').length > 0);
    expect(c.eventsFor('nowhere', 'ProvisioningFailed')[0].message).toBe('failed to provision volume with StorageClass "local-now": configuration error, no node was specified');
    await c.until('a terminal result', async () => (await reconciles('local-path-provisioner', 'terminal')) >= 1);
    const terminal = await reconciles('local-path-provisioner', 'terminal');
    const errors = await reconciles('local-path-provisioner', 'error');
    // Later work on the same queue gets done; the refused claim is not tried again meanwhile.
    await c.client.create(PERSISTENTVOLUMECLAIMS, claim('later-work', undefined));
    await c.until('later work looked at', () => c.eventsFor('later-work', 'WaitForFirstConsumer').length > 0);
    await c.client.patch(PERSISTENTVOLUMECLAIMS, 'default', 'later-work', { metadata: { annotations: { 'volume.kubernetes.io/selected-node': 'node-a' } } });
    await c.until('later work bound', () => phaseOf(c.get(PERSISTENTVOLUMECLAIMS, 'later-work')) === 'Bound');
    expect(await reconciles('local-path-provisioner', 'terminal')).toBeLessThanOrEqual(terminal + 1);
    expect(await reconciles('local-path-provisioner', 'error')).toBe(errors);
    expect(c.eventsFor('nowhere', 'ProvisioningFailed')).toHaveLength(1);
    expect(phaseOf(c.get(PERSISTENTVOLUMECLAIMS, 'nowhere'))).toBe('Pending');
  });
  it('keeps a claim a scheduled pod names until the pod is gone, and its volume until it is no longer bound', async () => {
    // Their own class, so no claim still waiting from earlier takes the volume.
    await c.client.create(PERSISTENTVOLUMES, volume('kept', '1Gi', { storageClassName: 'protected' }));
    await c.until('kept Available', () => phaseOf(c.get(PERSISTENTVOLUMES, 'kept')) === 'Available');
    await c.client.create(PERSISTENTVOLUMECLAIMS, claim('in-use', 'protected'));
    await c.until('in-use bound', () => phaseOf(c.get(PERSISTENTVOLUMECLAIMS, 'in-use')) === 'Bound' && specOf(c.get(PERSISTENTVOLUMECLAIMS, 'in-use')).volumeName === 'kept');
    expect(c.get(PERSISTENTVOLUMECLAIMS, 'in-use')!.metadata.finalizers).toEqual(['kubernetes.io/pvc-protection']);
    expect(c.get(PERSISTENTVOLUMES, 'kept')!.metadata.finalizers).toEqual(['kubernetes.io/pv-protection']);
    const user = await c.client.create(PODS, { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'user', namespace: 'default' }, spec: { volumes: [{ name: 'd', persistentVolumeClaim: { claimName: 'in-use' } }], containers: [{ name: 'main', image: 'busybox' }] } });
    await c.setPodReady(user, true, 'node-a');

    await c.client.delete(PERSISTENTVOLUMECLAIMS, 'default', 'in-use');
    await c.client.delete(PERSISTENTVOLUMES, undefined, 'kept');
    const runs = await reconciles('pvc-protection');
    await c.until('protection looked at the claim', async () => (await reconciles('pvc-protection')) > runs);
    expect(c.get(PERSISTENTVOLUMECLAIMS, 'in-use')?.metadata.deletionTimestamp).toBeDefined();
    expect(phaseOf(c.get(PERSISTENTVOLUMES, 'kept'))).toBe('Bound');

    // The pod goes (its kubelet would finish the deletion); then the claim, then the volume, released.
    await c.client.delete(PODS, 'default', 'user', { gracePeriodSeconds: 0 });
    await c.until('claim gone', () => !c.get(PERSISTENTVOLUMECLAIMS, 'in-use'));
    await c.until('volume gone', () => !c.get(PERSISTENTVOLUMES, 'kept'));
  });
});
