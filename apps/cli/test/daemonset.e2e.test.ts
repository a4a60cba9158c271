import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, kubectlOk, startCluster, type TestCluster } from './cluster.js';

const CLI = fileURLToPath(new URL('../src/main.ts', import.meta.url));
const run = promisify(execFile);

function daemonSet(image: string): string {
  return `
apiVersion: apps/v1
kind: DaemonSet
metadata: {name: agent, namespace: default}
spec:
  selector:
    matchLabels: {app: agent}
  template:
    metadata:
      labels: {app: agent}
    spec:
      terminationGracePeriodSeconds: 1
      containers:
        - name: agent
          image: ${image}
          command: ["sleep", "3600"]
`;
}

const RC = `
apiVersion: v1
kind: ReplicationController
metadata: {name: web, namespace: default}
spec:
  replicas: 2
  template:
    metadata:
      labels: {app: web}
    spec:
      terminationGracePeriodSeconds: 1
      containers:
        - name: web
          image: example/web:v1
          command: ["sleep", "3600"]
`;

interface Pod {
  metadata: { name: string; deletionTimestamp?: string };
  spec: { nodeName?: string; containers: { image: string }[] };
  status: { phase?: string; conditions?: { type: string; status: string }[] };
}
const running = (p: Pod) => !p.metadata.deletionTimestamp && p.status.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') === true;

