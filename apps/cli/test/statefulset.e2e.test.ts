import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, kubectlOk, startCluster, type TestCluster } from './cluster.js';

interface Pod {
  metadata: { name: string; uid: string; creationTimestamp: string; labels: Record<string, string> };
  spec: { hostname?: string; subdomain?: string; containers: { image: string }[] };
  status: { phase?: string; podIP?: string; conditions?: { type: string; status: string; lastTransitionTime: string }[] };
}

/** A 3-replica StatefulSet of HTTP servers on their pod address, its headless Service, and one claim per pod. */
function web(): string {
  return `
apiVersion: v1
kind: Service
metadata: {name: web, namespace: default}
spec:
  clusterIP: None
  selector: {app: web}
  ports: [{name: http, port: 8080}]
---
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: web, namespace: default}
spec:
  replicas: 3
  serviceName: web
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      terminationGracePeriodSeconds: 1
      containers:
        - name: web
          image: web:v1
          command: ["node", "-e", "require('http').createServer((q, s) => s.end(process.env.POD_NAME)).listen(8080, process.env.POD_IP); process.on('SIGTERM', () => process.exit(0))"]
          ports: [{name: http, containerPort: 8080}]
          readinessProbe: {httpGet: {path: /, port: http}, periodSeconds: 1}
          volumeMounts: [{name: www, mountPath: /www}]
  volumeClaimTemplates:
    - metadata: {name: www}
      spec: {accessModes: [ReadWriteOnce], resources: {requests: {storage: 1Mi}}}
`;
}

