import { createSocket } from 'node:dgram';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, kubectl, kubectlOk, startCluster, type TestCluster } from './cluster.js';

const EXAMPLES = fileURLToPath(new URL('../../../examples-repo/deploy-processes', import.meta.url));

/** A Deployment whose pods answer with their name, finish in-flight requests on SIGTERM, and a NodePort Service. */
function app(version: string): string {
  return `
apiVersion: apps/v1
kind: Deployment
metadata: {name: echo, namespace: default}
spec:
  replicas: 3
  strategy: {type: RollingUpdate, rollingUpdate: {maxUnavailable: 0, maxSurge: 1}}
  selector: {matchLabels: {app: echo}}
  template:
    metadata: {labels: {app: echo}}
    spec:
      terminationGracePeriodSeconds: 5
      containers:
        - name: echo
          image: echo:${version}
          command: ["node", "-e", "const s = require('http').createServer((q, r) => r.end(process.env.VERSION + ' ' + process.env.POD_NAME)).listen(8080, process.env.POD_IP); process.on('SIGTERM', () => s.close(() => process.exit(0)))"]
          env: [{name: VERSION, value: "${version}"}]
          ports: [{name: http, containerPort: 8080}]
          readinessProbe: {httpGet: {path: /, port: http}, periodSeconds: 1}
---
apiVersion: v1
kind: Service
metadata: {name: echo, namespace: default}
spec:
  type: NodePort
  selector: {app: echo}
  ports: [{name: http, port: 80, targetPort: http}]
`;
}

/** The node_modules directory holding @grpc/grpc-js and its (hoisted) dependencies, mounted into the pods. */
const NODE_MODULES = dirname(dirname(dirname(createRequire(import.meta.url).resolve('@grpc/grpc-js/package.json'))));

/**
 * Pods answering each UDP datagram on :5353 with their name, ready while their gRPC health service
 * (grpc.health.v1 on :9090, encoded by hand: a HealthCheckResponse of SERVING is the bytes 08 01)
 * says SERVING, and a UDP Service in front of them.
 */
const UDP_APP = `
apiVersion: apps/v1
kind: Deployment
metadata: {name: udp-echo, namespace: default}
spec:
  replicas: 2
  selector: {matchLabels: {app: udp-echo}}
  template:
    metadata: {labels: {app: udp-echo}}
    spec:
      terminationGracePeriodSeconds: 1
      containers:
        - name: echo
          image: echo:udp
          command:
            - node
            - -e
            - |
              const udp = require('dgram').createSocket('udp4');
              udp.on('message', (m, from) => udp.send(process.env.POD_NAME + ' ' + m, from.port, from.address));
              udp.bind(5353, process.env.POD_IP);
              // The checkout's node_modules is mounted (a sandbox need not see the checkout itself).
              const grpc = require(require('path').join(process.env.SKIFF_ROOT || '/', 'deps/node_modules/@grpc/grpc-js'));
              const server = new grpc.Server();
              const raw = (b) => b;
              server.addService({ Check: { path: '/grpc.health.v1.Health/Check', requestStream: false, responseStream: false, requestDeserialize: raw, responseSerialize: raw } }, { Check: (call, done) => done(null, Buffer.from([8, 1])) });
              server.bindAsync(process.env.POD_IP + ':9090', grpc.ServerCredentials.createInsecure(), () => {});
              process.on('SIGTERM', () => process.exit(0));
          ports: [{name: dns, containerPort: 5353, protocol: UDP}]
          readinessProbe: {grpc: {port: 9090}, periodSeconds: 1}
          volumeMounts: [{name: modules, mountPath: /deps/node_modules, readOnly: true}]
      volumes: [{name: modules, hostPath: {path: ${JSON.stringify(NODE_MODULES)}, type: Directory}}]
---
apiVersion: v1
kind: Service
metadata: {name: udp-echo, namespace: default}
spec:
  selector: {app: udp-echo}
  ports: [{name: dns, port: 53, protocol: UDP, targetPort: dns}]
`;

/** One datagram from a fresh socket (a new session), resolving to the reply's text. */
function udpAsk(host: string, port: number, text: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = createSocket('udp4');
    const timer = setTimeout(() => {
      s.close();
      reject(new Error(`no UDP reply from ${host}:${port}`));
    }, 2000);
    s.once('message', (m) => {
      clearTimeout(timer);
      s.close();
      resolve(m.toString());
    });
    s.send(text, port, host);
  });
}

/** One request on its own connection (no keep-alive), so each one is balanced afresh. */
function get(host: string, port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host, port, path: '/', agent: false, timeout: 5000 }, (res) => {
      let body = '';
      res.on('data', (d) => (body += d));
      res.on('end', () => (res.statusCode === 200 ? resolve(body) : reject(new Error(`HTTP ${res.statusCode}: ${body}`))));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end();
  });
}

interface Pod {
  metadata: { name: string; deletionTimestamp?: string };
  status: { podIP?: string; conditions?: { type: string; status: string }[]; containerStatuses?: { restartCount: number }[] };
}
const ready = (p: Pod) => !p.metadata.deletionTimestamp && p.status.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') === true;

