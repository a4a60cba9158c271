import { afterEach, describe, expect, it } from 'vitest';
import { resourceType } from '@skiff/kube-client';
import { TestCluster } from './cluster.js';

const PVCS = resourceType('persistentvolumeclaims');
const PVS = resourceType('persistentvolumes');

const claimVolume = (claimName: string) => ({ volumes: [{ name: 'data', persistentVolumeClaim: { claimName } }] });
const claim = (name: string) => ({ apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name, namespace: 'default' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } } });

describe('VolumeBinding on a real API server', () => {
  let cluster: TestCluster;
  afterEach(async () => {
    await cluster?.stop();
  });

  it('keeps a pod whose claim does not exist Pending with kube-scheduler\'s message, and places it once the claim exists, naming the node on the claim', async () => {
    cluster = await TestCluster.start();
    await cluster.createNode('node-a');
    await cluster.createNode('node-b');
    await cluster.createPod('db', { spec: claimVolume('data') });
    const missing = '0/2 nodes are available: persistentvolumeclaim "data" not found.';
    await cluster.until('unschedulable for the missing claim', () => cluster.podScheduled('db')?.message === missing);
    expect(cluster.podScheduled('db')).toMatchObject({ status: 'False', reason: 'Unschedulable' });
    expect(cluster.nodeNameOf('db')).toBeUndefined();

    // The default class (local-path) waits for this pod: the scheduler picks the node and says so on the claim.
    await cluster.client.create(PVCS, claim('data'));
    await cluster.until('db bound', () => !!cluster.nodeNameOf('db'));
    const selected = (await cluster.client.get(PVCS, 'default', 'data')).metadata.annotations?.['volume.kubernetes.io/selected-node'];
    expect(selected).toBe(cluster.nodeNameOf('db'));
  });

  it('sends a pod whose claim is bound to a node-local volume to that node only', async () => {
    cluster = await TestCluster.start();
    await cluster.createNode('node-a');
    await cluster.createNode('node-b');
    await cluster.client.create(PVS, {
      apiVersion: 'v1',
      kind: 'PersistentVolume',
      metadata: { name: 'on-b' },
      spec: {
        accessModes: ['ReadWriteOnce'],
        capacity: { storage: '1Gi' },
        local: { path: '/srv/on-b' },
        storageClassName: 'local-path',
        nodeAffinity: { required: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'kubernetes.io/hostname', operator: 'In', values: ['node-b'] }] }] } },
      },
    });
    // Bound as the PV controller binds (this test runs no controller manager).
    const pvc = await cluster.client.create(PVCS, claim('pinned'));
    await cluster.client.patch(PVS, undefined, 'on-b', { spec: { claimRef: { namespace: 'default', name: 'pinned', uid: pvc.metadata.uid } } });
    await cluster.client.patch(PVCS, 'default', 'pinned', { metadata: { annotations: { 'pv.kubernetes.io/bind-completed': 'yes' } }, spec: { volumeName: 'on-b' } });
    for (const n of ['p-0', 'p-1', 'p-2']) await cluster.createPod(n, { spec: claimVolume('pinned') });
    await cluster.until('all placed', () => ['p-0', 'p-1', 'p-2'].every((n) => !!cluster.nodeNameOf(n)));
    expect(['p-0', 'p-1', 'p-2'].map((n) => cluster.nodeNameOf(n))).toEqual(['node-b', 'node-b', 'node-b']);

    // A node the volume cannot be used on says why.
    await cluster.client.patch(resourceType('nodes'), undefined, 'node-b', { spec: { unschedulable: true } });
    await cluster.createPod('late', { spec: claimVolume('pinned') });
    const conflict = "0/2 nodes are available: 1 node(s) had volume node affinity conflict, 1 node(s) were unschedulable.";
    await cluster.until('conflict reported', () => cluster.podScheduled('late')?.message === conflict);
  });
});
