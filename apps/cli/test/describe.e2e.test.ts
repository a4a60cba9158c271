import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, kubectl, kubectlOk, startCluster, type TestCluster } from './cluster.js';

const MANIFEST = `
apiVersion: v1
kind: Namespace
metadata: {name: desc}
---
apiVersion: v1
kind: LimitRange
metadata: {name: limits, namespace: desc}
spec:
  limits:
    - type: Container
      default: {cpu: 200m, memory: 64Mi}
      defaultRequest: {cpu: 100m, memory: 32Mi}
      max: {cpu: 500m}
---
apiVersion: v1
kind: ResourceQuota
metadata: {name: quota, namespace: desc}
spec:
  hard: {pods: "3", requests.cpu: "1", limits.memory: 1Gi, configmaps: "3"}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: desc}
spec:
  replicas: 1
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
        - {name: web, image: example/web:v1, command: [sleep, "1000"]}
---
apiVersion: v1
kind: Service
metadata: {name: web, namespace: desc}
spec:
  selector: {app: web}
  ports: [{port: 80, targetPort: 8080}]
---
apiVersion: v1
kind: ConfigMap
metadata: {name: settings, namespace: desc}
data: {mode: fast}
---
apiVersion: v1
kind: Secret
metadata: {name: token, namespace: desc}
stringData: {token: abc}
---
apiVersion: skiff.dev/v1alpha1
kind: Webhook
metadata: {name: hook, namespace: desc}
spec: {url: "https://hooks.example.com/T0", events: [sync.failed]}
`;

/**
 * `kubectl describe` of every kind users describe, the quota and limit range tables it and `get`
 * print, and the API server's refusals as kubectl shows them; run against `skiff up` with one
 * node running process pods.
 */
