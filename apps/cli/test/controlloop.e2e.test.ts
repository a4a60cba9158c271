import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, kubectl, kubectlOk, startCluster, type TestCluster } from './cluster.js';

/** A Deployment whose pods run a real HTTP server on their own address. */
function web(image: string, replicas = 3): string {
  return `
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: default
spec:
  replicas: ${replicas}
  strategy:
    type: RollingUpdate
    rollingUpdate: {maxUnavailable: 0, maxSurge: 1}
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      terminationGracePeriodSeconds: 2
      containers:
        - name: web
          image: ${image}
          command: ["node", "-e", "const v = process.env.VERSION; require('http').createServer((q, s) => s.end(v + ' ' + process.env.POD_NAME)).listen(8080, process.env.POD_IP, () => console.log('serving ' + v + ' on ' + process.env.POD_IP))"]
          env:
            - {name: VERSION, value: "${image}"}
          ports:
            - {containerPort: 8080}
          readinessProbe:
            httpGet: {path: /, port: 8080}
            periodSeconds: 1
`;
}

interface Pod {
  metadata: { name: string; deletionTimestamp?: string; labels?: Record<string, string> };
  spec: { nodeName?: string };
  status: { phase?: string; podIP?: string; conditions?: { type: string; status: string; reason?: string; message?: string }[]; containerStatuses?: { restartCount: number; ready: boolean; state?: Record<string, unknown> }[] };
}

const ready = (p: Pod) => p.status.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') === true && !p.metadata.deletionTimestamp;

describe('the control loop: kubectl apply -> scheduled, running, ready pods', () => {
  let cluster: TestCluster;
  let dir: string;

  const pods = async (): Promise<Pod[]> => JSON.parse(await kubectlOk(cluster, ['get', 'pods', '-l', 'app=web', '-o', 'json'])).items;

  beforeAll(async () => {
    cluster = await startCluster({ nodes: 2 });
    dir = mkdtempSync(join(tmpdir(), 'skiff-loop-'));
  }, 120_000);
  afterAll(async () => {
    await cluster?.stop();
  });

  it('runs 3 ready replicas over 2 nodes, each answering on its own 127.x address', async () => {
    writeFileSync(join(dir, 'v1.yaml'), web('web:v1'));
    await kubectlOk(cluster, ['apply', '-f', join(dir, 'v1.yaml')]);
    const running = await eventually('3 ready pods', async () => {
      const p = await pods();
      return p.filter(ready).length === 3 ? p : undefined;
    }, 60_000);
    expect(new Set(running.map((p) => p.spec.nodeName)).size).toBe(2);
    for (const p of running) {
      expect(p.status.podIP).toMatch(/^127\./);
      const res = await fetch(`http://${p.status.podIP}:8080/`);
      expect(await res.text()).toBe(`web:v1 ${p.metadata.name}`);
    }
    const logs = await kubectlOk(cluster, ['logs', running[0].metadata.name]);
    expect(logs).toContain(`serving web:v1 on ${running[0].status.podIP}`);
    expect(await kubectlOk(cluster, ['rollout', 'status', 'deploy/web', '--timeout=60s'])).toContain('successfully rolled out');
  });

  it('rolls a template change over without dropping below 3 ready, then undoes it by reusing the old ReplicaSet', async () => {
    const before = JSON.parse(await kubectlOk(cluster, ['get', 'rs', '-l', 'app=web', '-o', 'json'])).items as { metadata: { name: string } }[];
    expect(before).toHaveLength(1);
    writeFileSync(join(dir, 'v2.yaml'), web('web:v2'));
    let minReady = 3;
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        const p = await pods();
        minReady = Math.min(minReady, p.filter(ready).length);
      }
    })();
    await kubectlOk(cluster, ['apply', '-f', join(dir, 'v2.yaml')]);
    await kubectlOk(cluster, ['rollout', 'status', 'deploy/web', '--timeout=90s']);
    sampling = false;
    await sampler;
    expect(minReady).toBeGreaterThanOrEqual(3);
    const history = await kubectlOk(cluster, ['rollout', 'history', 'deploy/web']);
    expect(history).toMatch(/^1\s/m);
    expect(history).toMatch(/^2\s/m);

    await kubectlOk(cluster, ['rollout', 'undo', 'deploy/web']);
    await kubectlOk(cluster, ['rollout', 'status', 'deploy/web', '--timeout=90s']);
    const after = JSON.parse(await kubectlOk(cluster, ['get', 'rs', '-l', 'app=web', '-o', 'json'])).items as { metadata: { name: string }; spec: { replicas: number } }[];
    expect(after).toHaveLength(2);
    const active = after.filter((rs) => rs.spec.replicas > 0);
    expect(active.map((rs) => rs.metadata.name)).toEqual([before[0].metadata.name]);
    const p = (await pods()).filter(ready);
    expect(p).toHaveLength(3);
    const res = await fetch(`http://${p[0].status.podIP}:8080/`);
    expect(await res.text()).toContain('web:v1');
  });

  it('restarts a killed container in place and replaces a deleted pod', async () => {
    const [victim] = (await pods()).filter(ready);
    // The container's own process: the one listening on the pod's address.
    const pid = await eventually('the pid of the server', async () => {
      const { execFileSync } = await import('node:child_process');
      const out = execFileSync('ss', ['-Hltnp', `src ${victim.status.podIP}:8080`]).toString();
      const m = /pid=(\d+)/.exec(out);
      return m ? Number(m[1]) : undefined;
    });
    process.kill(pid, 'SIGKILL');
    await eventually('restartCount 1 and ready again', async () => {
      const p = JSON.parse(await kubectlOk(cluster, ['get', 'pod', victim.metadata.name, '-o', 'json'])) as Pod;
      return p.status.containerStatuses?.[0].restartCount === 1 && ready(p);
    }, 60_000);

    await kubectlOk(cluster, ['delete', 'pod', victim.metadata.name, '--wait=false']);
    await eventually('3 ready pods without the deleted one', async () => {
      const p = (await pods()).filter(ready);
      return p.length === 3 && !p.some((x) => x.metadata.name === victim.metadata.name);
    }, 60_000);
  });

  it('keeps a pod that asks for more CPU than any node has Pending, with the reason', async () => {
    writeFileSync(join(dir, 'big.yaml'), `
apiVersion: v1
kind: Pod
metadata: {name: big, namespace: default}
spec:
  containers:
    - name: big
      image: big:1
      command: ["sleep", "100"]
      resources: {requests: {cpu: "1000"}}
`);
    await kubectlOk(cluster, ['apply', '-f', join(dir, 'big.yaml')]);
    await eventually('the Unschedulable condition', async () => {
      const p = JSON.parse(await kubectlOk(cluster, ['get', 'pod', 'big', '-o', 'json'])) as Pod & { status: { conditions?: { type: string; reason?: string; message?: string }[] } };
      const c = p.status.conditions?.find((x) => x.type === 'PodScheduled');
      return c?.reason === 'Unschedulable' && c.message === '0/2 nodes are available: 2 Insufficient cpu.';
    }, 30_000);
    const described = await kubectl(cluster, ['describe', 'pod', 'big']);
    expect(described.stdout).toContain('FailedScheduling');
  });
});