describe('DaemonSets and ReplicationControllers through kubectl', () => {
  let cluster: TestCluster;
  let dir: string;
  let joined: ChildProcess | undefined;
  let joinedDir: string | undefined;
  const pods = async (app: string): Promise<Pod[]> => (JSON.parse(await kubectlOk(cluster, ['get', 'pods', '-l', `app=${app}`, '-o', 'json'])) as { items: Pod[] }).items;

  beforeAll(async () => {
    cluster = await startCluster({ nodes: 2 });
    dir = mkdtempSync(join(tmpdir(), 'skiff-ds-'));
  }, 300_000);
  afterAll(async () => {
    if (dir) rmSync(dir, { recursive: true, force: true });
    if (joined && joined.exitCode === null) {
      joined.kill('SIGTERM');
      await new Promise((r) => joined!.once('exit', r));
    }
    await cluster?.stop();
    if (joinedDir) rmSync(joinedDir, { recursive: true, force: true });
  });

  it('runs one daemon pod on each node, and one on a node that joins', async () => {
    writeFileSync(join(dir, 'ds.yaml'), daemonSet('agent:v1'));
    expect(await kubectlOk(cluster, ['create', '-f', join(dir, 'ds.yaml')])).toContain('daemonset.apps/agent created');
    const nodesRunning = async () => (await pods('agent')).filter(running).map((p) => p.spec.nodeName!).sort();
    const two = await eventually('a running daemon pod on each of the 2 nodes', async () => {
      const n = await nodesRunning();
      return n.length === 2 && new Set(n).size === 2 ? n : undefined;
    }, 120_000);
    expect(await kubectlOk(cluster, ['rollout', 'status', 'ds/agent', '--timeout=120s'])).toContain('daemon set "agent" successfully rolled out');
    const table = await kubectlOk(cluster, ['get', 'ds', 'agent']);
    expect(table.split('\n')[0]).toMatch(/^NAME\s+DESIRED\s+CURRENT\s+READY\s+UP-TO-DATE\s+AVAILABLE\s+NODE SELECTOR\s+AGE$/);
    expect(table.split('\n')[1]).toMatch(/^agent\s+2\s+2\s+2\s+2\s+2\s+<none>\s+\S+$/);

    const { podOctet } = JSON.parse(readFileSync(join(cluster.dataDir, 'cluster.json'), 'utf8')) as { podOctet: number };
    const token = (await run(process.execPath, ['--import', 'tsx', CLI, 'token', 'create-node', 'node-c', '--kubeconfig', cluster.kubeconfig])).stdout.trim();
    // The token in a file, as the README says (not on the command line, where any user sees it).
    joinedDir = mkdtempSync(join(tmpdir(), 'skiff-agent-node-c-'));
    writeFileSync(join(joinedDir, 'node.token'), `${token}\n`, { mode: 0o600 });
    joined = spawn(process.execPath, ['--import', 'tsx', CLI, 'agent', '--server', cluster.url, '--token-file', join(joinedDir, 'node.token'), '--node-name', 'node-c', '--ca-file', join(cluster.dataDir, 'pki', 'ca.crt'),
      '--data-dir', joinedDir, '--pod-cidr', `127.${podOctet}.9.0/24`, '--stop-pods-on-exit'], { stdio: 'ignore' });
    const three = await eventually('a running daemon pod on the joined node too', async () => {
      const n = await nodesRunning();
      return n.length === 3 && n.includes('node-c') ? n : undefined;
    }, 120_000);
    expect(three.filter((n) => n !== 'node-c')).toEqual(two);
  });

  it('rolls a new template out node by node, records its history, and undoes it', async () => {
    writeFileSync(join(dir, 'ds2.yaml'), daemonSet('agent:v2'));
    await kubectlOk(cluster, ['apply', '-f', join(dir, 'ds2.yaml')]);
    expect(await kubectlOk(cluster, ['rollout', 'status', 'ds/agent', '--timeout=180s'])).toContain('successfully rolled out');
    const images = async () => (await pods('agent')).filter(running).map((p) => p.spec.containers[0].image);
    expect(await images()).toEqual(['agent:v2', 'agent:v2', 'agent:v2']);
    const history = await kubectlOk(cluster, ['rollout', 'history', 'ds/agent']);
    expect(history).toMatch(/REVISION\s+CHANGE-CAUSE\n1\s+<none>\n2\s+<none>/);
    expect(await kubectlOk(cluster, ['rollout', 'undo', 'ds/agent'])).toContain('daemonset.apps/agent rolled back');
    expect(await kubectlOk(cluster, ['rollout', 'status', 'ds/agent', '--timeout=180s'])).toContain('successfully rolled out');
    await eventually('3 pods back on v1', async () => (await images()).join() === 'agent:v1,agent:v1,agent:v1', 30_000);
    expect(await kubectlOk(cluster, ['rollout', 'history', 'ds/agent'])).toMatch(/REVISION\s+CHANGE-CAUSE\n2\s+<none>\n3\s+<none>/);
  });

  it("runs the seed's ReplicationController: create -f, scale rc, and a deleted pod comes back", async () => {
    writeFileSync(join(dir, 'rc.yaml'), RC);
    expect(await kubectlOk(cluster, ['create', '-f', join(dir, 'rc.yaml')])).toContain('replicationcontroller/web created');
    await eventually('2 running pods', async () => (await pods('web')).filter(running).length === 2, 120_000);
    expect(await kubectlOk(cluster, ['scale', 'rc', 'web', '--replicas=3'])).toContain('replicationcontroller/web scaled');
    await eventually('3 running pods', async () => (await pods('web')).filter(running).length === 3, 120_000);
    const table = await kubectlOk(cluster, ['get', 'rc', 'web']);
    expect(table.split('\n')[0]).toMatch(/^NAME\s+DESIRED\s+CURRENT\s+READY\s+AGE$/);
    await eventually('rc reports 3 ready', async () => /^web\s+3\s+3\s+3\s+\S+$/m.test(await kubectlOk(cluster, ['get', 'rc', 'web'])), 30_000);

    const victim = (await pods('web')).filter(running)[0].metadata.name;
    await kubectlOk(cluster, ['delete', 'pod', victim, '--wait=false']);
    await eventually('a new pod in its place', async () => {
      const live = (await pods('web')).filter(running);
      return live.length === 3 && !live.some((p) => p.metadata.name === victim);
    }, 120_000);
  });
});
