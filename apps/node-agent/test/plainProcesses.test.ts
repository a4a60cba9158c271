import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NotFoundError, type KubeObject } from '@skiff/apimachinery';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CONFIGMAPS,
  PODS,
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
 * The pod lifecycle with `isolation: none` whatever the host offers (the other suites follow
 * SKIFF_TEST_ISOLATION, and so use bubblewrap where it works): the stand-in root and working
 * directory, exec, httpGet and tcpSocket probes, preStop hooks, exit codes, and adoption by a
 * restarted agent, which reads the exit code the plain runtime's monitor wrote.
 */
describe('plain processes (isolation none)', () => {
  let cluster: TestCluster;
  let agent: TestAgent;
  const scratch = mkdtempSync(join(tmpdir(), 'skiff-plain-'));
  const nodeName = `plain-${process.pid}`;
  const podCidr = `127.${20 + (process.pid % 200)}.200.0/24`;
  let token: string;
  let dataDir: string;

  const start = async () => {
    agent = await startAgent(cluster, { isolation: 'none', nodeName, token, podCidr, ...(dataDir ? { dataDir } : {}) });
    dataDir = agent.dataDir;
  };

  beforeAll(async () => {
    cluster = await startCluster();
    token = await cluster.nodeToken(nodeName);
    await start();
    await cluster.admin.create(CONFIGMAPS, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'plain-config', namespace: 'default' }, data: { 'app.conf': 'color=green\n' } });
  });
  afterAll(async () => {
    await agent?.close({ stopPods: true });
    await cluster?.close();
    removeDir(dataDir ?? '');
    rmSync(scratch, { recursive: true, force: true });
  });

  async function waitForPod(name: string, what: string, ok: (p: KubeObject) => boolean, timeoutMs = 20_000): Promise<KubeObject> {
    return waitFor(`pod ${name}: ${what}`, async () => {
      const p = await getPod(cluster, name);
      return ok(p) ? p : undefined;
    }, timeoutMs);
  }
  const ready = (p: KubeObject) => condition(p, 'Ready') === 'True';
  const restarts = (p: KubeObject, i = 0) => podStatus(p)?.containerStatuses?.[i]?.restartCount ?? 0;

  /** httpServerCommand with a host directory at /flags; `probes` replace its httpGet readiness probe. */
  function webPod(name: string, marker: string, extra: Record<string, unknown> = {}, podExtra: Record<string, unknown> = {}): KubeObject {
    return pod(name, nodeName, {
      terminationGracePeriodSeconds: 5,
      volumes: [{ name: 'flags', hostPath: { path: join(scratch, name), type: 'DirectoryOrCreate' } }],
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
      ...podExtra,
    });
  }

  it('says so on the agent', () => {
    expect(agent.isolation).toBe('none');
  });

  it('runs in the working directory inside a volume, with $SKIFF_ROOT, $TMPDIR, $HOME and $PWD; exec probes run there too', async () => {
    const out = join(scratch, 'wd-out');
    const script = `const fs = require('node:fs');
      fs.writeFileSync('note', 'written relative to the working directory');
      fs.writeFileSync(process.env.SKIFF_ROOT + '/out/result.json', JSON.stringify({ env: process.env, cwd: process.cwd(),
        conf: fs.readFileSync(process.env.SKIFF_ROOT + '/etc/app/conf/app.conf', 'utf8') }));
      setInterval(() => {}, 1000);`;
    await cluster.admin.create(
      PODS,
      pod('wd', nodeName, {
        volumes: [
          { name: 'data', emptyDir: {} },
          { name: 'config', configMap: { name: 'plain-config', items: [{ key: 'app.conf', path: 'conf/app.conf' }] } },
          { name: 'out', hostPath: { path: out, type: 'DirectoryOrCreate' } },
        ],
        containers: [
          {
            name: 'main',
            image: 'x',
            workingDir: '/data',
            command: [process.execPath, '-e', script],
            volumeMounts: [
              { name: 'data', mountPath: '/data' },
              { name: 'config', mountPath: '/etc/app' },
              { name: 'out', mountPath: '/out' },
            ],
            // Ready once the exec probe, in the same working directory and stand-in root, sees the files.
            readinessProbe: {
              exec: { command: [process.execPath, '-e', `const fs = require('fs'); process.exit(fs.existsSync('note') && fs.existsSync(process.env.SKIFF_ROOT + '/etc/app/conf/app.conf') && process.env.TMPDIR ? 0 : 1)`] },
              periodSeconds: 1,
            },
          },
        ],
      }),
    );
    await waitForPod('wd', 'Ready', ready);
    const result = JSON.parse(readFileSync(join(out, 'result.json'), 'utf8')) as { env: Record<string, string>; cwd: string; conf: string };
    const root = result.env.SKIFF_ROOT;
    expect(root).toMatch(/containers\/main\/root$/);
    expect(result.env.TMPDIR).toMatch(/containers\/main\/tmp$/);
    expect(result.env.HOME).toBe(result.env.TMPDIR);
    expect(result.env.PWD).toBe(`${root}/data`);
    // getcwd() resolves the volume's symlink: the emptyDir's own directory.
    expect(result.cwd).toMatch(/volumes\/data$/);
    expect(readFileSync(join(result.cwd, 'note'), 'utf8')).toMatch(/relative/);
    expect(result.conf).toBe('color=green\n');
  });

  it('follows httpGet, exec and tcpSocket probes: Ready False and back; a failing tcpSocket liveness probe restarts', async () => {
    const marker = uniqueMarker('probed');
    const flags = join(scratch, 'probed');
    // The liveness probe starts once a startup probe has seen the server listen, however long node
    // takes to boot: restartCount stays 0 unless the passing liveness probe itself restarts it.
    const web = {
      ...(webPod('probed', marker).spec as any).containers[0],
      startupProbe: { tcpSocket: { port: 8080 }, periodSeconds: 1, failureThreshold: 60 },
      livenessProbe: { tcpSocket: { port: 8080 }, periodSeconds: 1 },
    };
    const checker = {
      name: 'checker',
      image: 'x',
      command: [process.execPath, '-e', 'setInterval(() => {}, 1000)'],
      volumeMounts: [{ name: 'flags', mountPath: '/flags' }],
      readinessProbe: { exec: { command: [process.execPath, '-e', `process.exit(require('fs').existsSync(process.env.SKIFF_ROOT + '/flags/unready') ? 1 : 0)`] }, periodSeconds: 1, failureThreshold: 1 },
    };
    await cluster.admin.create(PODS, webPod('probed', marker, {}, { containers: [web, checker] }));
    // Nothing listens on 8081: restarted once the liveness probe has failed twice.
    await cluster.admin.create(
      PODS,
      pod('deaf', nodeName, { containers: [{ name: 'app', image: 'x', command: [process.execPath, '-e', 'setInterval(() => {}, 1000)'], livenessProbe: { tcpSocket: { port: 8081 }, periodSeconds: 1, failureThreshold: 2 } }] }),
    );
    await waitForPod('probed', 'Ready', ready, 60_000);
    writeFileSync(join(flags, 'unready'), '');
    const notReady = await waitForPod('probed', 'neither container ready', (p) => podStatus(p).containerStatuses.every((c: any) => !c.ready));
    expect(condition(notReady, 'Ready')).toBe('False');
    rmSync(join(flags, 'unready'));
    const back = await waitForPod('probed', 'Ready again', ready);
    expect(podStatus(back).containerStatuses.map((c: any) => c.restartCount)).toEqual([0, 0]);
    const deaf = await waitForPod('deaf', 'restarted by its liveness probe', (p) => restarts(p) >= 1);
    expect(podStatus(deaf).containerStatuses[0].lastState.terminated).toMatchObject({ reason: 'Error', exitCode: 143 });
    await cluster.admin.delete(PODS, 'default', 'deaf', { gracePeriodSeconds: 0 });
  });

  it('restarts a container whose exec liveness probe fails; it ends on SIGTERM with its own exit code', async () => {
    const flags = join(scratch, 'sick');
    await cluster.admin.create(
      PODS,
      webPod('sick', uniqueMarker('sick'), {
        readinessProbe: undefined,
        // Started once the server listens (its SIGTERM handler is in place by then), however long
        // node takes to boot; the liveness probe runs from then on.
        startupProbe: { tcpSocket: { port: 8080 }, periodSeconds: 1, failureThreshold: 60 },
        livenessProbe: { exec: { command: [process.execPath, '-e', `process.exit(require('fs').existsSync(process.env.SKIFF_ROOT + '/flags/unready') ? 1 : 0)`] }, periodSeconds: 1, failureThreshold: 2 },
      }),
    );
    await waitForPod('sick', 'started', (p) => podStatus(p)?.containerStatuses?.[0]?.started === true, 60_000);
    writeFileSync(join(flags, 'unready'), '');
    const p = await waitForPod('sick', 'restarted', (x) => restarts(x) >= 1);
    rmSync(join(flags, 'unready'), { force: true });
    expect(podStatus(p).containerStatuses[0].lastState.terminated).toMatchObject({ exitCode: 0, reason: 'Completed' });
    expect(existsSync(join(flags, 'sigterm'))).toBe(true);
  });

  it('reports a SIGKILL as exit code 137, Error, and restarts in place', async () => {
    const marker = uniqueMarker('victim');
    await cluster.admin.create(PODS, webPod('victim', marker));
    await waitForPod('victim', 'Ready', ready);
    const [pid] = hostPids(marker);
    process.kill(pid, 'SIGKILL');
    const after = await waitForPod('victim', 'restarted and Ready', (p) => restarts(p) === 1 && ready(p));
    expect(podStatus(after).containerStatuses[0].lastState.terminated).toMatchObject({ exitCode: 137, reason: 'Error' });
    expect(hostPids(marker)).toHaveLength(1);
  });

  it('finishes a graceful deletion: exec preStop hook, SIGTERM, then the pod is gone', async () => {
    const marker = uniqueMarker('leaver');
    const flags = join(scratch, 'leaver');
    const preStop = { exec: { command: [process.execPath, '-e', "require('fs').writeFileSync(process.env.SKIFF_ROOT + '/flags/prestop', String(Date.now()))"] } };
    await cluster.admin.create(PODS, webPod('leaver', marker, { lifecycle: { preStop } }, { terminationGracePeriodSeconds: 30 }));
    await waitForPod('leaver', 'Ready', ready);
    const t0 = Date.now();
    await cluster.admin.delete(PODS, 'default', 'leaver');
    await waitFor('the pod to be gone', async () => (await getPod(cluster, 'leaver').catch((e) => (e instanceof NotFoundError ? undefined : Promise.reject(e)))) === undefined);
    // Well inside the 30s grace period: the process ended on SIGTERM, not on the SIGKILL at its end.
    expect(Date.now() - t0).toBeLessThan(15_000);
    expect(Number(readFileSync(join(flags, 'prestop'), 'utf8'))).toBeLessThanOrEqual(Number(readFileSync(join(flags, 'sigterm'), 'utf8')));
    expect(hostPids(marker)).toEqual([]);
  });

  it('is adopted by a restarted agent; containers that ended meanwhile keep their exit codes', async () => {
    const keeper = uniqueMarker('keeper');
    const quitter = uniqueMarker('quitter');
    await cluster.admin.create(PODS, webPod('keeper', keeper));
    // Exits 3 as soon as $SKIFF_ROOT/flags/quit exists.
    await cluster.admin.create(
      PODS,
      pod('quitter', nodeName, {
        volumes: [{ name: 'flags', hostPath: { path: join(scratch, 'quitter'), type: 'DirectoryOrCreate' } }],
        containers: [{ name: 'app', image: 'x', command: [process.execPath, '-e', `setInterval(() => require('fs').existsSync(process.env.SKIFF_ROOT + '/flags/quit') && process.exit(3), 50)`, quitter], volumeMounts: [{ name: 'flags', mountPath: '/flags' }] }],
      }),
    );
    const before = await waitForPod('keeper', 'Ready', ready);
    await waitForPod('quitter', 'Running', (p) => podStatus(p)?.containerStatuses?.[0]?.state?.running !== undefined);
    const [pid] = hostPids(keeper);

    // Away once: nothing happens meanwhile; the new agent adopts and probes.
    await agent.close();
    expect(hostPids(keeper)).toEqual([pid]);
    await start();
    writeFileSync(join(scratch, 'keeper', 'unready'), '');
    await waitForPod('keeper', 'not Ready', (p) => condition(p, 'Ready') === 'False');
    rmSync(join(scratch, 'keeper', 'unready'));
    const adopted = await waitForPod('keeper', 'Ready again', ready);
    expect(hostPids(keeper)).toEqual([pid]);
    expect(podStatus(adopted).containerStatuses[0]).toMatchObject({ restartCount: 0, containerID: podStatus(before).containerStatuses[0].containerID });

    // Away again: one container is killed, the other exits 3.
    await agent.close();
    process.kill(pid, 'SIGKILL');
    writeFileSync(join(scratch, 'quitter', 'quit'), '');
    await waitFor('both to end', () => hostPids(keeper).length === 0 && hostPids(quitter).length === 0);
    rmSync(join(scratch, 'quitter', 'quit'));
    await start();
    const k = await waitForPod('keeper', 'restarted', (p) => restarts(p) === 1 && ready(p));
    expect(podStatus(k).containerStatuses[0].lastState.terminated).toMatchObject({ exitCode: 137, reason: 'Error' });
    const q = await waitForPod('quitter', 'restarted', (p) => restarts(p) === 1);
    expect(podStatus(q).containerStatuses[0].lastState.terminated).toMatchObject({ exitCode: 3, reason: 'Error' });
    expect(hostPids(keeper)).toHaveLength(1);
  });
});
