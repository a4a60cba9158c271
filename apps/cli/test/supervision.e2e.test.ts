import { randomBytes } from 'node:crypto';
import https from 'node:https';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { eventually, kubectlOk, startCluster, type TestCluster } from './cluster.js';

/** The process exists and is not a zombie (a zombie still answers kill(pid, 0)). */
function running(pid: number): boolean {
  try {
    return !/^\d+ \(.*\) [ZX]/s.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

/** A process's parent pid and its argument list. */
function stat(pid: number): { ppid: number; cmdline: string } {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /s, '').split(' ');
  return { ppid: Number(fields[1]), cmdline: readFileSync(`/proc/${pid}/cmdline`, 'utf8') };
}

/**
 * Every live process with `marker` among its arguments (a pod's sh, and bubblewrap's around it).
 * A fork that has not run exec yet (the shell forking its loop's `sleep`, bubblewrap's init) is a
 * copy of its parent's arguments: it is left out unless `withForks`, so two reads of a steady pod
 * agree.
 */
function markerPids(marker: string, withForks = false): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const pid = Number(entry);
      const { ppid, cmdline } = stat(pid);
      if (!cmdline.split('\0').includes(marker) || !running(pid)) continue;
      if (!withForks && stat(ppid).cmdline === cmdline) continue;
      pids.push(pid);
    } catch {
      // gone meanwhile
    }
  }
  return pids.sort((a, b) => a - b);
}

/** The pod's processes, once its command itself runs (bubblewrap and its init start first). */
function podProcesses(marker: string, except: number[] = []): Promise<number[]> {
  return eventually('the pod\'s command running', async () => {
    const pids = markerPids(marker).filter((p) => !except.includes(p));
    return pids.some((p) => readFileSync(`/proc/${p}/cmdline`, 'utf8').startsWith('sh\0')) ? pids : undefined;
  }, 60_000);
}

/** Whether the status page's live stream (`/status/stream`, read as the page reads it) carries `text` within `timeoutMs`. */
function statusPageShows(cluster: TestCluster, text: string, timeoutMs = 10_000): Promise<boolean> {
  const ca = readFileSync(join(cluster.dataDir, 'pki', 'ca.crt'), 'utf8');
  return new Promise((resolve) => {
    let seen = '';
    const req = https.get(`${cluster.url}/status/stream`, { ca }, (res) => {
      res.on('data', (d: Buffer) => {
        seen += d.toString();
        if (seen.includes(text)) finish(true);
      });
    });
    const timer = setTimeout(() => finish(false), timeoutMs);
    function finish(found: boolean) {
      clearTimeout(timer);
      req.destroy();
      resolve(found);
    }
    req.on('error', () => finish(false));
  });
}

function componentPid(dataDir: string, name: string): number {
  return Number(readFileSync(join(dataDir, 'run', `${name}.pid`), 'utf8'));
}

/** Kills a component with SIGKILL and waits for `skiff up` to have started it again. */
async function killAndWaitForRestart(dataDir: string, name: string): Promise<number> {
  const pid = componentPid(dataDir, name);
  process.kill(pid, 'SIGKILL');
  return eventually(`${name} started again`, async () => {
    const next = componentPid(dataDir, name);
    return next !== pid && running(next) ? next : undefined;
  }, 60_000);
}

/**
 * `skiff up` as a supervisor: components that die are started again, a crash loop is reported,
 * a signal to its whole process group (as a terminal sends Ctrl-C) stops every pod, and a run that
 * was killed with SIGKILL leaves no pod behind once `skiff up` runs again.
 */
