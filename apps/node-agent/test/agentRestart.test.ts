import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { KubeObject } from '@skiff/apimachinery';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PODS, condition, getPod, hostPids, httpServerCommand, isolationArgs, pod, podStatus, startCluster, uniqueMarker, waitFor, type TestCluster } from './cluster.js';

const here = dirname(fileURLToPath(import.meta.url));
const main = join(here, '..', 'src', 'main.ts');

interface AgentProcess {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
}

/**
 * The agent as its own process (`node --import tsx src/main.ts`), so it can be killed with
 * SIGKILL and started again on the same data directory.
 */
describe('an agent that restarts', () => {
  let cluster: TestCluster;
  let token: string;
  const nodeName = `restart-${process.pid}`;
  const dataDir = mkdtempSync(join(tmpdir(), 'skiff-restart-'));
  const flags = mkdtempSync(join(tmpdir(), 'skiff-restart-flags-'));
  const running: AgentProcess[] = [];

  function startAgentProcess(extra: string[] = []): AgentProcess {
    const args = ['--import', 'tsx', main, '--server', cluster.url, '--token', token, '--node-name', nodeName, '--pod-cidr', '127.77.0.0/16', '--data-dir', dataDir, '--heartbeat-ms', '500', '--backoff-base-ms', '300', ...isolationArgs(), ...extra];
    const child = spawn(process.execPath, args, { cwd: join(here, '..'), stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout!.on('data', (b: Buffer) => (out += b.toString()));
    child.stderr!.on('data', (b: Buffer) => (out += b.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    const p = { child, output: () => out, exited };
    running.push(p);
    return p;
  }

  async function startedAgent(extra: string[] = []): Promise<AgentProcess> {
    const p = startAgentProcess(extra);
    await Promise.race([
      waitFor('the agent to start', () => p.output().includes('"msg":"node agent running"'), 30_000),
      p.exited.then((code) => {
        throw new Error(`the agent exited (${code}): ${p.output()}`);
      }),
    ]);
    return p;
  }

  const isAlive = (p: AgentProcess) => p.child.exitCode === null && p.child.signalCode === null;
  const liveAgent = () => running.find(isAlive)!;

  async function kill(p: AgentProcess, sig: NodeJS.Signals): Promise<void> {
    p.child.kill(sig);
    await p.exited;
  }

  async function waitForPod(name: string, what: string, ok: (p: KubeObject) => boolean): Promise<KubeObject> {
    return waitFor(`pod ${name}: ${what}`, async () => {
      const p = await getPod(cluster, name);
      return ok(p) ? p : undefined;
    });
  }
  const ready = (p: KubeObject) => condition(p, 'Ready') === 'True';

  function webPod(name: string, marker: string): KubeObject {
    return pod(name, nodeName, {
      volumes: [{ name: 'flags', hostPath: { path: join(flags, name), type: 'DirectoryOrCreate' } }],
      containers: [
        {
          name: 'web',
          image: 'node:20',
          command: httpServerCommand(marker),
          env: [{ name: 'FLAGS', value: '/flags' }],
          volumeMounts: [{ name: 'flags', mountPath: '/flags' }],
          readinessProbe: { httpGet: { path: '/healthz', port: 8080 }, periodSeconds: 1, failureThreshold: 1 },
        },
      ],
    });
  }

  beforeAll(async () => {
    cluster = await startCluster();
    token = await cluster.nodeToken(nodeName);
  });
  afterAll(async () => {
    for (const p of running) if (isAlive(p)) await kill(p, 'SIGKILL');
    // Whatever the last agent left running is stopped by one more agent with --stop-pods-on-exit.
    const last = await startedAgent(['--stop-pods-on-exit']).catch(() => undefined);
    if (last) await kill(last, 'SIGTERM');
    await cluster?.close();
    rmSync(dataDir, { recursive: true, force: true });
    rmSync(flags, { recursive: true, force: true });
  });

  const keeper = uniqueMarker('keeper');

  it('adopts the containers it left running when killed: no duplicate, no restart', async () => {
    const first = await startedAgent();
    await cluster.admin.create(PODS, webPod('keeper', keeper));
    const before = await waitForPod('keeper', 'Ready', ready);
    const [pid] = hostPids(keeper);

    await kill(first, 'SIGKILL');
    expect(hostPids(keeper)).toEqual([pid]);

    await startedAgent();
    // The new agent runs the adopted container's probes: readiness follows the flag file.
    writeFileSync(join(flags, 'keeper', 'unready'), '');
    await waitForPod('keeper', 'not Ready', (p) => condition(p, 'Ready') === 'False');
    rmSync(join(flags, 'keeper', 'unready'));
    const after = await waitForPod('keeper', 'Ready again', ready);

    expect(hostPids(keeper)).toEqual([pid]);
    const cs = podStatus(after).containerStatuses[0];
    expect(cs.restartCount).toBe(0);
    expect(cs.containerID).toBe(podStatus(before).containerStatuses[0].containerID);
    expect(podStatus(after).podIP).toBe(podStatus(before).podIP);
  });

  it('refuses to share its data directory with a running agent', async () => {
    const second = startAgentProcess();
    expect(await second.exited).toBe(1);
    expect(second.output()).toContain('another node agent');
  });

  it('restarts a container that died while the agent was away, with its exit code', async () => {
    const current = liveAgent();
    await kill(current, 'SIGKILL');
    const [pid] = hostPids(keeper);
    process.kill(pid, 'SIGKILL');
    await waitFor('the container to die', () => hostPids(keeper).length === 0);

    await startedAgent();
    const p = await waitForPod('keeper', 'restarted', (x) => podStatus(x).containerStatuses[0].restartCount === 1 && ready(x));
    expect(podStatus(p).containerStatuses[0].lastState.terminated).toMatchObject({ exitCode: 137, reason: 'Error' });
    expect(hostPids(keeper)).toHaveLength(1);
  });

  it('kills the containers of a pod deleted while it was away', async () => {
    const doomed = uniqueMarker('doomed');
    await cluster.admin.create(PODS, webPod('doomed', doomed));
    await waitForPod('doomed', 'Ready', ready);
    const uid = (await getPod(cluster, 'doomed')).metadata.uid!;
    const current = liveAgent();
    await kill(current, 'SIGKILL');
    await cluster.admin.delete(PODS, 'default', 'doomed', { gracePeriodSeconds: 0 });
    expect(hostPids(doomed)).toHaveLength(1);

    await startedAgent();
    await waitFor('the orphan to be killed', () => hostPids(doomed).length === 0);
    await waitFor('its directory to go', () => !readdirSync(join(dataDir, 'pods')).some((d) => d.endsWith(uid)));
    expect(hostPids(keeper)).toHaveLength(1);
  });

  it('leaves containers running on a clean shutdown, and stops them with --stop-pods-on-exit', async () => {
    const current = liveAgent();
    await kill(current, 'SIGTERM');
    expect(await current.exited).toBe(0);
    const [pid] = hostPids(keeper);
    expect(pid).toBeDefined();

    const stopper = await startedAgent(['--stop-pods-on-exit']);
    expect(hostPids(keeper)).toEqual([pid]);
    await kill(stopper, 'SIGTERM');
    expect(hostPids(keeper)).toEqual([]);
    expect(existsSync(join(dataDir, 'agent.pid'))).toBe(false);
  });

  it('stops, rather than adopts, the containers an agent of an earlier boot left running', async () => {
    const first = await startedAgent();
    const before = await waitForPod('keeper', 'Ready', ready);
    await waitFor('its container running', () => hostPids(keeper).length === 1);
    const [pid] = hostPids(keeper);
    await kill(first, 'SIGKILL');
    expect(hostPids(keeper)).toEqual([pid]);

    // Another boot id: as after a reboot (or a new `skiff up` run), nothing of the earlier one may run on.
    const later = await startedAgent(['--boot-id', `later-${process.pid}`]);
    expect(later.output()).toContain('stopping a container left running by an earlier boot of this node');
    expect(hostPids(keeper).filter((p) => p === pid)).toEqual([]);
    // (The status read before may predate the first agent's restart of the container: compare with more.)
    await waitForPod('keeper', 'started again', (p) => podStatus(p).containerStatuses[0].restartCount > podStatus(before).containerStatuses[0].restartCount && ready(p));
    await waitFor('one new container process', () => hostPids(keeper).length === 1 && hostPids(keeper)[0] !== pid);
  });
});
