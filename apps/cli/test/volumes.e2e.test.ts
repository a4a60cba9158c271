import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, kubectl, kubectlOk, startCluster, type TestCluster } from './cluster.js';

/**
 * Persistent volumes end to end, as a user meets them: a claim with no class gets `local-path`,
 * binds when its first pod is scheduled, the data outlives the pod, and deleting the claim
 * deletes the volume and its directory on the node.
 */
const CLAIM = `apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: notes}
spec:
  accessModes: [ReadWriteOnce]
  resources: {requests: {storage: 64Mi}}
`;

function podYaml(name: string, script: string): string {
  return `apiVersion: v1
kind: Pod
metadata: {name: ${name}}
spec:
  restartPolicy: Never
  volumes: [{name: notes, persistentVolumeClaim: {claimName: notes}}]
  containers:
  - name: main
    image: busybox
    command: [sh, -c, '${script}']
    volumeMounts: [{name: notes, mountPath: /notes}]
`;
}

describe('persistent volumes (skiff up)', () => {
  let cluster: TestCluster;

  const json = async (args: string[]) => JSON.parse(await kubectlOk(cluster, [...args, '-o', 'json'])) as { spec?: Record<string, any>; status?: Record<string, any>; metadata: Record<string, any> };
  const phase = async (pod: string) => (await json(['get', 'pod', pod])).status?.phase as string | undefined;

  beforeAll(async () => {
    cluster = await startCluster({ nodes: 2 });
  }, 180_000);
  afterAll(async () => {
    await cluster?.stop();
  });

  it('binds a claim of the default class to a volume on its pod\'s node, keeps the data across pods, and deletes it with the claim', async () => {
    expect(await kubectlOk(cluster, ['get', 'storageclass'])).toMatch(/^local-path \(default\)\s+skiff\.dev\/local-path\s+Delete\s+WaitForFirstConsumer\s+false/m);
    await kubectlOk(cluster, ['apply', '-f', '-'], CLAIM);
    expect(await kubectlOk(cluster, ['get', 'pvc', 'notes', '--no-headers'])).toMatch(/^notes\s+Pending\s+local-path\s+<unset>/);

    await kubectlOk(cluster, ['apply', '-f', '-'], podYaml('writer', 'echo written-by-writer > "$SKIFF_ROOT/notes/note"'));
    await eventually('writer Succeeded', async () => (await phase('writer')) === 'Succeeded', 60_000);
    const claim = await json(['get', 'pvc', 'notes']);
    expect(claim.status?.phase).toBe('Bound');
    const volume = claim.spec!.volumeName as string;
    const node = (await json(['get', 'pod', 'writer'])).spec!.nodeName as string;
    expect(claim.metadata.annotations['volume.kubernetes.io/selected-node']).toBe(node);
    const pv = await json(['get', 'pv', volume]);
    const dir = join(cluster.dataDir, 'nodes', node, 'volumes', volume);
    expect(pv.spec).toMatchObject({ persistentVolumeReclaimPolicy: 'Delete', storageClassName: 'local-path', local: { path: dir } });
    expect(await kubectlOk(cluster, ['get', 'pv', volume, '--no-headers'])).toMatch(new RegExp(`^${volume}\\s+64Mi\\s+RWO\\s+Delete\\s+Bound\\s+default/notes\\s+local-path\\s+<unset>`));
    expect(readFileSync(join(dir, 'note'), 'utf8')).toBe('written-by-writer\n');

    await kubectlOk(cluster, ['delete', 'pod', 'writer']);
    await kubectlOk(cluster, ['apply', '-f', '-'], podYaml('reader', 'grep -qx written-by-writer "$SKIFF_ROOT/notes/note"'));
    await eventually('reader finished', async () => ['Succeeded', 'Failed'].includes((await phase('reader')) ?? ''), 60_000);
    expect(await phase('reader')).toBe('Succeeded');
    // The claim's volume lives on one node: its second pod went there too.
    expect((await json(['get', 'pod', 'reader'])).spec!.nodeName).toBe(node);

    await kubectlOk(cluster, ['delete', 'pod', 'reader']);
    await kubectlOk(cluster, ['delete', 'pvc', 'notes']);
    await eventually('volume deleted', async () => (await kubectl(cluster, ['get', 'pv', volume])).code !== 0, 30_000);
    expect(existsSync(dir)).toBe(false);
  }, 180_000);
});