describe.sequential('skiff up supervises its components and stops its pods', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'skiff-supervise-'));
  const marker = `skiff-supervise-${randomBytes(4).toString('hex')}`;
  let cluster: TestCluster | undefined;
  const podYaml = JSON.stringify({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'sleeper', namespace: 'default' },
    spec: {
      nodeName: 'node-1',
      terminationGracePeriodSeconds: 5,
      // While the API server is down the node's lease goes stale; the pod stays bound all the same.
      tolerations: [
        { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute' },
        { key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute' },
      ],
      // It ignores SIGTERM: only the SIGKILL at the end of its grace period stops it.
      containers: [{ name: 'main', image: 'busybox', command: ['sh', '-c', 'trap "" TERM; while :; do sleep 1; done', marker] }],
    },
  });

  afterAll(async () => {
    if (cluster && running(cluster.pid)) await cluster.stop();
    // A failed test must not leave its pod behind.
    for (const pid of markerPids(marker, true)) process.kill(pid, 'SIGKILL');
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('starts the API server and a node agent again when they die; the agent adopts its pod', async () => {
    cluster = await startCluster({ nodes: 1, dataDir, processGroup: true });
    await kubectlOk(cluster, ['apply', '-f', '-'], podYaml);
    const pods = await podProcesses(marker);

    await killAndWaitForRestart(dataDir, 'apiserver');
    expect(cluster.output()).toMatch(/skiff: apiserver exited \(signal SIGKILL\); starting it again in 1 s/);
    await eventually('the API server serving again', async () => (await kubectlOk(cluster!, ['get', 'pod', 'sleeper', '-o', 'name'])).includes('sleeper'), 60_000);

    await killAndWaitForRestart(dataDir, 'node-1');
    const agentLog = join(dataDir, 'logs', 'node-1.log');
    await eventually('the new agent running', async () => readFileSync(agentLog, 'utf8').split('"msg":"node agent running"').length === 3, 60_000);
    // Adopted, not started again: the same processes.
    expect(markerPids(marker)).toEqual(pods);
  });

  it('reports a component that crash-loops: in its output, DIR/run/components.json, an Event and the status page', async () => {
    for (let i = 0; i < 3; i++) await killAndWaitForRestart(dataDir, 'scheduler');
    expect(cluster!.output()).toMatch(/skiff: scheduler is crash-looping: it exited 3 times in 5 minutes/);
    const states = JSON.parse(readFileSync(join(dataDir, 'run', 'components.json'), 'utf8')) as { name: string; crashLooping: boolean; restarts: number; state: string }[];
    expect(states.find((s) => s.name === 'scheduler')).toMatchObject({ crashLooping: true, restarts: 3, state: 'Running' });
    expect(states.find((s) => s.name === 'controller-manager')).toMatchObject({ crashLooping: false, restarts: 0 });
    const event = await eventually('the BackOff Event', async () => {
      const list = JSON.parse(await kubectlOk(cluster!, ['get', 'events', '-n', 'default', '-o', 'json'])) as { items: { reason: string; type: string; message: string; involvedObject: { kind: string; name: string } }[] };
      return list.items.find((e) => e.reason === 'BackOff' && e.involvedObject.name === 'scheduler');
    }, 30_000);
    expect(event).toMatchObject({ type: 'Warning', involvedObject: { kind: 'ComponentStatus', name: 'scheduler' } });
    expect(event.message).toContain('scheduler is crash-looping');
    expect(await statusPageShows(cluster!, 'scheduler is crash-looping')).toBe(true);
  });

  it('stops the pods a run killed with SIGKILL left running when skiff up starts again', async () => {
    const before = markerPids(marker);
    const components = readdirSync(join(dataDir, 'run')).filter((f) => f.endsWith('.pid')).map((f) => componentPid(dataDir, f.slice(0, -4)));
    process.kill(-cluster!.pid, 'SIGKILL');
    await eventually('skiff up and its components gone', async () => ![cluster!.pid, ...components].some(running), 10_000);
    // Each pod runs in its own session: the group's SIGKILL did not reach it.
    expect(markerPids(marker)).toEqual(before);

    cluster = await startCluster({ nodes: 1, dataDir, processGroup: true });
    await eventually('the old pod processes ended', async () => !before.some(running), 30_000);
    await eventually('the agent to say so', async () => readFileSync(join(dataDir, 'logs', 'node-1.log'), 'utf8').includes('"stopped":1,'), 10_000);
    // The pod is still bound to node-1: it runs again, in new processes.
    await podProcesses(marker, before);
  });

  it('stops every pod within its grace period on a SIGTERM to its whole process group', async () => {
    expect(markerPids(marker).length).toBeGreaterThan(0);
    const started = Date.now();
    // What a terminal (Ctrl-C) or a supervisor does: every process of the group gets the signal at once.
    process.kill(-cluster!.pid, 'SIGTERM');
    await eventually('skiff up stopped', async () => !running(cluster!.pid), 15_000);
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(cluster!.output()).toContain('skiff: stopped');
    expect(markerPids(marker, true)).toEqual([]);
    const states = JSON.parse(readFileSync(join(dataDir, 'run', 'components.json'), 'utf8')) as { state: string }[];
    expect(states.every((s) => s.state === 'Stopped')).toBe(true);
  });
});
