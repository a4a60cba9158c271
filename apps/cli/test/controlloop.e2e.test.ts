import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, kubectl, kubectlOk, startCluster, type TestCluster } from './cluster.js';

const CLI = fileURLToPath(new URL('../src/main.ts', import.meta.url));
const run = promisify(execFile);

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
  const joined: ChildProcess[] = [];
  const agentDirs: string[] = [];
  const agentDir = (name: string) => {
    const d = mkdtempSync(join(tmpdir(), `skiff-agent-${name}-`));
    agentDirs.push(d);
    return d;
  };

  /** `skiff agent` joining as NAME with a node token, the way a second machine does. */
  const joinAgent = async (name: string, token: string, extra: string[]): Promise<ChildProcess> => {
    const { podOctet } = JSON.parse(readFileSync(join(cluster.dataDir, 'cluster.json'), 'utf8')) as { podOctet: number };
    const child = spawn(process.execPath, ['--import', 'tsx', CLI, 'agent', '--server', cluster.url, '--token', token, '--node-name', name, '--ca-file', join(cluster.dataDir, 'pki', 'ca.crt'),
      '--data-dir', agentDir(name), '--pod-cidr', `127.${podOctet}.9.0/24`, '--stop-pods-on-exit', ...extra], { stdio: 'ignore' });
    joined.push(child);
    return child;
  };
  const pidOf = (component: string) => Number(readFileSync(join(cluster.dataDir, 'run', `${component}.pid`), 'utf8'));
  const rolloutTo = async (image: string) => {
    writeFileSync(join(dir, `${image}.yaml`), web(image));
    await kubectlOk(cluster, ['apply', '-f', join(dir, `${image}.yaml`)]);
  };
  const servingOnly = async (image: string) => {
    const p = (await pods()).filter(ready);
    if (p.length !== 3) return false;
    for (const x of p) {
      const res = await fetch(`http://${x.status.podIP}:8080/`).catch(() => undefined);
      if (!res || !(await res.text()).startsWith(`${image} `)) return false;
    }
    return true;
  };

  const pods = async (): Promise<Pod[]> => JSON.parse(await kubectlOk(cluster, ['get', 'pods', '-l', 'app=web', '-o', 'json'])).items;

  beforeAll(async () => {
    cluster = await startCluster({ nodes: 2 });
    dir = mkdtempSync(join(tmpdir(), 'skiff-loop-'));
  }, 120_000);
  afterAll(async () => {
    for (const c of joined) {
      if (c.exitCode === null) {
        c.kill('SIGTERM');
        await new Promise((r) => c.once('exit', r));
      }
    }
    await cluster?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
    for (const d of agentDirs) rmSync(d, { recursive: true, force: true });
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
    // The event follows the condition.
    await eventually('a FailedScheduling event', async () => (await kubectl(cluster, ['describe', 'pod', 'big'])).stdout.includes('FailedScheduling'), 30_000);
  });
  it('schedules the Pending pod once a node large enough joins with a node token', async () => {
    const token = (await run(process.execPath, ['--import', 'tsx', CLI, 'token', 'create-node', 'big', '--kubeconfig', cluster.kubeconfig])).stdout.trim();
    await joinAgent('big', token, ['--cpu', '2000']);
    await eventually('big bound to the new node and running', async () => {
      const p = JSON.parse(await kubectlOk(cluster, ['get', 'pod', 'big', '-o', 'json'])) as Pod;
      return p.spec.nodeName === 'big' && p.status.phase === 'Running';
    }, 60_000);
    await kubectlOk(cluster, ['delete', 'pod', 'big', '--wait=false']);
    // The rest of this file expects the web pods on node-1 and node-2 only.
    await kubectlOk(cluster, ['cordon', 'big']);
  });

  it('shows CrashLoopBackOff for a container that keeps failing (the growing delays are tested in the node agent)', async () => {
    writeFileSync(join(dir, 'crash.yaml'), `
apiVersion: v1
kind: Pod
metadata: {name: crasher, namespace: default}
spec:
  containers:
    - {name: crash, image: crash:1, command: ["node", "-e", "console.log('about to fail'); process.exit(3)"]}
`);
    await kubectlOk(cluster, ['apply', '-f', join(dir, 'crash.yaml')]);
    await eventually('CrashLoopBackOff', async () => {
      const p = JSON.parse(await kubectlOk(cluster, ['get', 'pod', 'crasher', '-o', 'json'])) as Pod & { status: { containerStatuses?: { state?: { waiting?: { reason?: string; message?: string } }; lastState?: { terminated?: { exitCode?: number } } }[] } };
      const cs = p.status.containerStatuses?.[0];
      return cs?.state?.waiting?.reason === 'CrashLoopBackOff' && cs.lastState?.terminated?.exitCode === 3;
    }, 60_000);
    await eventually('a BackOff event', async () => (await kubectlOk(cluster, ['get', 'events', '--field-selector', 'involvedObject.name=crasher', '-o', 'json'])).includes('BackOff'), 30_000);
    expect(await kubectlOk(cluster, ['logs', 'crasher'])).toContain('about to fail');
    await kubectlOk(cluster, ['delete', 'pod', 'crasher', '--wait=false']);
  });

  it('converges when the controller manager is killed -9 in the middle of a rollout', async () => {
    await rolloutTo('web:v3');
    process.kill(pidOf('controller-manager'), 'SIGKILL');
    await kubectlOk(cluster, ['rollout', 'status', 'deploy/web', '--timeout=90s']);
    await eventually('only v3 serving', () => servingOnly('web:v3'), 30_000);
  });

  it('converges when the scheduler is killed -9 in the middle of a rollout', async () => {
    await rolloutTo('web:v4');
    process.kill(pidOf('scheduler'), 'SIGKILL');
    await kubectlOk(cluster, ['rollout', 'status', 'deploy/web', '--timeout=90s']);
    await eventually('only v4 serving', () => servingOnly('web:v4'), 30_000);
  });

  it('converges when Redis is flushed in the middle of a rollout', async () => {
    await rolloutTo('web:v5');
    await run('redis-cli', ['-h', '127.0.0.1', '-p', '6379', 'FLUSHALL']);
    await kubectlOk(cluster, ['rollout', 'status', 'deploy/web', '--timeout=90s']);
    await eventually('only v5 serving', () => servingOnly('web:v5'), 30_000);
  });

  it('moves the pods of a frozen node agent to the other node once the node is NotReady', async () => {
    const onNode2 = (await pods()).filter((p) => ready(p) && p.spec.nodeName === 'node-2');
    expect(onNode2.length).toBeGreaterThan(0);
    // A machine that hangs: `skiff up` would start a killed agent again at once, a stopped one it leaves be.
    const agent = pidOf('node-2');
    process.kill(agent, 'SIGSTOP');
    try {
      await eventually('node-2 NotReady', async () => {
        const node = JSON.parse(await kubectlOk(cluster, ['get', 'node', 'node-2', '-o', 'json'])) as { status: { conditions: { type: string; status: string }[] } };
        return node.status.conditions.find((c) => c.type === 'Ready')?.status !== 'True';
      }, 30_000);
      await eventually('3 ready pods, all on node-1', async () => {
        const p = (await pods()).filter(ready);
        return p.length === 3 && p.every((x) => x.spec.nodeName === 'node-1');
      }, 60_000);
    } finally {
      // The machine comes back: the agent finds its old pods deleted and stops their processes.
      process.kill(agent, 'SIGCONT');
    }
    await eventually('node-2 Ready again', async () => {
      const node = JSON.parse(await kubectlOk(cluster, ['get', 'node', 'node-2', '-o', 'json'])) as { status: { conditions: { type: string; status: string }[] } };
      return node.status.conditions.find((c) => c.type === 'Ready')?.status === 'True';
    }, 30_000);
    for (const p of onNode2) {
      await eventually(`${p.metadata.name}'s process gone`, async () => !(await fetch(`http://${p.status.podIP}:8080/`).then(() => true, () => false)), 30_000);
    }
  });
});
