import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SKIFF_COMPONENTS } from '@skiff/apimachinery';
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

/** The pids of `root` and everything it started, from /proc/PID/stat's ppid field. */
function processTree(root: number): number[] {
  const parents = new Map<number, number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      // "PID (COMM) STATE PPID ...": COMM may hold spaces and parentheses, so read after the last ')'.
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      parents.set(Number(entry), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
    } catch {
      /* exited while we looked */
    }
  }
  const tree = [root];
  for (let i = 0; i < tree.length; i++) for (const [pid, ppid] of parents) if (ppid === tree[i]) tree.push(pid);
  return tree;
}

function cmdline(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ');
  } catch {
    return '';
  }
}

const mode = (path: string) => (statSync(path).mode & 0o777).toString(8);

const SECRET_VOLUMES = `apiVersion: v1
kind: Secret
metadata: {name: creds}
stringData: {password: hunter2, user: admin}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: settings}
data: {level: debug}
---
apiVersion: v1
kind: Pod
metadata: {name: mounts}
spec:
  restartPolicy: Never
  volumes:
  - {name: all, secret: {secretName: creds}}
  - {name: strict, secret: {secretName: creds, defaultMode: 0400, items: [{key: user, path: user}, {key: password, path: nested/password, mode: 0440}]}}
  - {name: config, configMap: {name: settings, defaultMode: 0600}}
  containers:
  - name: main
    image: busybox
    command: [sh, -c, 'cat "$SKIFF_ROOT/strict/nested/password"']
    volumeMounts: [{name: all, mountPath: /all}, {name: strict, mountPath: /strict}, {name: config, mountPath: /config}]
`;

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

  it('keeps tokens and URLs off every command line in its process tree, and its secrets away from other users', async () => {
    const tokens = [readFileSync(join(cluster.dataDir, 'admin.token'), 'utf8').trim()];
    for (const node of readdirSync(join(cluster.dataDir, 'nodes'))) tokens.push(readFileSync(join(cluster.dataDir, 'nodes', node, 'token'), 'utf8').trim());
    for (const c of readdirSync(join(cluster.dataDir, 'components'))) tokens.push(readFileSync(join(cluster.dataDir, 'components', c), 'utf8').trim());
    // The admin's, two nodes', and one per component (simulated nodes' too, used only with
    // --simulated-nodes), all different: no component holds the admin token.
    expect(tokens).toHaveLength(3 + SKIFF_COMPONENTS.length);
    expect(new Set(tokens).size).toBe(tokens.length);
    const lines = processTree(cluster.pid).map(cmdline).filter(Boolean);
    // The API server, five controllers and two node agents, each told where its token is.
    expect(lines.filter((l) => l.includes('--token-file')).length).toBeGreaterThanOrEqual(8);
    // Secrets are encrypted at rest with the key `skiff up` made.
    expect(lines.filter((l) => l.includes(`--encryption-provider-config ${join(cluster.dataDir, 'encryption-config.yaml')}`))).toHaveLength(1);
    for (const line of lines) {
      for (const token of tokens) expect(line).not.toContain(token);
      expect(line).not.toMatch(/--token |redis:\/\/|postgres(ql)?:\/\//);
    }

    // Only the user who runs Skiff may read its credentials, keys and logs.
    expect(mode(cluster.dataDir)).toBe('700');
    expect(mode(join(cluster.dataDir, 'logs'))).toBe('700');
    for (const file of ['tokens.json', 'admin.token', 'encryption-config.yaml', 'kubeconfig', 'pki/ca.key', 'pki/apiserver.key', 'nodes/node-1/token', 'components/controller-manager.token', 'components/git-watcher.token', 'logs/apiserver.log', 'logs/node-1.log']) {
      expect([file, mode(join(cluster.dataDir, file))]).toEqual([file, '600']);
    }
    expect(mode(join(cluster.dataDir, 'nodes', 'node-1'))).toBe('700');
    expect(mode(join(cluster.dataDir, 'components'))).toBe('700');

    // Volume files get the modes the pod asks for; a secret volume's are 0400 when it asks for none.
    await kubectlOk(cluster, ['apply', '-f', '-'], SECRET_VOLUMES);
    await eventually('mounts Succeeded', async () => (await phase('mounts')) === 'Succeeded', 60_000);
    expect(await kubectlOk(cluster, ['logs', 'mounts'])).toBe('hunter2');
    const pod = await json(['get', 'pod', 'mounts']);
    const podDir = join(cluster.dataDir, 'nodes', pod.spec!.nodeName as string, 'pods', `default_mounts_${pod.metadata.uid as string}`);
    const volumes = join(podDir, 'volumes');
    expect({
      'all/password': mode(join(volumes, 'all', 'password')),
      'strict/user': mode(join(volumes, 'strict', 'user')),
      'strict/nested/password': mode(join(volumes, 'strict', 'nested', 'password')),
      'config/level': mode(join(volumes, 'config', 'level')),
    }).toEqual({ 'all/password': '400', 'strict/user': '400', 'strict/nested/password': '440', 'config/level': '600' });
    expect(mode(join(cluster.dataDir, 'nodes', pod.spec!.nodeName as string, 'pods'))).toBe('700');
    await kubectlOk(cluster, ['delete', 'pod', 'mounts', '--wait=false']);
  }, 120_000);
});