describe('kubectl describe, quotas and limit ranges against `skiff up`', () => {
  let cluster: TestCluster;
  const ns = ['-n', 'desc'];

  beforeAll(async () => {
    cluster = await startCluster({ nodes: 1 });
    await kubectlOk(cluster, ['apply', '-f', '-'], MANIFEST);
    // The quota controller fills the status, the deployment's pod runs with the LimitRange's defaults.
    await eventually('the pod running and counted', async () => {
      const used = await kubectlOk(cluster, ['get', 'quota', 'quota', ...ns, '-o', 'jsonpath={.status.used.pods}']);
      const phase = await kubectlOk(cluster, ['get', 'pods', ...ns, '-l', 'app=web', '-o', 'jsonpath={.items[*].status.phase}']);
      // Every namespace also gets the cluster CA as kube-root-ca.crt (for ServiceAccount token volumes), counted as Kubernetes counts it.
      const configMaps = await kubectlOk(cluster, ['get', 'quota', 'quota', ...ns, '-o', 'jsonpath={.status.used.configmaps}']);
      return used === '1' && phase === 'Running' && configMaps === '2';
    }, 90_000);
  }, 180_000);

  afterAll(async () => {
    await cluster?.stop();
  });

  it('gets quotas and limit ranges with kubectl columns', async () => {
    const quota = await kubectlOk(cluster, ['get', 'quota', ...ns]);
    expect(quota).toMatch(/^NAME\s+AGE\s+REQUEST\s+LIMIT\s*$/m);
    expect(quota).toMatch(/^quota\s+\d+s\s+configmaps: 2\/3, pods: 1\/3, requests\.cpu: 100m\/1\s+limits\.memory: 64Mi\/1Gi\s*$/m);
    const limits = await kubectlOk(cluster, ['get', 'limits', ...ns]);
    expect(limits).toMatch(/^NAME\s+CREATED AT\s*$/m);
    expect(limits).toMatch(/^limits\s+\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ\s*$/m);
  });

  it('describes a namespace with its resource quotas and limit ranges', async () => {
    const out = await kubectlOk(cluster, ['describe', 'ns', 'desc']);
    expect(out).toMatch(/^Status:\s+Active$/m);
    expect(out).toContain('Resource Quotas');
    expect(out).toMatch(/^\s+pods\s+1\s+3$/m);
    expect(out).toMatch(/^\s+requests\.cpu\s+100m\s+1$/m);
    expect(out).toContain('Resource Limits');
    expect(out).toMatch(/^\s+Container\s+cpu\s+-\s+500m\s+100m\s+200m\s+-$/m);
  });

  it('describes a quota and a limit range', async () => {
    const quota = await kubectlOk(cluster, ['describe', 'quota', 'quota', ...ns]);
    expect(quota).toMatch(/^Resource\s+Used\s+Hard$/m);
    expect(quota).toMatch(/^limits\.memory\s+64Mi\s+1Gi$/m);
    const limits = await kubectlOk(cluster, ['describe', 'limits', 'limits', ...ns]);
    expect(limits).toMatch(/^Container\s+memory\s+-\s+-\s+32Mi\s+64Mi\s+-$/m);
  });

  it('describes pods, deployments, replica sets and services with their events', async () => {
    const pod = await kubectlOk(cluster, ['describe', 'pod', ...ns, '-l', 'app=web']);
    expect(pod).toMatch(/^QoS Class:\s+Burstable$/m);
    expect(pod).toContain('kubernetes.io/limit-ranger: LimitRanger plugin set: cpu, memory request for container web; cpu, memory limit for container web');
    expect(pod).toMatch(/Normal\s+Scheduled\s+\S+\s+default-scheduler\s+Successfully assigned desc\/web-/);
    const deploy = await kubectlOk(cluster, ['describe', 'deploy', 'web', ...ns]);
    expect(deploy).toMatch(/Normal\s+ScalingReplicaSet\s+\S+\s+\S+\s+Scaled up replica set web-\w+ from 0 to 1/);
    const rs = await kubectlOk(cluster, ['describe', 'rs', ...ns]);
    expect(rs).toMatch(/Normal\s+SuccessfulCreate\s+\S+\s+\S+\s+Created pod: web-/);
    const svc = await kubectlOk(cluster, ['describe', 'svc', 'web', ...ns]);
    expect(svc).toMatch(/^Selector:\s+app=web$/m);
    expect(svc).toMatch(/^Events:\s+<none>$/m);
  });

  it('lists events for describe in chunks (limit + continue) and finds them all', async () => {
    const events = (s: string) => s.slice(s.indexOf('\nEvents:')).split('\n').filter((l) => /^\s+(Normal|Warning)\s/.test(l)).length;
    // Scheduled, then the node agent's Started: wait for both, so that a chunk boundary falls between events.
    const whole = await eventually('two events for the pod', async () => {
      const out = await kubectlOk(cluster, ['describe', 'pod', ...ns, '-l', 'app=web']);
      return events(out) >= 2 && out;
    });
    const chunked = await kubectlOk(cluster, ['describe', 'pod', ...ns, '-l', 'app=web', '--chunk-size=1']);
    expect(events(chunked)).toBe(events(whole));
    const all = await kubectlOk(cluster, ['get', 'events', ...ns, '-o', 'name']);
    const paged = await kubectl(cluster, ['get', 'events', ...ns, '-o', 'name', '--chunk-size=1', '-v=6']);
    expect(paged.stderr).toMatch(/events\?continue=\S+&limit=1 200 OK/);
    expect(paged.stdout.split('\n').sort()).toEqual(all.split('\n').sort());
  });

  it('describes nodes, config maps and secrets', async () => {
    expect(await kubectlOk(cluster, ['describe', 'node', 'node-1'])).toMatch(/Non-terminated Pods:\s+\(\d+ in total\)[\s\S]*desc\s+web-\S+\s+100m \(\d+%\)\s+200m \(\d+%\)\s+32Mi/);
    expect(await kubectlOk(cluster, ['describe', 'cm', 'settings', ...ns])).toMatch(/^mode:\n----\nfast$/m);
    expect(await kubectlOk(cluster, ['describe', 'secret', 'token', ...ns])).toMatch(/^token:\s+3 bytes$/m);
  });

  it('describes every other kind Skiff serves', async () => {
    expect(await kubectlOk(cluster, ['describe', 'endpoints', 'web', ...ns])).toMatch(/^Subsets:/m);
    expect(await kubectlOk(cluster, ['describe', 'lease', 'node-1', '-n', 'kube-node-lease'])).toMatch(/^Spec:\n\s+Holder Identity:\s+node-1$/m);
    expect(await kubectlOk(cluster, ['describe', 'events', ...ns])).toMatch(/^Reason:\s+\w+$/m);
    const hook = await kubectlOk(cluster, ['describe', 'webhook', 'hook', ...ns]);
    expect(hook).toMatch(/^API Version:\s+skiff\.dev\/v1alpha1$/m);
    expect(hook).toMatch(/^\s+URL:\s+https:\/\/hooks\.example\.com\/T0$/m);
  });

  it('refuses what a quota or a limit range forbids, with Kubernetes messages', async () => {
    await kubectlOk(cluster, ['create', 'configmap', 'second', ...ns, '--from-literal=a=1']);
    const third = await kubectl(cluster, ['create', 'configmap', 'third', ...ns, '--from-literal=a=1']);
    expect(third.code).not.toBe(0);
    expect(third.stderr).toContain('configmaps "third" is forbidden: exceeded quota: quota, requested: configmaps=1, used: configmaps=3, limited: configmaps=3');
    const big = await kubectl(cluster, ['run', 'big', ...ns, '--image=example/web:v1', '--overrides={"spec":{"containers":[{"name":"big","image":"example/web:v1","resources":{"limits":{"cpu":"1"}}}]}}', '--', 'sleep', '10']);
    expect(big.code).not.toBe(0);
    expect(big.stderr).toContain('pods "big" is forbidden: maximum cpu usage per Container is 500m, but limit is 1');
  });

  it('gives usage back when a pod goes', async () => {
    await kubectlOk(cluster, ['scale', 'deploy', 'web', ...ns, '--replicas=0']);
    await eventually('pods given back', async () => (await kubectlOk(cluster, ['get', 'quota', 'quota', ...ns, '-o', 'jsonpath={.status.used.pods}'])) === '0', 90_000);
  });
});
