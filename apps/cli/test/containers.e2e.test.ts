import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildImage, busyboxLayer, pushImage, startRegistry, type ContainerConfig, type LayerEntry } from '@skiff/oci';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ClusterIdentity } from '../src/cluster.js';
import { containerNetwork } from '../src/hostNetwork.js';
import { eventually, kubectl, kubectlOk, request, startCluster, type TestCluster } from './cluster.js';

/**
 * Pods are containers, end to end: `skiff up` with containerd, driven by the real kubectl. The
 * images are built here from the host's busybox and pushed to the cluster's own registry.
 */
/** An HTTP GET on busybox's nc (Debian's static busybox crashes in its wget applet): the example frontend's. */
const HTTP_GET = readFileSync(fileURLToPath(new URL('../../../examples-repo/images/frontend/rootfs/bin/http-get', import.meta.url)));
const HELLO_FILES: LayerEntry[] = [
  { path: '/bin/http-get', type: 'file', mode: 0o755, content: HTTP_GET },
  { path: '/www/index.html', type: 'file', content: 'hello\n' },
  { path: '/www/cgi-bin/host', type: 'file', mode: 0o755, content: '#!/bin/sh\nprintf "Content-Type: text/plain\\r\\n\\r\\n"\nhostname\n' },
];
const HELLO_CONFIG: ContainerConfig = {
  Entrypoint: ['/bin/sh', '-c', 'echo "hello serving on $(hostname)"; trap "exit 0" TERM; httpd -f -v -p 0.0.0.0:8080 -h /www & wait'],
  Env: ['PATH=/bin'],
  ExposedPorts: { '8080/tcp': {} },
};

interface PodJson {
  metadata: { name: string; labels?: Record<string, string> };
  spec: { nodeName?: string };
  status: { phase?: string; podIP?: string; containerStatuses?: { ready: boolean; restartCount: number; state: { waiting?: { reason: string } }; lastState: { terminated?: { reason: string; exitCode: number } } }[] };
}

