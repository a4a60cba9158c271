import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { NotFoundError, type KubeObject } from '@skiff/apimachinery';
import { startTestContainerRuntime, type TestContainerRuntime } from '@skiff/cri/testing';
import { resourceType } from '@skiff/kube-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { removeCgroupTree } from '../src/runtime/podCgroups.js';
import { PODS, getPod, pod, podStatus, removeDir, startAgent, startCluster, waitFor, type TestAgent, type TestCluster } from './cluster.js';

const PVCS = resourceType('persistentvolumeclaims');
const PVS = resourceType('persistentvolumes');

/** A claim's volume in containers: the CRI mounts the volume's directory into each container. */
describe('persistent volumes in containers', () => {
  let cluster: TestCluster;
  let runtime: TestContainerRuntime;
  let agent: TestAgent;
  let image: string;
  const cgroupRoot = `/skiff-pv-test-${process.pid}`;

  beforeAll(async () => {
    cluster = await startCluster();
    runtime = await startTestContainerRuntime();
    image = await runtime.push('shell:1', { Entrypoint: ['/bin/sh'], Env: ['PATH=/bin'] });
    agent = await startAgent(cluster, { containerRuntimeEndpoint: runtime.endpoint, podCidr: runtime.podCidr, cgroupRoot: `${cgroupRoot}/node` });
  }, 120_000);
  afterAll(async () => {
    await agent?.close({ stopPods: true });
    await runtime?.close();
    await cluster?.close();
    removeDir(agent?.dataDir ?? '');
    removeCgroupTree(cgroupRoot);
  }, 120_000);

  const phaseOf = async (name: string) => podStatus(await getPod(cluster, name)).phase as string | undefined;
  const shell = (script: string) => ({
    restartPolicy: 'Never',
    volumes: [{ name: 'data', persistentVolumeClaim: { claimName: 'data' } }],
    containers: [{ name: 'main', image, command: ['/bin/sh', '-c', script], volumeMounts: [{ name: 'data', mountPath: '/data' }] }],
  });

  it("keeps a container's writes in the claim's directory for the next pod", async () => {
    const claim: KubeObject = await cluster.admin.create(PVCS, { apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name: 'data', namespace: 'default' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } } });
    const name = `pvc-${claim.metadata.uid}`;
    const dir = join(agent.dataDir, 'volumes', name);
    await cluster.admin.create(PVS, {
      apiVersion: 'v1',
      kind: 'PersistentVolume',
      metadata: { name, annotations: { 'pv.kubernetes.io/provisioned-by': 'skiff.dev/local-path' } },
      spec: {
        accessModes: ['ReadWriteOnce'],
        capacity: { storage: '1Gi' },
        storageClassName: 'local-path',
        claimRef: { namespace: 'default', name: 'data', uid: claim.metadata.uid },
        local: { path: dir },
        nodeAffinity: { required: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'kubernetes.io/hostname', operator: 'In', values: [agent.nodeName] }] }] } },
      },
    });
    await cluster.admin.patch(PVCS, 'default', 'data', { metadata: { annotations: { 'pv.kubernetes.io/bind-completed': 'yes' } }, spec: { volumeName: name } });
    await cluster.admin.patch(PVCS, 'default', 'data', { status: { phase: 'Bound' } }, 'merge', { subresource: 'status' });

    await cluster.admin.create(PODS, pod('writer', agent.nodeName, shell('echo from-a-container > /data/note')));
    await waitFor('writer succeeded', async () => (await phaseOf('writer')) === 'Succeeded', 60_000);
    expect(readFileSync(join(dir, 'note'), 'utf8')).toBe('from-a-container\n');
    await cluster.admin.delete(PODS, 'default', 'writer');
    await waitFor('writer gone', () => getPod(cluster, 'writer').then(() => false, (err) => err instanceof NotFoundError), 60_000);
    expect(existsSync(join(dir, 'note'))).toBe(true);

    await cluster.admin.create(PODS, pod('reader', agent.nodeName, shell('grep -qx from-a-container /data/note')));
    await waitFor('reader finished', async () => ['Succeeded', 'Failed'].includes((await phaseOf('reader')) ?? ''), 60_000);
    expect(await phaseOf('reader')).toBe('Succeeded');
  }, 180_000);
});
