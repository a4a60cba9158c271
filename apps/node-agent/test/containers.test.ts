import { spawnSync } from 'node:child_process';
import { connect } from 'node:net';
import type { KubeObject } from '@skiff/apimachinery';
import { CriClient } from '@skiff/cri';
import type { Readable } from 'node:stream';
import { WebSocket } from 'ws';
import { dialUpgrade, SpdySession } from '@skiff/streaming';
import { existsSync, readFileSync } from 'node:fs';
import { removeCgroupTree } from '../src/runtime/podCgroups.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StatsSummary } from '../src/stats/statsCollector.js';
import { EVENTS, NODES, PODS, SECRETS, agentWebSocketSession, getPod, pod, podStatus, removeDir, startAgent, startCluster, waitFor, type TestAgent, type TestCluster } from './cluster.js';
import { startTestContainerRuntime, WEB_CONFIG, WEB_FILES, type TestContainerRuntime } from '@skiff/cri/testing';

/**
 * Pods as OCI containers: a real containerd (CRI plugin, runc, the CNI bridge) behind a real node
 * agent, images built here and served by a real registry on 127.0.0.1.
 */
describe('pods are containers', () => {
  let cluster: TestCluster;
  let runtime: TestContainerRuntime;
  let agent: TestAgent;
  let web: string;
  /** Every pod's cgroup goes under this; it is removed after the suite. */
  const cgroupRoot = `/skiff-test-${process.pid}`;
  const runtimeOptions = () => ({ containerRuntimeEndpoint: runtime.endpoint, podCidr: runtime.podCidr, cgroupRoot: `${cgroupRoot}/node`, podMaxPids: 64 });

  beforeAll(async () => {
    cluster = await startCluster();
    runtime = await startTestContainerRuntime();
    web = await runtime.push('web:1', WEB_CONFIG, WEB_FILES);
    agent = await startAgent(cluster, { ...runtimeOptions(), imageListMs: 500, statsIntervalMs: 1000 });
  }, 120_000);

  afterAll(async () => {
    await agent?.close({ stopPods: true });
    await runtime?.close();
    await cluster?.close();
    removeDir(agent?.dataDir ?? '');
    removeCgroupTree(cgroupRoot);
  }, 120_000);

  async function waitForPod(name: string, what: string, ok: (p: any) => boolean, timeoutMs = 60_000): Promise<KubeObject> {
    return waitFor(`pod ${name}: ${what}`, async () => {
      const p = await getPod(cluster, name);
      return ok(p) ? p : undefined;
    }, timeoutMs);
  }

  /** Until the pod is gone from the API (its agent finished the deletion). */
  async function waitGone(name: string, timeoutMs: number): Promise<void> {
    await waitFor(`${name} gone`, () => getPod(cluster, name).then(() => false, () => true), timeoutMs);
  }

  const running = (p: any) => p.status?.phase === 'Running' && p.status.containerStatuses?.every((c: any) => c.ready);

  async function exec(containerId: string, cmd: string[]): Promise<{ exitCode: number; out: string }> {
    const cri = new CriClient({ endpoint: runtime.endpoint });
    try {
      const r = await cri.execSync(containerId, cmd, 10);
      return { exitCode: r.exitCode, out: r.stdout.toString() + r.stderr.toString() };
    } finally {
      cri.close();
    }
  }

  function containerIdOf(p: any, name = p.spec.containers[0].name): string {
    return String(p.status.containerStatuses.find((c: any) => c.name === name).containerID).replace('containerd://', '');
  }

  function inSubnet(ip: string, cidr: string): boolean {
    return ip.split('.').slice(0, 3).join('.') === cidr.split('.').slice(0, 3).join('.');
  }

  it('runs an image by its own entrypoint on a pod IP of the node, reachable from the host, with logs', async () => {
    await cluster.admin.create(PODS, pod('web-a', agent.nodeName, {
      containers: [{ name: 'web', image: web, ports: [{ containerPort: 8080 }], readinessProbe: { httpGet: { path: '/', port: 8080 }, periodSeconds: 1 } }],
    }));
    const p: any = await waitForPod('web-a', 'Running and Ready', running);
    expect(inSubnet(p.status.podIP, runtime.podCidr)).toBe(true);
    const cs = p.status.containerStatuses[0];
    expect(cs.containerID).toMatch(/^containerd:\/\/[0-9a-f]{64}$/);
    expect(cs.imageID).toMatch(/^sha256:[0-9a-f]{64}$/);
    const res = await fetch(`http://${p.status.podIP}:8080/cgi-bin/host`);
    expect((await res.text()).trim()).toBe('web-a');
    const logs = await waitFor('the entrypoint\'s output in the logs', async () => {
      const res = await fetch(`http://127.0.0.1:${agent.port}/containerLogs/default/web-a/web`, { headers: { authorization: `Bearer ${agent.token}` } });
      const text = await res.text();
      return text.includes('serving on web-a') ? text : undefined;
    });
    expect(logs).toContain('serving on web-a');
    const events = await cluster.admin.list(EVENTS, { namespace: 'default', fieldSelector: 'involvedObject.name=web-a' });
    const reasons = events.items.map((e: any) => e.reason);
    expect(reasons).toEqual(expect.arrayContaining(['Pulling', 'Pulled', 'Started']));
  });

  it('gives two pods listening on 0.0.0.0:8080 their own network namespaces', async () => {
    await cluster.admin.create(PODS, pod('web-b', agent.nodeName, { containers: [{ name: 'web', image: web }] }));
    await cluster.admin.create(PODS, pod('web-c', agent.nodeName, { containers: [{ name: 'web', image: web }] }));
    const b: any = await waitForPod('web-b', 'Running', running);
    const c: any = await waitForPod('web-c', 'Running', running);
    expect(b.status.podIP).not.toBe(c.status.podIP);
    for (const [name, ip] of [['web-b', b.status.podIP], ['web-c', c.status.podIP]]) {
      const text = await waitFor(`${name} answering`, async () => (await fetch(`http://${ip}:8080/cgi-bin/host`)).text());
      expect(text.trim()).toBe(name);
    }
  });

  it('isolates a pod from the host: its files, its loopback services, and capabilities beyond the default set', async () => {
    const p: any = await getPod(cluster, 'web-a');
    const id = containerIdOf(p);
    const shadow = await exec(id, ['cat', '/etc/shadow']);
    expect(shadow.exitCode).not.toBe(0);
    const checkout = await exec(id, ['ls', process.cwd()]);
    expect(checkout.exitCode).not.toBe(0);
    const status = await exec(id, ['cat', '/proc/self/status']);
    // containerd's default set: CHOWN DAC_OVERRIDE FSETID FOWNER MKNOD NET_RAW SETGID SETUID SETFCAP SETPCAP NET_BIND_SERVICE SYS_CHROOT KILL AUDIT_WRITE
    expect(status.out).toMatch(/CapEff:\s+00000000a80425fb/);
    for (const port of [5432, 6379]) {
      const conn = await exec(id, ['sh', '-c', `echo | nc -w 2 127.0.0.1 ${port}; echo rc=$?`]);
      expect(conn.out).toContain('rc=1');
    }
    // Postgres answers on the host's loopback (so the refusal above is the namespace's doing).
    await new Promise<void>((resolve, reject) => {
      const s = connect(5432, '127.0.0.1', () => (s.end(), resolve()));
      s.on('error', reject);
    });
  });

  it('overrides the entrypoint with command and args, and runs exec probes inside the container', async () => {
    await cluster.admin.create(PODS, pod('cmd', agent.nodeName, {
      containers: [{
        name: 'main',
        image: web,
        command: ['sh', '-c'],
        args: ['echo "$(GREETING) from $0" > /tmp/ready; exec sleep 3600', 'args-pod'],
        env: [{ name: 'GREETING', value: 'hi' }],
        readinessProbe: { exec: { command: ['cat', '/tmp/ready'] }, periodSeconds: 1 },
      }],
    }));
    const p: any = await waitForPod('cmd', 'Ready through its exec probe', running);
    const out = await exec(containerIdOf(p), ['cat', '/tmp/ready']);
    expect(out.out.trim()).toBe('hi from args-pod');
  });

  it('reports ErrImagePull, then ImagePullBackOff, for an image the registry does not have', async () => {
    const created = await cluster.admin.create(PODS, pod('missing', agent.nodeName, { containers: [{ name: 'main', image: `${runtime.registry.host}/missing:1` }] }));
    // Every status the API server stores, through a watch (a poll could miss the short ErrImagePull
    // this agent's 300 ms back-off gives), in the order they came.
    const seen: string[] = [];
    const stop = new AbortController();
    const watching = cluster.admin.watch(PODS, { namespace: 'default', resourceVersion: created.metadata.resourceVersion! }, (ev) => {
      if (ev.object.metadata?.name !== 'missing' || ev.type === 'BOOKMARK' || ev.type === 'ERROR') return;
      const reason = podStatus(ev.object)?.containerStatuses?.[0]?.state?.waiting?.reason;
      if (reason && seen[seen.length - 1] !== reason) seen.push(reason);
    }, stop.signal);
    try {
      await waitFor('ErrImagePull, then ImagePullBackOff', () => seen.indexOf('ImagePullBackOff') > seen.indexOf('ErrImagePull') && seen.includes('ErrImagePull'), 60_000);
    } finally {
      stop.abort();
      await watching.catch(() => undefined);
    }
    const p: any = await getPod(cluster, 'missing');
    expect(p.status.phase).toBe('Pending');
  });

  it('refuses an invalid image name and an absent image under pull policy Never', async () => {
    await cluster.admin.create(PODS, pod('never', agent.nodeName, { containers: [{ name: 'main', image: `${runtime.registry.host}/not-here:1`, imagePullPolicy: 'Never' }] }));
    await waitForPod('never', 'ErrImageNeverPull', (p) => p.status?.containerStatuses?.[0]?.state?.waiting?.reason === 'ErrImageNeverPull');
  });

  it('pulls a private image only with its imagePullSecrets', async () => {
    const { startRegistry } = await import('@skiff/oci');
    const { mkdtempSync } = await import('node:fs');
    const { join } = await import('node:path');
    const { tmpdir } = await import('node:os');
    const dir = mkdtempSync(join(tmpdir(), 'skiff-private-reg-'));
    const auth = { username: 'team', password: 's3cret' };
    const privateReg = await startRegistry({ dir, auth });
    try {
      const image = await runtime.push('private:1', WEB_CONFIG, WEB_FILES, { host: privateReg.host, auth });
      await cluster.admin.create(PODS, pod('private-no-secret', agent.nodeName, { containers: [{ name: 'main', image }] }));
      await waitForPod('private-no-secret', 'ErrImagePull', (p) => ['ErrImagePull', 'ImagePullBackOff'].includes(p.status?.containerStatuses?.[0]?.state?.waiting?.reason));
      const dockerconfig = { auths: { [privateReg.host]: { username: auth.username, password: auth.password, auth: Buffer.from(`${auth.username}:${auth.password}`).toString('base64') } } };
      await cluster.admin.create(SECRETS, {
        apiVersion: 'v1',
        kind: 'Secret',
        metadata: { name: 'regcred', namespace: 'default' },
        type: 'kubernetes.io/dockerconfigjson',
        data: { '.dockerconfigjson': Buffer.from(JSON.stringify(dockerconfig)).toString('base64') },
      } as KubeObject);
      await cluster.admin.create(PODS, pod('private-with-secret', agent.nodeName, { imagePullSecrets: [{ name: 'regcred' }], containers: [{ name: 'main', image }] }));
      await waitForPod('private-with-secret', 'Running', running);
    } finally {
      await privateReg.stop();
      removeDir(dir);
    }
  });

  it('kills a container over its memory limit as OOMKilled with exit code 137, and restarts it', async () => {
    await cluster.admin.create(PODS, pod('hog', agent.nodeName, {
      containers: [{ name: 'main', image: web, command: ['sh', '-c', 'sleep 1; exec dd if=/dev/zero of=/dev/null bs=128M count=1'], resources: { limits: { memory: '32Mi' } } }],
    }));
    const p: any = await waitForPod('hog', 'OOMKilled and restarted', (q) => {
      const cs = q.status?.containerStatuses?.[0];
      return cs?.restartCount >= 1 && cs.lastState?.terminated?.reason === 'OOMKilled';
    });
    expect(p.status.containerStatuses[0].lastState.terminated.exitCode).toBe(137);
  });

  it('stops a deleted pod with its grace period and removes its sandbox', async () => {
    const before: any = await getPod(cluster, 'web-b');
    await cluster.admin.delete(PODS, 'default', 'web-b');
    await waitGone('web-b', 60_000);
    const cri = new CriClient({ endpoint: runtime.endpoint });
    try {
      await waitFor('its sandbox removed', async () => (await cri.listPodSandbox({ labelSelector: { 'io.kubernetes.pod.uid': before.metadata.uid } })).length === 0);
    } finally {
      cri.close();
    }
    const stillAnswers = await fetch(`http://${before.status.podIP}:8080/`, { signal: AbortSignal.timeout(1000) }).then(() => true, () => false);
    expect(stillAnswers).toBe(false);
  });

  it('adopts running containers after an agent restart: the same containers, no duplicates', async () => {
    const before: any = await getPod(cluster, 'web-c');
    const id = containerIdOf(before);
    await agent.close();
    agent = await startAgent(cluster, { ...runtimeOptions(), nodeName: agent.nodeName, token: agent.token, dataDir: agent.dataDir });
    await new Promise((r) => setTimeout(r, 1500)); // a few relists of the adopted containers
    const after: any = await waitForPod('web-c', 'Running', running);
    expect(containerIdOf(after)).toBe(id);
    expect(after.status.containerStatuses[0].restartCount).toBe(0);
    const cri = new CriClient({ endpoint: runtime.endpoint });
    try {
      const containers = await cri.listContainers({ labelSelector: { 'io.kubernetes.pod.uid': before.metadata.uid }, state: { state: 'CONTAINER_RUNNING' } });
      expect(containers.map((c) => c.id)).toEqual([id]);
    } finally {
      cri.close();
    }
  });

  /** Runs a pod to completion and returns its log (the container's output). */
  async function runToCompletion(name: string, spec: Record<string, unknown>): Promise<string> {
    await cluster.admin.create(PODS, pod(name, agent.nodeName, { restartPolicy: 'Never', ...spec }));
    await waitForPod(name, 'Succeeded or Failed', (p) => p.status?.phase === 'Succeeded' || p.status?.phase === 'Failed');
    const res = await fetch(`http://127.0.0.1:${agent.port}/containerLogs/default/${name}/main`, { headers: { authorization: `Bearer ${agent.token}` } });
    return res.text();
  }

  it('honours the security context: user, groups, fsGroup on volumes, read-only root, capabilities, no_new_privs', async () => {
    const out = await runToCompletion('secctx', {
      securityContext: { runAsUser: 1000, runAsGroup: 3000, fsGroup: 2000 },
      volumes: [{ name: 'scratch', emptyDir: {} }, { name: 'mem', emptyDir: { medium: 'Memory', sizeLimit: '1Mi' } }],
      containers: [{
        name: 'main',
        image: web,
        command: ['sh', '-c', [
          'id',
          'touch /scratch/f && stat -c "scratch-file %g" /scratch/f',
          'touch /rootfs-file 2>/dev/null; echo rootfs=$?',
          'grep -E "^(CapEff|NoNewPrivs)" /proc/self/status',
          'grep " /mem " /proc/mounts | cut -d" " -f3',
        ].join('; ')],
        volumeMounts: [{ name: 'scratch', mountPath: '/scratch' }, { name: 'mem', mountPath: '/mem' }],
        securityContext: { readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } },
      }],
    });
    expect(out).toMatch(/uid=1000 gid=3000 groups=.*2000/);
    expect(out).toContain('scratch-file 2000');
    expect(out).toContain('rootfs=1');
    expect(out).toMatch(/CapEff:\s+0000000000000000/);
    expect(out).toMatch(/NoNewPrivs:\s+1/);
    expect(out).toContain('tmpfs');
  });

  it('adds a capability on request, and gives a privileged container all of them', async () => {
    const added = await runToCompletion('capadd', { containers: [{ name: 'main', image: web, command: ['sh', '-c', 'grep CapEff /proc/self/status'], securityContext: { capabilities: { add: ['NET_ADMIN'] } } }] });
    // CAP_NET_ADMIN is bit 12: 0xa80425fb | 0x1000
    expect(added).toMatch(/CapEff:\s+00000000a80435fb/);
    const privileged = await runToCompletion('privileged', { containers: [{ name: 'main', image: web, command: ['sh', '-c', 'grep CapEff /proc/self/status'], securityContext: { privileged: true } }] });
    expect(privileged).not.toMatch(/CapEff:\s+00000000a80425fb/);
    expect(privileged).toMatch(/CapEff:\s+000001ff/);
  });

  it('gives a secret volume, 0400 by default, to the user its container runs as: runAsUser, or the image\'s USER', async () => {
    await cluster.admin.create(SECRETS, { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'app-creds', namespace: 'default' }, stringData: { password: 'hunter2' } } as KubeObject);
    const reading = (image: string) => ({
      volumes: [{ name: 'creds', secret: { secretName: 'app-creds' } }],
      containers: [{ name: 'main', image, command: ['sh', '-c', 'id -u; stat -c "%a %u" /creds/password; cat /creds/password'], volumeMounts: [{ name: 'creds', mountPath: '/creds' }] }],
    });
    expect(await runToCompletion('secret-run-as-user', { securityContext: { runAsUser: 1000 }, ...reading(web) })).toBe('1000\n400 1000\nhunter2');
    const userImage = await runtime.push('web-user:1', { ...WEB_CONFIG, User: '1001' }, WEB_FILES);
    expect(await runToCompletion('secret-image-user', reading(userImage))).toBe('1001\n400 1001\nhunter2');
  });

  it('refuses runAsNonRoot for an image that runs as root', async () => {
    await cluster.admin.create(PODS, pod('nonroot', agent.nodeName, { securityContext: { runAsNonRoot: true }, containers: [{ name: 'main', image: web }] }));
    const p: any = await waitForPod('nonroot', 'CreateContainerConfigError', (q) => q.status?.containerStatuses?.[0]?.state?.waiting?.reason === 'CreateContainerConfigError');
    expect(p.status.containerStatuses[0].state.waiting.message).toContain('runAsNonRoot');
  });

  it('reports a container\'s usage from the runtime (ListContainerStats) in the summary API', async () => {
    // A busy loop held to half a core by its limit: the rate comes out near 500m.
    await cluster.admin.create(PODS, pod('spin', agent.nodeName, { containers: [{ name: 'main', image: web, command: ['sh', '-c', 'while :; do :; done'], resources: { limits: { cpu: '500m', memory: '64Mi' } } }] }));
    await waitForPod('spin', 'running', running);
    const stats = await waitFor('a cpu rate for spin', async () => {
      const res = await fetch(`http://127.0.0.1:${agent.port}/stats/summary`, { headers: { authorization: `Bearer ${agent.token}` } });
      const body = (await res.json()) as StatsSummary;
      const s = body.pods.find((p) => p.podRef.name === 'spin');
      return s?.cpu.usageNanoCores !== undefined && s.cpu.usageNanoCores > 0 ? s : undefined;
    }, 60_000);
    expect(stats.containers.map((c) => c.name)).toEqual(['main']);
    expect(stats.cpu.usageNanoCores).toBeGreaterThan(150_000_000);
    expect(stats.cpu.usageNanoCores).toBeLessThan(650_000_000);
    expect(stats.memory.workingSetBytes).toBeGreaterThan(0);
    await cluster.admin.delete(PODS, 'default', 'spin');
  });

  it('enforces a CPU limit as a CFS quota and requests as shares', async () => {
    const out = await runToCompletion('cpu', {
      containers: [{ name: 'main', image: web, command: ['sh', '-c', 'cat /sys/fs/cgroup/cpu/cpu.cfs_quota_us /sys/fs/cgroup/cpu/cpu.cfs_period_us /sys/fs/cgroup/cpu/cpu.shares'], resources: { requests: { cpu: '250m' }, limits: { cpu: '500m' } } }],
    });
    expect(out.trim().split('\n')).toEqual(['50000', '100000', '256']);
  });

  it('removes unused images when the image filesystem is over the GC threshold, keeping those in use', async () => {
    const unused = await runtime.push('unused:1', WEB_CONFIG, [{ path: '/unused', type: 'file', content: 'x' }]);
    const cri = new CriClient({ endpoint: runtime.endpoint });
    try {
      await cri.pullImage(unused);
      expect(await cri.imageStatus(unused)).toBeDefined();
      // A second agent for the same node would fight the first; restart this one with thresholds every filesystem exceeds.
      await agent.close();
      agent = await startAgent(cluster, { ...runtimeOptions(), nodeName: agent.nodeName, token: agent.token, dataDir: agent.dataDir, imageGcHighThresholdPercent: 0, imageGcLowThresholdPercent: 0, imageGcIntervalMs: 200 });
      await waitFor('the unused image removed', async () => (await cri.imageStatus(unused)) === undefined, 30_000);
      expect(await cri.imageStatus(web)).toBeDefined();
      const sandboxes = await cri.listPodSandbox({ state: { state: 'SANDBOX_READY' } });
      expect(sandboxes.length).toBeGreaterThan(0);
    } finally {
      cri.close();
    }
    // Running pods keep running.
    await waitForPod('web-c', 'still Running', running);
  });

  it('runs init containers first, restarts a crashing container, and keeps the previous run\'s log', async () => {
    await cluster.admin.create(PODS, pod('initpod', agent.nodeName, {
      volumes: [{ name: 'shared', emptyDir: {} }],
      initContainers: [{ name: 'init', image: web, command: ['sh', '-c', 'echo prepared-by-init > /shared/msg'], volumeMounts: [{ name: 'shared', mountPath: '/shared' }] }],
      containers: [{ name: 'main', image: web, command: ['sh', '-c', 'echo "run $(date +%s)-$$RANDOM: $(cat /shared/msg)"; sleep 0.3; exit 3'], volumeMounts: [{ name: 'shared', mountPath: '/shared' }] }],
    }));
    const p: any = await waitForPod('initpod', 'restarted at least once', (q) => q.status?.containerStatuses?.[0]?.restartCount >= 1 && q.status.containerStatuses[0].lastState?.terminated);
    expect(p.status.initContainerStatuses[0].state.terminated).toMatchObject({ exitCode: 0, reason: 'Completed' });
    expect(p.status.containerStatuses[0].lastState.terminated).toMatchObject({ exitCode: 3, reason: 'Error' });
    const logs = async (previous: boolean) => (await fetch(`http://127.0.0.1:${agent.port}/containerLogs/default/initpod/main${previous ? '?previous=true' : ''}`, { headers: { authorization: `Bearer ${agent.token}` } })).text();
    const previous = await logs(true);
    expect(previous).toMatch(/^run \d+-\d+: prepared-by-init\n$/);
    const current = await waitFor('the current run\'s log', async () => ((await logs(false)).includes('prepared-by-init') ? logs(false) : undefined));
    expect(current).not.toBe(previous);
  });

  it('removes, after a restart, the sandbox of a pod deleted while the agent was down (no orphans)', async () => {
    await cluster.admin.create(PODS, pod('orphan', agent.nodeName, { containers: [{ name: 'main', image: web }] }));
    const p: any = await waitForPod('orphan', 'Running', running);
    await agent.close();
    await cluster.admin.delete(PODS, 'default', 'orphan', { gracePeriodSeconds: 0 });
    const cri = new CriClient({ endpoint: runtime.endpoint });
    try {
      expect((await cri.listPodSandbox({ labelSelector: { 'io.kubernetes.pod.uid': p.metadata.uid } })).length).toBe(1);
      agent = await startAgent(cluster, { ...runtimeOptions(), nodeName: agent.nodeName, token: agent.token, dataDir: agent.dataDir });
      await waitFor('the orphan\'s sandbox removed', async () => (await cri.listPodSandbox({ labelSelector: { 'io.kubernetes.pod.uid': p.metadata.uid } })).length === 0, 30_000);
    } finally {
      cri.close();
    }
  });

  it('restarts a container whose exec liveness probe fails inside it', async () => {
    await cluster.admin.create(PODS, pod('live', agent.nodeName, {
      // The shell is pid 1 without a TERM trap: only the SIGKILL at the end of the grace period stops it.
      terminationGracePeriodSeconds: 1,
      containers: [{
        name: 'main',
        image: web,
        command: ['sh', '-c', 'touch /tmp/healthy; sleep 2; rm /tmp/healthy; sleep 3600'],
        livenessProbe: { exec: { command: ['cat', '/tmp/healthy'] }, periodSeconds: 1, failureThreshold: 1 },
      }],
    }));
    await waitForPod('live', 'restarted by its liveness probe', (q) => q.status?.containerStatuses?.[0]?.restartCount >= 1, 30_000);
    const events = await cluster.admin.list(EVENTS, { namespace: 'default', fieldSelector: 'involvedObject.name=live' });
    expect(events.items.map((e: any) => `${e.reason}: ${e.message}`)).toEqual(expect.arrayContaining([expect.stringMatching(/^Killing: Container main failed liveness probe/)]));
  });

  it('runs an exec preStop hook inside the container before stopping it with SIGTERM', async () => {
    const { mkdtempSync, readFileSync, chmodSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const host = mkdtempSync(join(tmpdir(), 'skiff-prestop-'));
    chmodSync(host, 0o777);
    try {
      await cluster.admin.create(PODS, pod('stopper', agent.nodeName, {
        terminationGracePeriodSeconds: 20,
        volumes: [{ name: 'out', hostPath: { path: host, type: 'Directory' } }],
        containers: [{
          name: 'main',
          image: web,
          command: ['sh', '-c', 'trap "echo sigterm >> /out/order; exit 0" TERM; sleep 3600 & wait'],
          volumeMounts: [{ name: 'out', mountPath: '/out' }],
          lifecycle: { preStop: { exec: { command: ['sh', '-c', 'echo prestop-in-$(hostname) >> /out/order'] } } },
        }],
      }));
      await waitForPod('stopper', 'Running', running);
      const started = Date.now();
      await cluster.admin.delete(PODS, 'default', 'stopper');
      await waitGone('stopper', 30_000);
      expect(readFileSync(join(host, 'order'), 'utf8').trim().split('\n')).toEqual(['prestop-in-stopper', 'sigterm']);
      // It exited on SIGTERM, long before the 20 s grace period would have ended it.
      expect(Date.now() - started).toBeLessThan(15_000);
    } finally {
      removeDir(host);
    }
  });

  it('caps the processes of a pod (--pod-max-pids) and removes the pod\'s cgroup with it', async () => {
    // Background sleeps in a subshell until a fork fails (ash gives up on the first one); the
    // count of those that started is then under the pod's limit of 64.
    const script = '(n=0; for i in $(seq 1 100); do sleep 3 & n=$((n+1)); echo $n > /tmp/n; done) 2>/tmp/err; sleep 1; echo started=$(cat /tmp/n) error=$(grep -c fork /tmp/err)';
    const out = await runToCompletion('forks', { containers: [{ name: 'main', image: web, command: ['sh', '-c', script] }] });
    const m = /started=(\d+) error=(\d+)/.exec(out);
    if (!m) throw new Error(`unexpected output: ${out}`);
    expect(Number(m[1])).toBeGreaterThan(10);
    expect(Number(m[1])).toBeLessThan(64);
    expect(Number(m[2])).toBeGreaterThanOrEqual(1);
    const p: any = await getPod(cluster, 'forks');
    const dir = `/sys/fs/cgroup/pids${cgroupRoot}/node/pod${p.metadata.uid}`;
    expect(readFileSync(`${dir}/pids.max`, 'utf8').trim()).toBe('64');
    await cluster.admin.delete(PODS, 'default', 'forks', { gracePeriodSeconds: 0 });
    await waitFor('the pod cgroup removed', () => !existsSync(dir), 30_000);
  });

  it('reports a command the image lacks as StartError with exit code 128', async () => {
    await cluster.admin.create(PODS, pod('nocmd', agent.nodeName, { restartPolicy: 'Never', containers: [{ name: 'main', image: web, command: ['/no/such/binary'] }] }));
    const p: any = await waitForPod('nocmd', 'Failed', (q) => q.status?.phase === 'Failed');
    expect(p.status.containerStatuses[0].state.terminated).toMatchObject({ reason: 'StartError', exitCode: 128 });
    expect(p.status.containerStatuses[0].state.terminated.message).toMatch(/no such file/i);
  });

  it('lists the node\'s images and its runtime in the Node status', async () => {
    const node: any = await waitFor('images in the node status', async () => {
      const n: any = await cluster.admin.get(NODES, undefined, agent.nodeName);
      return n.status.images?.some((i: any) => i.names.includes(web)) ? n : undefined;
    });
    expect(node.status.nodeInfo.containerRuntimeVersion).toMatch(/^containerd:\/\/1\./);
    expect(node.status.conditions.find((c: any) => c.type === 'Isolated')).toMatchObject({ status: 'True', reason: 'ContainerRuntime' });
  });

  describe('exec, attach and port-forward sessions through the runtime\'s streaming server', () => {
    const auth = () => ({ authorization: `Bearer ${agent.token}` });
    const wsUrl = (path: string) => `ws://127.0.0.1:${agent.port}${path}`;

    const wsSession = (path: string, protocol: string, send: (ws: WebSocket) => void) => agentWebSocketSession(agent, path, protocol, send);

    it('runs a command with stdin over WebSocket v5: output, stderr, stdin closed, exit code', async () => {
      await waitForPod('web-a', 'Running', running);
      const cmd = ['sh', '-c', 'cat; echo to-stderr >&2; exit 3'].map((c) => `command=${encodeURIComponent(c)}`).join('&');
      const out = await wsSession(`/exec/default/web-a/web?${cmd}&stdin=1&stdout=1&stderr=1`, 'v5.channel.k8s.io', (ws) => {
        ws.send(Buffer.concat([Buffer.from([0]), Buffer.from('typed input\n')]));
        ws.send(Buffer.from([255, 0]));
      });
      expect(out[1]).toBe('typed input\n');
      expect(out[2]).toBe('to-stderr\n');
      const status = JSON.parse(out[3]);
      expect(status).toMatchObject({ status: 'Failure', reason: 'NonZeroExitCode', details: { causes: [{ reason: 'ExitCode', message: '3' }] } });
    });

    it('serves the v4 WebSocket protocol (Python and JavaScript clients) and refuses what it cannot serve', async () => {
      const out = await wsSession('/exec/default/web-a/web?command=hostname&stdout=1', 'v4.channel.k8s.io', () => {});
      expect(out[1]).toBe('web-a\n');
      expect(JSON.parse(out[3])).toMatchObject({ status: 'Success' });
      await expect(wsSession('/exec/default/web-a/nosuch?command=ls&stdout=1', 'v4.channel.k8s.io', () => {})).rejects.toThrow(/HTTP 400/);
      await expect(wsSession('/exec/default/no-pod/web?command=ls&stdout=1', 'v4.channel.k8s.io', () => {})).rejects.toThrow(/HTTP 404/);
      const anonymous = await fetch(`http://127.0.0.1:${agent.port}/exec/default/web-a/web?command=ls&stdout=1`, { method: 'POST', headers: { connection: 'Upgrade', upgrade: 'SPDY/3.1' } }).catch((e: Error) => e);
      expect(anonymous instanceof Error || anonymous.status === 401).toBe(true);
    });

    it('splices SPDY sessions (kubectl\'s fallback) through to the runtime', async () => {
      const { socket } = await dialUpgrade({
        url: `http://127.0.0.1:${agent.port}/exec/default/web-a/web?command=sh&command=-c&command=${encodeURIComponent('read x; echo got $x')}&stdin=1&stdout=1`,
        headers: { ...auth(), upgrade: 'SPDY/3.1', 'x-stream-protocol-version': 'v4.channel.k8s.io' },
      });
      const session = new SpdySession(socket, 'client');
      const error = await session.openStream({ streamtype: 'error' });
      const stdin = await session.openStream({ streamtype: 'stdin' });
      const stdout = await session.openStream({ streamtype: 'stdout' });
      const read = (s: Readable) => new Promise<string>((resolve) => { let t = ''; s.on('data', (d) => (t += d)); s.on('end', () => resolve(t)); });
      const [status, text] = [read(error), read(stdout)];
      stdin.end('spdy\n');
      expect(await text).toBe('got spdy\n');
      expect(JSON.parse(await status)).toMatchObject({ status: 'Success' });
      socket.destroy();
    });

    it('forwards a port into the pod\'s network namespace over WebSocket (portforward v4)', async () => {
      const ws = new WebSocket(wsUrl('/portForward/default/web-a?ports=8080'), ['v4.channel.k8s.io'], { headers: auth() });
      const received: Buffer[] = [];
      let firstOnData = true;
      const done = new Promise<string>((resolve, reject) => {
        ws.on('message', (m: Buffer) => {
          if (m[0] !== 0) return;
          // The first message on a channel is the port number, little-endian.
          if (firstOnData) {
            firstOnData = false;
            expect(m.readUInt16LE(1)).toBe(8080);
            ws.send(Buffer.concat([Buffer.from([0]), Buffer.from('GET /cgi-bin/host HTTP/1.0\r\n\r\n')]));
            return;
          }
          received.push(m.subarray(1));
          if (Buffer.concat(received).toString().includes('web-a')) resolve(Buffer.concat(received).toString());
        });
        ws.on('error', reject);
        ws.on('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
      });
      expect(await done).toMatch(/200 OK[\s\S]*web-a/);
      ws.close();
    });
  });
});

/** Guard for the suite's own cleanup: nothing of the test runtime's network stays on the host. */
export function bridgeExists(name: string): boolean {
  return spawnSync('ip', ['link', 'show', name], { stdio: 'ignore' }).status === 0;
}
