import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { NotFoundError, type KubeObject } from '@skiff/apimachinery';
import { resourceType } from '@skiff/kube-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EVENTS, PODS, getPod, pod, podStatus, removeDir, startAgent, startCluster, waitFor, type TestAgent, type TestCluster } from './cluster.js';

const PVCS = resourceType('persistentvolumeclaims');
const PVS = resourceType('persistentvolumes');

/**
 * A pod's persistentVolumeClaim volume on a real node agent. No controller manager runs here: the
 * test binds the claim as the PV controller and the local-path provisioner would.
 */
describe('persistent volumes on a node', () => {
  let cluster: TestCluster;
  let agent: TestAgent;

  beforeAll(async () => {
    cluster = await startCluster();
    agent = await startAgent(cluster);
  });
  afterAll(async () => {
    await agent?.close({ stopPods: true });
    await cluster?.close();
    removeDir(agent?.dataDir ?? '');
  });

  const shell = (script: string) => ({ restartPolicy: 'Never', volumes: [{ name: 'data', persistentVolumeClaim: { claimName: 'data' } }], containers: [{ name: 'main', image: 'busybox', command: ['sh', '-c', script], volumeMounts: [{ name: 'data', mountPath: '/data' }] }] });
  const phaseOf = async (name: string) => podStatus(await getPod(cluster, name)).phase as string | undefined;

  /** What the PV controller and the provisioner would do: a local volume on this node, bound to the claim. */
  async function bindClaim(claim: KubeObject): Promise<string> {
    const name = `pvc-${claim.metadata.uid}`;
    await cluster.admin.create(PVS, {
      apiVersion: 'v1',
      kind: 'PersistentVolume',
      metadata: { name, annotations: { 'pv.kubernetes.io/provisioned-by': 'skiff.dev/local-path' }, finalizers: ['skiff.dev/local-path-cleanup'] },
      spec: {
        accessModes: ['ReadWriteOnce'],
        capacity: { storage: '1Gi' },
        persistentVolumeReclaimPolicy: 'Delete',
        storageClassName: 'local-path',
        claimRef: { namespace: 'default', name: 'data', uid: claim.metadata.uid },
        local: { path: join(agent.dataDir, 'volumes', name) },
        nodeAffinity: { required: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'kubernetes.io/hostname', operator: 'In', values: [agent.nodeName] }] }] } },
      },
    });
    // No pv-protection controller runs here to lift its finalizer once the volume is released: only the node's is kept.
    await cluster.admin.patch(PVS, undefined, name, { metadata: { finalizers: ['skiff.dev/local-path-cleanup'] } });
    await cluster.admin.patch(PVCS, 'default', 'data', { metadata: { annotations: { 'pv.kubernetes.io/bind-completed': 'yes' } }, spec: { volumeName: name } });
    await cluster.admin.patch(PVCS, 'default', 'data', { status: { phase: 'Bound', accessModes: ['ReadWriteOnce'], capacity: { storage: '1Gi' } } }, 'merge', { subresource: 'status' });
    return name;
  }

  it('says where the node keeps its volumes', async () => {
    const node = await cluster.admin.get(resourceType('nodes'), undefined, agent.nodeName);
    expect(node.metadata.annotations?.['skiff.dev/volume-dir']).toBe(join(agent.dataDir, 'volumes'));
  });

  it('holds a pod until its claim is bound, keeps what it wrote after it is gone for the next pod, and removes the directory when the volume is deleted', async () => {
    const claim = await cluster.admin.create(PVCS, { apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name: 'data', namespace: 'default' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } } });
    await cluster.admin.create(PODS, pod('writer', agent.nodeName, shell('echo "kept across pods" > "$SKIFF_ROOT/data/note"')));
    const failedMount = await waitFor('FailedMount', async () => (await cluster.admin.list(EVENTS, { namespace: 'default' })).items.find((e) => (e.involvedObject as { name?: string }).name === 'writer' && e.reason === 'FailedMount'));
    expect(failedMount.message).toBe('MountVolume.SetUp failed for volume "data" : error processing PVC default/data: PVC is not bound');
    // The event comes before the status write: wait for the status to say it too.
    const waiting = await waitFor('writer ContainerCreating', async () => {
      const status = podStatus(await getPod(cluster, 'writer'));
      return status.containerStatuses?.[0]?.state?.waiting?.reason === 'ContainerCreating' ? status : undefined;
    });
    expect(waiting.phase).toBe('Pending');

    const volumeName = await bindClaim(claim);
    await waitFor('writer succeeded', async () => (await phaseOf('writer')) === 'Succeeded', 30_000);
    const dir = join(agent.dataDir, 'volumes', volumeName);
    expect(readFileSync(join(dir, 'note'), 'utf8')).toBe('kept across pods\n');

    await cluster.admin.delete(PODS, 'default', 'writer');
    await waitFor('writer gone', async () => {
      try {
        await getPod(cluster, 'writer');
        return false;
      } catch (err) {
        return err instanceof NotFoundError;
      }
    });
    // The reader succeeds only if it finds the writer's words.
    await cluster.admin.create(PODS, pod('reader', agent.nodeName, shell('grep -qx "kept across pods" "$SKIFF_ROOT/data/note"')));
    await waitFor('reader finished', async () => ['Succeeded', 'Failed'].includes((await phaseOf('reader')) ?? ''), 30_000);
    expect(await phaseOf('reader')).toBe('Succeeded');

    // Reclaim Delete: the PV controller deletes the volume; the node removes the directory, then the finalizer.
    await cluster.admin.delete(PODS, 'default', 'reader');
    await cluster.admin.delete(PVCS, 'default', 'data');
    await cluster.admin.delete(PVS, undefined, volumeName);
    await waitFor('volume gone', async () => {
      try {
        await cluster.admin.get(PVS, undefined, volumeName);
        return false;
      } catch (err) {
        return err instanceof NotFoundError;
      }
    });
    expect(existsSync(dir)).toBe(false);
  });
});