describe('pods are containers (skiff up --runtime containerd)', () => {
  let cluster: TestCluster;
  let registry: string;

  async function pods(selector: string, namespace = 'default'): Promise<PodJson[]> {
    return (JSON.parse(await kubectlOk(cluster, ['get', 'pods', '-n', namespace, '-l', selector, '-o', 'json'])) as { items: PodJson[] }).items;
  }

  async function pod(name: string): Promise<PodJson> {
    return JSON.parse(await kubectlOk(cluster, ['get', 'pod', name, '-o', 'json'])) as PodJson;
  }

  async function push(repository: string, config: ContainerConfig, files: LayerEntry[], host = registry, auth?: { username: string; password: string }, tag = '1'): Promise<string> {
    const image = await buildImage({ layers: [await busyboxLayer(), files], config });
    await pushImage(image, { registry: host, repository, tag, auth });
    return `${host}/${repository}:${tag}`;
  }

  beforeAll(async () => {
    cluster = await startCluster({ nodes: 2, runtime: 'containerd' });
    const identity = JSON.parse(readFileSync(join(cluster.dataDir, 'cluster.json'), 'utf8')) as { registryPort: number };
    registry = `127.0.0.1:${identity.registryPort}`;
    await push('hello', HELLO_CONFIG, HELLO_FILES);
  }, 180_000);

  afterAll(async () => {
    await cluster?.stop();
  }, 120_000);

  it('runs kubectl create deployment of an image by its own entrypoint: 3 pods on two nodes, a Service by DNS name, logs', async () => {
    await kubectlOk(cluster, ['create', 'deployment', 'web', `--image=${registry}/hello:1`, '--replicas=3', '--port=8080']);
    await kubectlOk(cluster, ['rollout', 'status', 'deployment/web', '--timeout=120s']);
    const web = await eventually('3 Running and Ready web pods', async () => {
      const list = await pods('app=web');
      return list.length === 3 && list.every((p) => p.status.phase === 'Running' && p.status.containerStatuses?.[0]?.ready) ? list : undefined;
    }, 60_000);
    expect(new Set(web.map((p) => p.spec.nodeName)).size).toBe(2);
    expect(new Set(web.map((p) => p.status.podIP)).size).toBe(3);

    await kubectlOk(cluster, ['expose', 'deployment', 'web', '--port', '80', '--target-port', '8080']);
    await kubectlOk(cluster, ['run', 'client', `--image=${registry}/hello:1`, '--restart=Never', '--command', '--', 'sh', '-c', 'sleep 2; for i in $(seq 1 30); do http-get http://web/cgi-bin/host || echo failed; done']);
    const out = await eventually('the client pod to finish its 30 requests', async () => {
      const p = await pod('client');
      return p.status.phase === 'Succeeded' || p.status.phase === 'Failed' ? kubectlOk(cluster, ['logs', 'client']) : undefined;
    }, 90_000);
    const answers = out.trim().split('\n');
    expect(answers).toHaveLength(30);
    expect(answers).not.toContain('failed');
    expect(new Set(answers)).toEqual(new Set(web.map((p) => p.metadata.name)));

    const logs = await kubectlOk(cluster, ['logs', web[0].metadata.name]);
    expect(logs).toContain(`hello serving on ${web[0].metadata.name}`);
  });

  it('rolls an image-based Deployment over behind its Service without dropping a request', async () => {
    await push('hello', { ...HELLO_CONFIG, Env: ['PATH=/bin', 'VERSION=2'] }, [...HELLO_FILES, { path: '/www/version', type: 'file', content: '2\n' }], registry, undefined, '2');
    // New pods take traffic only once they answer; old ones leave the Service before they stop.
    const probe = { readinessProbe: { httpGet: { path: '/', port: 8080 }, periodSeconds: 1 }, lifecycle: { preStop: { sleep: { seconds: 1 } } } };
    await kubectlOk(cluster, ['patch', 'deployment', 'web', '--type=strategic', '-p', JSON.stringify({ spec: { template: { spec: { containers: [{ name: 'hello', ...probe }] } } } })]);
    await kubectlOk(cluster, ['rollout', 'status', 'deployment/web', '--timeout=120s']);
    const svc = JSON.parse(await kubectlOk(cluster, ['get', 'svc', 'web', '-o', 'json'])) as { spec: { clusterIP: string } };
    const url = `http://${svc.spec.clusterIP}/cgi-bin/host`;
    let ok = 0;
    const failures: string[] = [];
    let running = true;
    const deadline = Date.now() + 180_000;
    const client = (async () => {
      for (let i = 0; running && i < 50_000 && Date.now() < deadline; i++) {
        try {
          const res = await fetch(url, { signal: AbortSignal.timeout(5000) });
          if (res.status !== 200) failures.push(`status ${res.status}`);
          else ok++;
          await res.arrayBuffer();
        } catch (err) {
          failures.push((err as Error).message);
        }
      }
    })();
    await kubectlOk(cluster, ['set', 'image', 'deployment/web', `hello=${registry}/hello:2`]);
    await kubectlOk(cluster, ['rollout', 'status', 'deployment/web', '--timeout=120s']);
    await eventually('only the new pods left', async () => (await pods('app=web')).length === 3, 60_000);
    running = false;
    await client;
    expect(failures).toEqual([]);
    expect(ok).toBeGreaterThan(50);
    const version = await (await fetch(`http://${svc.spec.clusterIP}/version`)).text();
    expect(version.trim()).toBe('2');
  });

  it('serves a NodePort on 127.0.0.1 and, in the kernel, on the host address pods reach (10.P.0.1)', async () => {
    await kubectlOk(cluster, ['expose', 'deployment', 'web', '--name', 'web-np', '--type', 'NodePort', '--port', '80', '--target-port', '8080']);
    const svc = JSON.parse(await kubectlOk(cluster, ['get', 'svc', 'web-np', '-o', 'json'])) as { spec: { ports: { nodePort: number }[] } };
    const nodePort = svc.spec.ports[0].nodePort;
    const net = containerNetwork(JSON.parse(readFileSync(join(cluster.dataDir, 'cluster.json'), 'utf8')) as ClusterIdentity);
    for (const host of ['127.0.0.1', net.hostIp]) {
      const body = await eventually(`the NodePort on ${host}`, async () => (await fetch(`http://${host}:${nodePort}/cgi-bin/host`, { signal: AbortSignal.timeout(3000) })).text(), 30_000);
      expect(body.trim()).toMatch(/^web-/);
    }
    await kubectlOk(cluster, ['run', 'npclient', `--image=${registry}/hello:1`, '--restart=Never', '--command', '--', 'sh', '-c', `http-get http://${net.hostIp}:${nodePort}/cgi-bin/host || echo failed`]);
    const out = await eventually('the pod\'s request to the NodePort', async () => {
      const p = await pod('npclient');
      return p.status.phase === 'Succeeded' ? kubectlOk(cluster, ['logs', 'npclient']) : undefined;
    }, 60_000);
    expect(out.trim()).toMatch(/^web-/);
  });

  it('keeps a pod away from the host: its files, its loopback services, capabilities beyond the default set; two pods share port 8080', async () => {
    const dataDir = cluster.dataDir;
    const script = [
      `cat /etc/shadow >/dev/null 2>&1; echo shadow=$?`,
      `ls ${dataDir} >/dev/null 2>&1; echo datadir=$?`,
      `echo | nc -w 2 127.0.0.1 5432 >/dev/null 2>&1; echo postgres=$?`,
      `echo | nc -w 2 127.0.0.1 6379 >/dev/null 2>&1; echo redis=$?`,
      `grep CapEff /proc/self/status`,
      // In-cluster clients find the API server through the kubernetes Service.
      `printf 'GET /healthz HTTP/1.0\\r\\n\\r\\n' | nc -w 3 kubernetes.default.svc 443 >/dev/null 2>&1; echo api=$?`,
    ].join('; ');
    await kubectlOk(cluster, ['run', 'probe', `--image=${registry}/hello:1`, '--restart=Never', '--command', '--', 'sh', '-c', script]);
    const out = await eventually('the probe pod to finish', async () => {
      const p = await pod('probe');
      return p.status.phase === 'Succeeded' ? kubectlOk(cluster, ['logs', 'probe']) : undefined;
    }, 60_000);
    expect(out).toMatch(/shadow=[1-9]/);
    expect(out).toMatch(/datadir=[1-9]/);
    expect(out).toMatch(/postgres=[1-9]/);
    expect(out).toMatch(/redis=[1-9]/);
    expect(out).toMatch(/CapEff:\s+00000000a80425fb/);
    expect(out).toContain('api=0');
    // The web pods above all listen on 0.0.0.0:8080, two of them on one node.
    const web = await pods('app=web');
    const byNode = new Map<string, number>();
    for (const p of web) byNode.set(p.spec.nodeName!, (byNode.get(p.spec.nodeName!) ?? 0) + 1);
    expect(Math.max(...byNode.values())).toBeGreaterThanOrEqual(2);
  });

  it('gives a pod its ServiceAccount token, the cluster CA and its namespace, and the API server in KUBERNETES_SERVICE_HOST', async () => {
    const d = '/var/run/secrets/kubernetes.io/serviceaccount';
    const script = `echo ns=$(cat ${d}/namespace); echo host=$KUBERNETES_SERVICE_HOST:$KUBERNETES_SERVICE_PORT; echo token=$(cat ${d}/token); echo ca=$(grep -c BEGIN ${d}/ca.crt)`;
    await kubectlOk(cluster, ['run', 'satoken', `--image=${registry}/hello:1`, '--restart=Never', '--command', '--', 'sh', '-c', script]);
    const out = await eventually('the satoken pod to finish', async () => {
      const p = await pod('satoken');
      return p.status.phase === 'Succeeded' ? kubectlOk(cluster, ['logs', 'satoken']) : undefined;
    }, 60_000);
    const kubernetes = JSON.parse(await kubectlOk(cluster, ['get', 'service', 'kubernetes', '-n', 'default', '-o', 'json'])) as { spec: { clusterIP: string } };
    expect(out).toContain('ns=default');
    expect(out).toContain(`host=${kubernetes.spec.clusterIP}:443`);
    expect(out).toContain('ca=1');
    const token = /token=(\S+)/.exec(out)![1];
    // The pod's token acts as its ServiceAccount: what its Role allows (listing pods here), nothing else.
    await kubectlOk(cluster, ['create', 'role', 'pod-reader', '--verb=list', '--resource=pods', '-n', 'default']);
    await kubectlOk(cluster, ['create', 'rolebinding', 'pod-reader', '--role=pod-reader', '--serviceaccount=default:default', '-n', 'default']);
    const listed = await request(cluster, '/api/v1/namespaces/default/pods', token);
    expect(listed.status).toBe(200);
    expect(listed.body).toContain('"satoken"');
    const other = await request(cluster, '/api/v1/namespaces/default/secrets', token);
    expect(other.status).toBe(403);
    expect(other.body).toContain('User \\"system:serviceaccount:default:default\\" cannot list resource \\"secrets\\"');
    expect((await request(cluster, '/api/v1/namespaces/kube-system/pods', token)).status).toBe(403);
    // Bound to the pod: gone with it.
    await kubectlOk(cluster, ['delete', 'pod', 'satoken', '--wait=true']);
    expect((await request(cluster, '/api/v1/namespaces/default/pods', token)).status).toBe(401);
  });

  it('reports ErrImagePull then ImagePullBackOff for an image the registry lacks', async () => {
    await kubectlOk(cluster, ['run', 'missing', `--image=${registry}/missing:1`, '--restart=Never']);
    const seen = new Set<string>();
    await eventually('ErrImagePull and ImagePullBackOff in kubectl get pods', async () => {
      const r = await kubectl(cluster, ['get', 'pod', 'missing', '--no-headers']);
      const status = r.stdout.trim().split(/\s+/)[2];
      if (status) seen.add(status);
      return seen.has('ErrImagePull') && seen.has('ImagePullBackOff');
    }, 90_000);
  });

  it('pulls a private image only with its imagePullSecrets', async () => {
    const { mkdtempSync, rmSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const dir = mkdtempSync(join(tmpdir(), 'skiff-e2e-private-'));
    const auth = { username: 'team', password: 'pa55word' };
    const privateRegistry = await startRegistry({ dir, auth });
    try {
      const image = await push('private', HELLO_CONFIG, HELLO_FILES, privateRegistry.host, auth);
      await kubectlOk(cluster, ['run', 'nosecret', `--image=${image}`, '--restart=Never']);
      await eventually('nosecret fails to pull', async () => {
        const p = await pod('nosecret');
        return ['ErrImagePull', 'ImagePullBackOff'].includes(p.status.containerStatuses?.[0]?.state.waiting?.reason ?? '');
      }, 60_000);
      await kubectlOk(cluster, ['create', 'secret', 'docker-registry', 'regcred', `--docker-server=${privateRegistry.host}`, `--docker-username=${auth.username}`, `--docker-password=${auth.password}`]);
      await kubectlOk(cluster, ['run', 'withsecret', `--image=${image}`, '--restart=Never', '--overrides', JSON.stringify({ spec: { imagePullSecrets: [{ name: 'regcred' }] } })]);
      await eventually('withsecret running', async () => (await pod('withsecret')).status.containerStatuses?.[0]?.ready === true, 60_000);
    } finally {
      await kubectl(cluster, ['delete', 'pod', 'nosecret', 'withsecret', '--wait=false']);
      await privateRegistry.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('kills a container over its memory limit as OOMKilled with exit code 137, and restarts it', async () => {
    const manifest = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'hog' },
      spec: { containers: [{ name: 'hog', image: `${registry}/hello:1`, command: ['sh', '-c', 'sleep 1; exec dd if=/dev/zero of=/dev/null bs=128M count=1'], resources: { limits: { memory: '32Mi' } } }] },
    };
    await kubectlOk(cluster, ['apply', '-f', '-'], JSON.stringify(manifest));
    const p = await eventually('hog OOMKilled and restarted', async () => {
      const q = await pod('hog');
      const cs = q.status.containerStatuses?.[0];
      return cs && cs.restartCount >= 1 && cs.lastState.terminated?.reason === 'OOMKilled' ? q : undefined;
    }, 90_000);
    expect(p.status.containerStatuses![0].lastState.terminated!.exitCode).toBe(137);
  });

  it('fails a connection to an unassigned ClusterIP at once instead of sending it off the machine', async () => {
    const svc = JSON.parse(await kubectlOk(cluster, ['get', 'svc', 'web', '-o', 'json'])) as { spec: { clusterIP: string } };
    const [a, b] = svc.spec.clusterIP.split('.');
    const unassigned = `${a}.${b}.255.254`;
    const started = Date.now();
    const err = await new Promise<NodeJS.ErrnoException>((resolve) => {
      const s = connect({ host: unassigned, port: 80 });
      s.on('connect', () => {
        s.destroy();
        resolve(Object.assign(new Error('connected'), { code: 'CONNECTED' }));
      });
      s.on('error', (e) => resolve(e));
    });
    expect(['EHOSTUNREACH', 'ENETUNREACH', 'ECONNREFUSED']).toContain(err.code);
    expect(Date.now() - started).toBeLessThan(1000);
  });

  it('leaves no link, route, network namespace or nftables table behind when skiff up stops', async () => {
    const identity = JSON.parse(readFileSync(join(cluster.dataDir, 'cluster.json'), 'utf8')) as ClusterIdentity;
    const net = containerNetwork(identity);
    const before = spawnSync('ip', ['-br', 'link'], { encoding: 'utf8' }).stdout;
    expect(before).toContain(net.bridge(1));
    expect(existsSync(`/sys/fs/cgroup/pids${net.cgroupRoot}/node-1`)).toBe(true);
    await cluster.stop();
    const links = spawnSync('ip', ['-br', 'link'], { encoding: 'utf8' }).stdout;
    expect(links).not.toContain(net.link);
    expect(links).not.toContain(net.bridgePrefix);
    const routes = spawnSync('ip', ['-4', 'route', 'show'], { encoding: 'utf8' }).stdout;
    expect(routes).not.toContain(net.clusterCidr.replace('.0.0/16', '.'));
    expect(routes).not.toContain(net.serviceCidr.replace('.0.0/16', '.'));
    expect(spawnSync('nft', ['list', 'tables'], { encoding: 'utf8' }).stdout).not.toContain(net.nftTable);
    expect(existsSync(`/sys/fs/cgroup/pids${net.cgroupRoot}`)).toBe(false);
    const shims = spawnSync('pgrep', ['-f', cluster.dataDir], { encoding: 'utf8' }).stdout.trim();
    expect(shims).toBe('');
  });
});