describe('StatefulSet: ordered pods with stable names, DNS identity and storage', () => {
  let cluster: TestCluster;
  let dir: string;
  const pods = async (): Promise<Pod[]> => JSON.parse(await kubectlOk(cluster, ['get', 'pods', '-l', 'app=web', '-o', 'json'])).items;

  let starting: Promise<TestCluster> | undefined;
  beforeAll(async () => {
    starting = startCluster({ nodes: 1 });
    cluster = await starting;
    dir = mkdtempSync(join(tmpdir(), 'skiff-sts-'));
  }, 200_000);
  afterAll(async () => {
    if (dir) rmSync(dir, { recursive: true, force: true });
    // A start that outlived the hook's deadline is still stopped once it is up.
    await (cluster ?? (await starting?.catch(() => undefined)))?.stop();
  }, 200_000);

  it('brings web-0, web-1, web-2 up in order, each after the previous is Ready; kubectl get and rollout status read it', async () => {
    writeFileSync(join(dir, 'web.yaml'), web());
    await kubectlOk(cluster, ['apply', '-f', join(dir, 'web.yaml')]);
    // A defaulted RollingUpdate has a partition (0), so kubectl words it as a partitioned roll out, as against Kubernetes.
    expect(await kubectlOk(cluster, ['rollout', 'status', 'sts/web', '--timeout=90s'])).toMatch(/Waiting for 1 pods to be ready...\npartitioned roll out complete: 3 new pods have been updated...\n$/);
    const byName = new Map((await pods()).map((p) => [p.metadata.name, p]));
    expect([...byName.keys()].sort()).toEqual(['web-0', 'web-1', 'web-2']);
    for (const [prev, next] of [['web-0', 'web-1'], ['web-1', 'web-2']]) {
      const readyAt = byName.get(prev)!.status.conditions!.find((c) => c.type === 'Ready')!.lastTransitionTime;
      expect(Date.parse(byName.get(next)!.metadata.creationTimestamp)).toBeGreaterThanOrEqual(Date.parse(readyAt));
    }
    expect(byName.get('web-1')!.spec).toMatchObject({ hostname: 'web-1', subdomain: 'web' });
    expect(await kubectlOk(cluster, ['get', 'sts'])).toMatch(/^NAME\s+READY\s+AGE\nweb\s+3\/3\s+\d+s\n$/);
  });

  it('answers web-1.web (and its full name) in the cluster DNS with web-1’s address, from another pod', async () => {
    const ip = (await pods()).find((p) => p.metadata.name === 'web-1')!.status.podIP!;
    writeFileSync(join(dir, 'dns.yaml'), `
apiVersion: v1
kind: Pod
metadata: {name: dns-check, namespace: default}
spec:
  restartPolicy: Never
  containers:
    - name: check
      image: node:20
      command: ["node", "-e", "const l = (n) => require('dns').promises.lookup(n).then((a) => a.address); Promise.all([l('web-1.web'), l('web-1.web.default.svc.cluster.local')]).then((a) => console.log('OK ' + a.join(' ')), (e) => { console.log('FAIL ' + e.message); process.exit(1); })"]
`);
    await kubectlOk(cluster, ['apply', '-f', join(dir, 'dns.yaml')]);
    await eventually('the check pod finished', async () => {
      const p = JSON.parse(await kubectlOk(cluster, ['get', 'pod', 'dns-check', '-o', 'json'])) as Pod;
      return p.status.phase === 'Succeeded' || p.status.phase === 'Failed';
    }, 60_000);
    expect((await kubectlOk(cluster, ['logs', 'dns-check'])).trim()).toBe(`OK ${ip} ${ip}`);
  });

  it("keeps what web-1 wrote to its claim when web-1 is deleted and comes back", async () => {
    await kubectlOk(cluster, ['exec', 'web-1', '--', 'sh', '-c', 'echo kept > /www/note']);
    const before = (await pods()).find((p) => p.metadata.name === 'web-1')!;
    await kubectlOk(cluster, ['delete', 'pod', 'web-1']);
    await eventually('a new web-1, Ready', async () => {
      const again = (await pods()).find((p) => p.metadata.name === 'web-1');
      return !!again && again.metadata.uid !== before.metadata.uid && !!again.status.conditions?.some((c) => c.type === 'Ready' && c.status === 'True');
    }, 90_000);
    expect((await kubectlOk(cluster, ['exec', 'web-1', '--', 'cat', '/www/note'])).trim()).toBe('kept');
  });

  it('rolls a new template from web-2 down, lists both revisions, and rollout undo goes back', async () => {
    await kubectlOk(cluster, ['set', 'image', 'sts/web', 'web=web:v2']);
    await kubectlOk(cluster, ['rollout', 'status', 'sts/web', '--timeout=90s']);
    expect((await pods()).map((p) => p.spec.containers[0].image)).toEqual(['web:v2', 'web:v2', 'web:v2']);
    expect(await kubectlOk(cluster, ['rollout', 'history', 'sts/web'])).toMatch(/REVISION\s+CHANGE-CAUSE\n1\s+<none>\n2\s+<none>/);
    expect(await kubectlOk(cluster, ['rollout', 'undo', 'sts/web'])).toMatch(/statefulset.apps\/web rolled back/);
    await kubectlOk(cluster, ['rollout', 'status', 'sts/web', '--timeout=90s']);
    expect((await pods()).map((p) => p.spec.containers[0].image)).toEqual(['web:v1', 'web:v1', 'web:v1']);
    expect(await kubectlOk(cluster, ['rollout', 'history', 'sts/web'])).toMatch(/REVISION\s+CHANGE-CAUSE\n2\s+<none>\n3\s+<none>/);
  });

  it('scales down from the highest ordinal; the claims of the removed pods stay', async () => {
    await kubectlOk(cluster, ['scale', 'sts/web', '--replicas=1']);
    await eventually('only web-0', async () => ((await pods()).map((p) => p.metadata.name).join() === 'web-0' ? true : undefined), 60_000);
    const claims = await kubectlOk(cluster, ['get', 'pvc', '-o', 'name']);
    expect(claims.split('\n').filter(Boolean).sort()).toEqual(['persistentvolumeclaim/www-web-0', 'persistentvolumeclaim/www-web-1', 'persistentvolumeclaim/www-web-2']);
  });
});