describe('Services: a stable address, DNS name and load balancing over ready pods', () => {
  let cluster: TestCluster;
  let dir: string;
  let clusterIP: string;
  let nodePort: number;

  const pods = async (): Promise<Pod[]> => JSON.parse(await kubectlOk(cluster, ['get', 'pods', '-l', 'app=echo', '-o', 'json'])).items;

  beforeAll(async () => {
    cluster = await startCluster({ nodes: 2 });
    dir = mkdtempSync(join(tmpdir(), 'skiff-svc-'));
  }, 120_000);
  afterAll(async () => {
    await cluster?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('gives the Service a ClusterIP in 127.0.0.0/8 and a NodePort, Endpoints with 3 ready addresses, and spreads 300 requests', async () => {
    writeFileSync(join(dir, 'v1.yaml'), app('v1'));
    await kubectlOk(cluster, ['apply', '-f', join(dir, 'v1.yaml')]);
    await kubectlOk(cluster, ['rollout', 'status', 'deploy/echo', '--timeout=90s']);
    const svc = JSON.parse(await kubectlOk(cluster, ['get', 'service', 'echo', '-o', 'json'])) as { spec: { clusterIP: string; ports: { port: number; nodePort: number }[] } };
    clusterIP = svc.spec.clusterIP;
    nodePort = svc.spec.ports[0].nodePort;
    expect(clusterIP).toMatch(/^127\./);
    expect(nodePort).toBeGreaterThanOrEqual(30000);
    expect(nodePort).toBeLessThanOrEqual(32767);
    const ep = await eventually('3 ready endpoint addresses', async () => {
      const e = JSON.parse(await kubectlOk(cluster, ['get', 'endpoints', 'echo', '-o', 'json'])) as { subsets?: { addresses?: { ip: string }[]; ports: { port: number }[] }[] };
      return e.subsets?.[0]?.addresses?.length === 3 ? e : undefined;
    }, 30_000);
    expect(ep.subsets![0].ports[0].port).toBe(8080);
    expect(await kubectlOk(cluster, ['get', 'endpoints', 'echo'])).toMatch(/echo\s+127\.\S+:8080,127\.\S+:8080,127\.\S+:8080/);

    const counts = new Map<string, number>();
    await eventually('the proxy serving the ClusterIP', () => get(clusterIP, 80).then(() => true, () => false), 10_000);
    for (let i = 0; i < 300; i++) {
      const body = await get(clusterIP, 80);
      const pod = body.split(' ')[1];
      counts.set(pod, (counts.get(pod) ?? 0) + 1);
    }
    expect(counts.size).toBe(3);
    for (const n of counts.values()) expect(n).toBeGreaterThanOrEqual(70);
    expect(await get('127.0.0.1', nodePort)).toMatch(/^v1 echo-/);
  });

  it('serves every request, without a pause, through a rolling update', async () => {
    let ok = 0;
    const failures: string[] = [];
    const seen = new Set<string>();
    let running = true;
    const client = (async () => {
      while (running) {
        try {
          seen.add((await get(clusterIP, 80)).split(' ')[0]);
          ok++;
        } catch (err) {
          failures.push((err as Error).message);
        }
      }
    })();
    writeFileSync(join(dir, 'v2.yaml'), app('v2'));
    await kubectlOk(cluster, ['apply', '-f', join(dir, 'v2.yaml')]);
    await kubectlOk(cluster, ['rollout', 'status', 'deploy/echo', '--timeout=90s']);
    // Until the last old pod has gone, not just until the rollout says it is done.
    await eventually('only v2 answering', async () => (await Promise.all([get(clusterIP, 80), get(clusterIP, 80), get(clusterIP, 80)])).every((b) => b.startsWith('v2 ')), 30_000);
    running = false;
    await client;
    expect(failures).toEqual([]);
    expect(seen).toEqual(new Set(['v1', 'v2']));
    expect(ok).toBeGreaterThan(50);
  });

  it('keeps serving from the other pods when a pod\'s process is killed', async () => {
    const { execFileSync } = await import('node:child_process');
    const [victim] = (await pods()).filter(ready);
    const listener = () => /pid=(\d+)/.exec(execFileSync('ss', ['-Hltnp', `src ${victim.status.podIP}:8080`]).toString());
    const pid = await eventually('the pid of the server', async () => {
      const m = listener();
      return m ? Number(m[1]) : undefined;
    });
    // A connection the killed process had already accepted dies with it, through any proxy (as in
    // Kubernetes); every request that starts once its listening socket is gone must be served.
    let running = true;
    let gone = false;
    const inFlightAtKill: string[] = [];
    const failuresAfterGone: string[] = [];
    let ok = 0;
    const client = (async () => {
      while (running) {
        const startedAfterGone = gone;
        try {
          await get(clusterIP, 80);
          ok++;
        } catch (err) {
          if (startedAfterGone) failuresAfterGone.push((err as Error).message);
          else inFlightAtKill.push((err as Error).message);
        }
      }
    })();
    process.kill(pid, 'SIGKILL');
    await eventually('the killed server\'s socket closed', async () => Number(listener()?.[1] ?? 0) !== pid, 10_000);
    gone = true;
    await eventually('the killed pod restarted and ready again', async () => {
      const p = JSON.parse(await kubectlOk(cluster, ['get', 'pod', victim.metadata.name, '-o', 'json'])) as Pod;
      return (p.status.containerStatuses?.[0].restartCount ?? 0) >= 1 && ready(p);
    }, 60_000);
    running = false;
    await client;
    expect(failuresAfterGone).toEqual([]);
    // Those that failed before were connections the dying process had accepted and dropped.
    for (const message of inFlightAtKill) expect(message).toMatch(/socket hang up|ECONNRESET/);
    expect(ok).toBeGreaterThan(10);
  });

  it('serves a UDP Service over pods made ready by a gRPC probe, and refuses an SCTP port it could not serve', async () => {
    writeFileSync(join(dir, 'udp.yaml'), UDP_APP);
    // The pod mounts this checkout's node_modules from the host: more than baseline allows.
    await kubectlOk(cluster, ['label', '--overwrite', 'namespace', 'default', 'pod-security.kubernetes.io/enforce=privileged']);
    await kubectlOk(cluster, ['apply', '-f', join(dir, 'udp.yaml')]);
    await kubectlOk(cluster, ['rollout', 'status', 'deploy/udp-echo', '--timeout=90s']);
    const ip = (JSON.parse(await kubectlOk(cluster, ['get', 'service', 'udp-echo', '-o', 'json'])) as { spec: { clusterIP: string } }).spec.clusterIP;
    await eventually('2 ready UDP endpoints', async () => (await kubectlOk(cluster, ['get', 'endpoints', 'udp-echo'])).match(/127\.\S+:5353,127\.\S+:5353/), 30_000);
    await eventually('the proxy serving the UDP ClusterIP', () => udpAsk(ip, 53, 'ping').then(() => true, () => false), 10_000);
    const names = new Set<string>();
    for (let i = 0; i < 10; i++) {
      const [name, echo] = (await udpAsk(ip, 53, `q${i}`)).split(' ');
      expect(echo).toBe(`q${i}`);
      names.add(name);
    }
    expect([...names].every((n) => n.startsWith('udp-echo-'))).toBe(true);
    expect(names.size).toBe(2);

    const sctp = await kubectl(cluster, ['create', '-f', '-'], 'apiVersion: v1\nkind: Service\nmetadata: {name: sctp}\nspec:\n  selector: {app: udp-echo}\n  ports: [{port: 9999, protocol: SCTP}]\n');
    expect(sctp.code).not.toBe(0);
    expect(sctp.stderr).toContain('The Service "sctp" is invalid: spec.ports[0].protocol: Unsupported value: "SCTP": supported values: "TCP", "UDP"');
  });

  it('lets a pod reach another Service by its short name and its full DNS name', async () => {
    // The example's namespace comes from its Application's CreateNamespace=true; applied by hand, it is made first.
    await kubectlOk(cluster, ['create', 'namespace', 'demo']);
    await kubectlOk(cluster, ['apply', '-f', EXAMPLES]);
    await kubectlOk(cluster, ['rollout', 'status', 'deploy/backend', '-n', 'demo', '--timeout=90s']);
    await kubectlOk(cluster, ['rollout', 'status', 'deploy/frontend', '-n', 'demo', '--timeout=90s']);
    // The example frontend calls http://backend/ (the search path of its namespace).
    const body = await eventually('the frontend answering through the backend', () => get('127.0.0.1', 30080).catch(() => undefined), 30_000);
    expect(body).toMatch(/^frontend frontend-\S+ -> backend \{"pod":"backend-/);

    writeFileSync(join(dir, 'dns.yaml'), `
apiVersion: v1
kind: Pod
metadata: {name: dns-check, namespace: demo}
spec:
  restartPolicy: Never
  containers:
    - name: check
      image: node:20
      command: ["node", "-e", "const get = (u) => fetch(u).then((r) => r.text()); Promise.all([get('http://backend/'), get('http://backend.demo.svc.cluster.local/'), get('http://backend.demo/')]).then((b) => console.log('OK ' + b.map((x) => JSON.parse(x).pod).join(' ')), (e) => { console.log('FAIL ' + e.message + ' ' + (e.cause && e.cause.message)); process.exit(1); })"]
`);
    await kubectlOk(cluster, ['apply', '-f', join(dir, 'dns.yaml')]);
    await eventually('the check pod finished', async () => {
      const p = JSON.parse(await kubectlOk(cluster, ['get', 'pod', 'dns-check', '-n', 'demo', '-o', 'json'])) as { status: { phase?: string } };
      return p.status.phase === 'Succeeded' || p.status.phase === 'Failed';
    }, 60_000);
    const logs = await kubectlOk(cluster, ['logs', 'dns-check', '-n', 'demo']);
    expect(logs).toMatch(/^OK backend-\S+ backend-\S+ backend-\S+/);
  });
});
