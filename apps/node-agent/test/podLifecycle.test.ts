import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NotFoundError, type KubeObject } from '@skiff/apimachinery';
import { resourceType } from '@skiff/kube-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CONFIGMAPS,
  PODS,
  SECRETS,
  condition,
  getPod,
  hostPids,
  httpServerCommand,
  pod,
  podStatus,
  removeDir,
  startAgent,
  startCluster,
  uniqueMarker,
  waitFor,
  type TestAgent,
  type TestCluster,
} from './cluster.js';

/**
 * Pods on a real node agent (bubblewrap where the host allows it) against a real API server:
 * pods are created with spec.nodeName set, as the scheduler would bind them.
 */
const ENDPOINTS = resourceType('endpoints');

describe('running pods', () => {
  let cluster: TestCluster;
  let agent: TestAgent;
  const scratch = mkdtempSync(join(tmpdir(), 'skiff-flags-'));

  beforeAll(async () => {
    cluster = await startCluster();
    // A terminating pod waits up to 30s (not the default 2s) to leave Services' rotation, so the
    // rotation test checks the order of events, not a race against that cap.
    agent = await startAgent(cluster, { rotationWaitMaxMs: 30_000 });
  });
  afterAll(async () => {
    await agent?.close({ stopPods: true });
    await cluster?.close();
    removeDir(agent?.dataDir ?? '');
    rmSync(scratch, { recursive: true, force: true });
  });

  async function create(p: KubeObject): Promise<KubeObject> {
    return cluster.admin.create(PODS, p);
  }

  async function waitForPod(name: string, what: string, ok: (p: KubeObject) => boolean, timeoutMs = 20_000): Promise<KubeObject> {
    return waitFor(`pod ${name}: ${what}`, async () => {
      const p = await getPod(cluster, name);
      return ok(p) ? p : undefined;
    }, timeoutMs);
  }

  const ready = (p: KubeObject) => condition(p, 'Ready') === 'True';

  async function agentLogs(name: string, container: string): Promise<string> {
    const res = await fetch(`http://127.0.0.1:${agent.port}/containerLogs/default/${name}/${container}`, { headers: { authorization: `Bearer ${agent.token}` } });
    return res.ok ? res.text() : '';
  }

  /** A pod serving HTTP on $POD_IP:8080, ready once it answers /healthz; `flags` is a host directory at /flags. */
  function webPod(name: string, marker: string, flags: string, extra: Record<string, unknown> = {}): KubeObject {
    return pod(name, agent.nodeName, {
      terminationGracePeriodSeconds: 5,
      volumes: [{ name: 'flags', hostPath: { path: flags, type: 'DirectoryOrCreate' } }],
      containers: [
        {
          name: 'web',
          image: 'node:20',
          command: httpServerCommand(marker),
          env: [{ name: 'FLAGS', value: '/flags' }],
          volumeMounts: [{ name: 'flags', mountPath: '/flags' }],
          readinessProbe: { httpGet: { path: '/healthz', port: 8080 }, periodSeconds: 1, failureThreshold: 1 },
          ...extra,
        },
      ],
    });
  }

  it('runs a pod that becomes Running and Ready and answers on its own 127.x address', async () => {
    const marker = uniqueMarker('web');
    // Tolerant readiness probe: the last test checks that this pod's status stays untouched, which
    // only a real failure (three in a row, 5s each to answer) should change, not a slow moment.
    await create(webPod('web', marker, join(scratch, 'web'), { readinessProbe: { httpGet: { path: '/healthz', port: 8080 }, periodSeconds: 1, timeoutSeconds: 5, failureThreshold: 3 } }));
    const p = await waitForPod('web', 'Ready', ready);
    const s = podStatus(p);
    expect(s.phase).toBe('Running');
    expect(s.podIP).toMatch(/^127\./);
    expect(s.podIPs).toEqual([{ ip: s.podIP }]);
    expect(s.hostIP).toBe('127.0.0.1');
    expect(s.startTime).toBeDefined();
    expect(s.containerStatuses[0]).toMatchObject({ name: 'web', ready: true, started: true, restartCount: 0, image: 'node:20', imageID: 'skiff://process' });
    expect(s.containerStatuses[0].state.running.startedAt).toBeDefined();
    for (const type of ['PodScheduled', 'Initialized', 'ContainersReady', 'Ready']) expect(condition(p, type)).toBe('True');

    const answer = (await (await fetch(`http://${s.podIP}:8080/`)).json()) as { pod: string; ip: string };
    expect(answer).toMatchObject({ pod: 'web', ip: s.podIP });
    expect(hostPids(marker)).toHaveLength(1);
  });

  it('gives two pods their own addresses, so both listen on port 8080', async () => {
    await create(webPod('twin-a', uniqueMarker('twin-a'), join(scratch, 'twin-a')));
    await create(webPod('twin-b', uniqueMarker('twin-b'), join(scratch, 'twin-b')));
    const [a, b] = await Promise.all([waitForPod('twin-a', 'Ready', ready), waitForPod('twin-b', 'Ready', ready)]);
    expect(podStatus(a).podIP).not.toBe(podStatus(b).podIP);
    for (const [name, p] of [['twin-a', a], ['twin-b', b]] as const) {
      const answer = (await (await fetch(`http://${podStatus(p).podIP}:8080/`)).json()) as { pod: string };
      expect(answer.pod).toBe(name);
    }
  });

  it('gives the process its environment, the downward API, and ConfigMap and Secret volumes', async () => {
    await cluster.admin.create(CONFIGMAPS, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'app-config', namespace: 'default' }, data: { MODE: 'fast', 'app.conf': 'color=blue\n' } });
    await cluster.admin.create(SECRETS, { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'app-secret', namespace: 'default' }, data: { password: Buffer.from('hunter2').toString('base64') } });
    const out = join(scratch, 'env-out');
    await create(
      pod('env-pod', agent.nodeName, {
        restartPolicy: 'Never',
        volumes: [
          { name: 'config', configMap: { name: 'app-config', items: [{ key: 'app.conf', path: 'conf/app.conf' }] } },
          { name: 'secret', secret: { secretName: 'app-secret' } },
          { name: 'out', hostPath: { path: out, type: 'DirectoryOrCreate' } },
        ],
        containers: [
          {
            name: 'main',
            image: 'busybox',
            workingDir: '/etc/app',
            command: [
              process.execPath,
              '-e',
              `const fs = require('node:fs');
               const root = process.env.SKIFF_ROOT === '/' ? '' : process.env.SKIFF_ROOT;
               fs.writeFileSync(root + '/out/result.json', JSON.stringify({ env: process.env, cwd: process.cwd(), relConf: fs.readFileSync('conf/app.conf', 'utf8'),
                 conf: fs.readFileSync(root + '/etc/app/conf/app.conf', 'utf8'), password: fs.readFileSync(root + '/secret/password', 'utf8') }));`,
            ],
            env: [
              { name: 'GREETING', value: 'hello $(POD_NAME)' },
              { name: 'MODE', valueFrom: { configMapKeyRef: { name: 'app-config', key: 'MODE' } } },
              { name: 'PASSWORD', valueFrom: { secretKeyRef: { name: 'app-secret', key: 'password' } } },
              { name: 'MY_UID', valueFrom: { fieldRef: { fieldPath: 'metadata.uid' } } },
              { name: 'MY_IP', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } },
            ],
            envFrom: [{ configMapRef: { name: 'app-config' }, prefix: 'CM_' }],
            volumeMounts: [
              { name: 'config', mountPath: '/etc/app' },
              { name: 'secret', mountPath: '/secret' },
              { name: 'out', mountPath: '/out' },
            ],
          },
        ],
      }),
    );
    const p = await waitForPod('env-pod', 'Succeeded', (x) => podStatus(x)?.phase === 'Succeeded');
    const result = JSON.parse(readFileSync(join(out, 'result.json'), 'utf8')) as { env: Record<string, string>; conf: string; relConf: string; password: string; cwd: string };
    expect(result.env).toMatchObject({
      POD_NAME: 'env-pod',
      POD_NAMESPACE: 'default',
      POD_IP: podStatus(p).podIP,
      NODE_NAME: agent.nodeName,
      GREETING: 'hello env-pod',
      MODE: 'fast',
      PASSWORD: 'hunter2',
      MY_UID: p.metadata.uid,
      MY_IP: podStatus(p).podIP,
      CM_MODE: 'fast',
    });
    expect(result.conf).toBe('color=blue\n');
    expect(result.password).toBe('hunter2');
    // The working directory is the volume: relative paths find its files.
    expect(result.relConf).toBe('color=blue\n');
    if (agent.isolation === 'bubblewrap') {
      expect(result.cwd).toBe('/etc/app');
    } else {
      // Sandbox-only: without a mount namespace the volume is a symlink in the stand-in root, and
      // getcwd() (process.cwd()) reports the directory it resolves to; $PWD keeps the logical path.
      expect(result.env.PWD).toBe(`${result.env.SKIFF_ROOT}/etc/app`);
    }
    expect(podStatus(p).containerStatuses[0].state.terminated).toMatchObject({ exitCode: 0, reason: 'Completed' });
    expect(condition(p, 'Ready')).toBe('False');
  });

  it('restarts a container killed with SIGKILL in place: restartCount 1, the kill as its last state', async () => {
    const marker = uniqueMarker('victim');
    await create(webPod('victim', marker, join(scratch, 'victim')));
    const before = await waitForPod('victim', 'Ready', ready);
    const [pid] = hostPids(marker);
    process.kill(pid, 'SIGKILL');
    const after = await waitForPod('victim', 'restarted and Ready', (p) => podStatus(p).containerStatuses[0].restartCount === 1 && ready(p));
    const cs = podStatus(after).containerStatuses[0];
    expect(cs.lastState.terminated).toMatchObject({ exitCode: 137, reason: 'Error' });
    expect(cs.containerID).not.toBe(podStatus(before).containerStatuses[0].containerID);
    expect(podStatus(after).podIP).toBe(podStatus(before).podIP);
    const pids = hostPids(marker);
    expect(pids).toHaveLength(1);
    expect(pids[0]).not.toBe(pid);
  });

  it('backs off a crashing container with doubling delays up to the cap (CrashLoopBackOff)', async () => {
    // Its own agent, with back-offs long enough to be seen: restart 1 at once, then waits of 1s,
    // 2s, 4s, and 4s (the cap, not 8s) for every restart after that.
    const baseMs = 1000;
    const maxMs = 4000;
    const expectedDelayMs = (restartCount: number) => Math.min(baseMs * 2 ** (restartCount - 1), maxMs);
    const crashAgent = await startAgent(cluster, { backoffBaseMs: baseMs, backoffMaxMs: maxMs });
    const stopWatch = new AbortController();
    let watchDone: Promise<void> | undefined;
    try {
      const created = await create(pod('crasher', crashAgent.nodeName, { containers: [{ name: 'app', image: 'busybox', command: [process.execPath, '-e', 'console.log("boom"); process.exit(3)'] }] }));
      // Every status the API server stores, through a watch from the pod's creation (no polls
      // that could miss one): the first CrashLoopBackOff status seen at each restartCount, which
      // waits for the delay after run number restartCount ended.
      const backoffs = new Map<number, any>();
      watchDone = cluster.admin
        .watch(PODS, { namespace: 'default', resourceVersion: created.metadata.resourceVersion! }, (ev) => {
          if (ev.object.metadata?.name !== 'crasher' || ev.type === 'BOOKMARK' || ev.type === 'ERROR') return;
          const cs = podStatus(ev.object)?.containerStatuses?.[0];
          if (cs?.state?.waiting?.reason === 'CrashLoopBackOff' && !backoffs.has(cs.restartCount)) backoffs.set(cs.restartCount, { ...cs, phase: podStatus(ev.object).phase });
        }, stopWatch.signal)
        .then(() => {
          if (!stopWatch.signal.aborted) throw new Error('the watch of pod crasher ended early');
        });
      // Done once a growing back-off (restartCount 1 or 2) and a capped one (restartCount 4 or
      // later, right after the one before it) have been seen.
      const seen = waitFor('a growing and a capped back-off', () => {
        const counts = [...backoffs.keys()];
        return counts.some((n) => n <= 2) && counts.some((n) => n >= 4 && backoffs.has(n - 1));
      }, 60_000);
      // watchDone only settles before the abort below by rejecting (the watch ended early).
      await Promise.race([seen, watchDone]);

      const counts = [...backoffs.keys()].sort((a, b) => a - b);
      const uid = created.metadata.uid!;
      // Each back-off is the base doubled once per restart, capped: 1s, 2s, 4s, 4s, ...
      expect(counts.map((n) => [n, backoffs.get(n).state.waiting.message])).toEqual(
        counts.map((n) => [n, `back-off ${expectedDelayMs(n) / 1000}s restarting failed container=app pod=crasher_default(${uid})`]),
      );
      // ... so the delays seen, in order, grow and then stay at the cap (not 8s at restartCount 4).
      expect(counts[0]).toBeLessThanOrEqual(2);
      expect(counts.at(-1)).toBeGreaterThanOrEqual(4);
      // And the agent really waits: run n+1 starts at least the back-off after run n ended. Both
      // times come from the statuses (whole seconds, so the difference of whole-second
      // timestamps is still at least the whole-second delay).
      let checked = 0;
      for (const n of counts) {
        const next = backoffs.get(n + 1);
        if (!next) continue;
        const endedAt = Date.parse(backoffs.get(n).lastState.terminated.finishedAt);
        const nextStartedAt = Date.parse(next.lastState.terminated.startedAt);
        expect(nextStartedAt - endedAt, `run ${n + 1} after run ${n}`).toBeGreaterThanOrEqual(expectedDelayMs(n));
        if (expectedDelayMs(n) === maxMs) checked++;
      }
      expect(checked).toBeGreaterThanOrEqual(1);
      const last = backoffs.get(counts.at(-1)!);
      expect(last.phase).toBe('Running');
      expect(last.lastState.terminated).toMatchObject({ exitCode: 3, reason: 'Error' });
    } finally {
      stopWatch.abort();
      await watchDone?.catch(() => undefined);
      await crashAgent.close({ stopPods: true });
      removeDir(crashAgent.dataDir);
    }
  }, 90_000);

  it('reports Ready False while the readiness probe fails, and True again once it passes', async () => {
    const flags = join(scratch, 'flaky');
    await create(webPod('flaky', uniqueMarker('flaky'), flags));
    await waitForPod('flaky', 'Ready', ready);
    writeFileSync(join(flags, 'unready'), '');
    const t0 = Date.now();
    const notReady = await waitForPod('flaky', 'not Ready', (p) => condition(p, 'Ready') === 'False');
    // The probe runs every second and one failure counts; kubelet's defaults (every 10s, three
    // failures) would take 30s.
    expect(Date.now() - t0).toBeLessThan(10_000);
    expect(podStatus(notReady).containerStatuses[0]).toMatchObject({ ready: false, started: true });
    expect(podStatus(notReady).conditions.find((c: any) => c.type === 'ContainersReady')).toMatchObject({ status: 'False', reason: 'ContainersNotReady' });
    expect(podStatus(notReady).phase).toBe('Running');
    rmSync(join(flags, 'unready'));
    await waitForPod('flaky', 'Ready again', ready);
  });

  it('restarts a container whose liveness probe fails', async () => {
    const flags = join(scratch, 'sick');
    await create(
      webPod('sick', uniqueMarker('sick'), flags, {
        readinessProbe: undefined,
        // The liveness probe starts once the server listens (its SIGTERM handler is in place by
        // then), however long node takes to boot.
        startupProbe: { tcpSocket: { port: 8080 }, periodSeconds: 1, failureThreshold: 60 },
        livenessProbe: { httpGet: { path: '/healthz', port: 8080 }, periodSeconds: 1, failureThreshold: 2 },
      }),
    );
    await waitForPod('sick', 'started', (p) => podStatus(p)?.containerStatuses?.[0]?.started === true, 60_000);
    writeFileSync(join(flags, 'unready'), '');
    const p = await waitForPod('sick', 'restarted', (x) => podStatus(x).containerStatuses[0].restartCount >= 1);
    rmSync(join(flags, 'unready'), { force: true });
    // the server exits 0 on the SIGTERM the failed probe brought
    expect(podStatus(p).containerStatuses[0].lastState.terminated).toMatchObject({ exitCode: 0 });
  });

  it('finishes a graceful deletion: preStop hook, SIGTERM, then the pod is gone from the API', async () => {
    const flags = join(scratch, 'leaver');
    const marker = uniqueMarker('leaver');
    const preStop = { exec: { command: [process.execPath, '-e', "require('fs').writeFileSync(require('path').join(process.env.SKIFF_ROOT, 'flags/prestop'), String(Date.now()))"] } };
    const leaver = webPod('leaver', marker, flags, { lifecycle: { preStop } });
    (leaver.spec as any).terminationGracePeriodSeconds = 30;
    await create(leaver);
    await waitForPod('leaver', 'Ready', ready);
    const t0 = Date.now();
    await cluster.admin.delete(PODS, 'default', 'leaver');
    const terminating = await getPod(cluster, 'leaver').catch(() => undefined);
    if (terminating) expect(terminating.metadata.deletionTimestamp).toBeDefined();
    await waitFor('the pod to be gone', async () => {
      try {
        await getPod(cluster, 'leaver');
        return false;
      } catch (err) {
        return err instanceof NotFoundError;
      }
    });
    // Well inside the 30s grace period: the process ended on SIGTERM, not on the SIGKILL at its end.
    expect(Date.now() - t0).toBeLessThan(15_000);
    expect(existsSync(join(flags, 'sigterm'))).toBe(true);
    expect(Number(readFileSync(join(flags, 'prestop'), 'utf8'))).toBeLessThanOrEqual(Number(readFileSync(join(flags, 'sigterm'), 'utf8')));
    expect(hostPids(marker)).toEqual([]);
  });

  it('sends SIGTERM only once no Endpoints list the pod as ready (out of every Service\'s rotation first)', async () => {
    const flags = join(scratch, 'serving');
    const marker = uniqueMarker('serving');
    // A grace period of 60s: the agent may wait half of it (and at most rotationWaitMaxMs, 30s here)
    // for the Endpoints to drop the pod, far longer than this test takes to drop it.
    const serving = webPod('serving', marker, flags);
    (serving.spec as any).terminationGracePeriodSeconds = 60;
    await create(serving);
    const running = await waitForPod('serving', 'Ready', ready);
    const ip = podStatus(running).podIP as string;
    // What the endpoints controller would have made for a Service selecting this pod.
    const endpoints = await cluster.admin.create(ENDPOINTS, { apiVersion: 'v1', kind: 'Endpoints', metadata: { name: 'serving', namespace: 'default' }, subsets: [{ addresses: [{ ip }], ports: [{ port: 8080 }] }] });
    await cluster.admin.delete(PODS, 'default', 'serving');
    await waitFor('the pod marked for deletion', async () => !!(await getPod(cluster, 'serving')).metadata.deletionTimestamp);
    // The agent has taken in the deletion (its own list of pods says so) ...
    await waitFor('the agent to see the deletion', async () => {
      const res = await fetch(`http://127.0.0.1:${agent.port}/pods`, { headers: { authorization: `Bearer ${agent.token}` } });
      const { items } = (await res.json()) as { items: KubeObject[] };
      return items.some((p) => p.metadata.name === 'serving' && !!p.metadata.deletionTimestamp);
    });
    // ... and sends no SIGTERM while the Endpoints still list the pod. Not a synchronisation: a
    // window for a SIGTERM that must not come (an agent that did not wait would send it at once).
    await new Promise((r) => setTimeout(r, 500));
    expect(existsSync(join(flags, 'sigterm'))).toBe(false);
    // The address leaves the Service's rotation now; SIGTERM must come after this moment.
    const outAt = Date.now();
    await cluster.admin.update(ENDPOINTS, { ...endpoints, subsets: [{ notReadyAddresses: [{ ip }], ports: [{ port: 8080 }] }] });
    await waitFor('the pod to be gone', async () => {
      try {
        await getPod(cluster, 'serving');
        return false;
      } catch (err) {
        return err instanceof NotFoundError;
      }
    });
    expect(Number(readFileSync(join(flags, 'sigterm'), 'utf8'))).toBeGreaterThanOrEqual(outAt);
    await cluster.admin.delete(ENDPOINTS, 'default', 'serving');
  });

  it('kills a container that ignores SIGTERM when the grace period ends', async () => {
    const marker = uniqueMarker('stubborn');
    await create(
      pod('stubborn', agent.nodeName, {
        terminationGracePeriodSeconds: 1,
        containers: [{ name: 'app', image: 'x', command: [process.execPath, '-e', 'process.on("SIGTERM", () => console.log("ignoring")); console.log("armed"); setInterval(() => {}, 1000)', marker] }],
      }),
    );
    // Running is reported once the process exists; its SIGTERM handler is in place once it says so.
    await waitFor('the handler to be armed', async () => (await agentLogs('stubborn', 'app')).includes('armed'));
    const t0 = Date.now();
    await cluster.admin.delete(PODS, 'default', 'stubborn');
    await waitFor('the pod to be gone', async () => !(await cluster.admin.get(PODS, 'default', 'stubborn').catch(() => undefined)));
    const took = Date.now() - t0;
    expect(took).toBeGreaterThanOrEqual(900);
    // Killed when its own 1s grace period ended: the default grace period would take 30s.
    expect(took).toBeLessThan(10_000);
    expect(hostPids(marker)).toEqual([]);
  });

  it('stops a pod deleted outright at once', async () => {
    const marker = uniqueMarker('abrupt');
    await create(pod('abrupt', agent.nodeName, { containers: [{ name: 'app', image: 'x', command: [process.execPath, '-e', 'setInterval(() => {}, 1000)', marker] }] }));
    await waitForPod('abrupt', 'Running', (p) => podStatus(p)?.phase === 'Running');
    // Running is reported once the sandbox (or monitor) is spawned; the command follows within moments.
    await waitFor('the process to run', () => hostPids(marker).length === 1, 5000);
    await cluster.admin.delete(PODS, 'default', 'abrupt', { gracePeriodSeconds: 0 });
    await waitFor('the process to be gone', () => hostPids(marker).length === 0, 5000);
  });

  it('refuses a container without a command, saying why', async () => {
    await create(pod('imageonly', agent.nodeName, { containers: [{ name: 'nginx', image: 'nginx:1.27' }] }));
    const p = await waitForPod('imageonly', 'waiting', (x) => !!podStatus(x)?.containerStatuses?.[0]?.state?.waiting?.message);
    expect(podStatus(p).containerStatuses[0].state.waiting).toEqual({
      reason: 'CreateContainerConfigError',
      message: expect.stringMatching(/command is required/),
    });
    expect(podStatus(p).containerStatuses[0].state.waiting.message).toMatch(/does not pull/);
    expect(podStatus(p).phase).toBe('Pending');
  });

  it('runs init containers first, in order, then the app containers side by side', async () => {
    const out = join(scratch, 'init-out');
    const append = (what: string) => [process.execPath, '-e', `require('fs').appendFileSync((process.env.SKIFF_ROOT === '/' ? '' : process.env.SKIFF_ROOT) + '/out/order', '${what}\\n')`];
    await create(
      pod('initialised', agent.nodeName, {
        volumes: [{ name: 'out', hostPath: { path: out, type: 'DirectoryOrCreate' } }],
        initContainers: [
          { name: 'first', image: 'x', command: [...append('first')], volumeMounts: [{ name: 'out', mountPath: '/out' }] },
          { name: 'second', image: 'x', command: [process.execPath, '-e', `setTimeout(() => { require('fs').appendFileSync((process.env.SKIFF_ROOT === '/' ? '' : process.env.SKIFF_ROOT) + '/out/order', 'second\\n') }, 300)`], volumeMounts: [{ name: 'out', mountPath: '/out' }] },
        ],
        containers: [
          { name: 'app', image: 'x', command: [process.execPath, '-e', `${append('app')[2]}; setInterval(() => {}, 1000)`], volumeMounts: [{ name: 'out', mountPath: '/out' }] },
          { name: 'sidecar', image: 'x', command: [process.execPath, '-e', 'setInterval(() => {}, 1000)'] },
        ],
      }),
    );
    const seen = new Set<string>();
    const p = await waitForPod('initialised', 'Ready', (x) => {
      const s = podStatus(x);
      if (s?.phase === 'Pending' && s.conditions?.find((c: any) => c.type === 'Initialized')?.status === 'False') seen.add('initializing');
      return ready(x);
    });
    // Ready means the app process runs; its first line follows in a moment.
    await waitFor('the app to write', () => readFileSync(join(out, 'order'), 'utf8').includes('app'));
    expect(readFileSync(join(out, 'order'), 'utf8')).toBe('first\nsecond\napp\n');
    expect(seen.has('initializing')).toBe(true);
    const s = podStatus(p);
    expect(s.initContainerStatuses.map((c: any) => c.state.terminated?.reason)).toEqual(['Completed', 'Completed']);
    expect(s.containerStatuses.map((c: any) => [c.name, c.ready])).toEqual([['app', true], ['sidecar', true]]);
  });

  it('fails a pod whose init container fails under restartPolicy Never', async () => {
    await create(
      pod('badinit', agent.nodeName, {
        restartPolicy: 'Never',
        initContainers: [{ name: 'setup', image: 'x', command: [process.execPath, '-e', 'process.exit(7)'] }],
        containers: [{ name: 'app', image: 'x', command: [process.execPath, '-e', 'setInterval(() => {}, 1000)'] }],
      }),
    );
    const p = await waitForPod('badinit', 'Failed', (x) => podStatus(x)?.phase === 'Failed');
    expect(podStatus(p).initContainerStatuses[0].state.terminated).toMatchObject({ exitCode: 7, reason: 'Error' });
    expect(podStatus(p).containerStatuses[0].state.waiting.reason).toBe('PodInitializing');
  });

  it.runIf(existsSync('/sys/fs/cgroup/memory/cgroup.procs'))('reports OOMKilled when a container exceeds its memory limit', async () => {
    await create(
      pod('hog', agent.nodeName, {
        restartPolicy: 'Never',
        containers: [
          {
            name: 'hog',
            image: 'x',
            resources: { limits: { memory: '96Mi' } },
            command: [process.execPath, '-e', 'const a = []; setInterval(() => { a.push(Buffer.alloc(16 * 1024 * 1024, 1)); }, 5)'],
          },
        ],
      }),
    );
    const p = await waitForPod('hog', 'terminated', (x) => podStatus(x)?.phase === 'Failed');
    expect(podStatus(p).containerStatuses[0].state.terminated).toMatchObject({ exitCode: 137, reason: 'OOMKilled' });
  });

  it('is quiet once converged: no status writes while nothing changes', async () => {
    const p = await waitForPod('web', 'Ready', ready);
    // Not a synchronisation: watching for writes that must not happen over a few probe periods.
    await new Promise((r) => setTimeout(r, 1500));
    const again = await getPod(cluster, 'web');
    expect(again.metadata.resourceVersion).toBe(p.metadata.resourceVersion);
  });
});
