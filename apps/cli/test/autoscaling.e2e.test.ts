import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, kubectl, kubectlOk, startCluster, type TestCluster } from './cluster.js';

/**
 * Autoscaling as a user sees it, through `skiff up` and the real kubectl: `kubectl top` shows what
 * pods use, and an HPA on cpu scales a Deployment up while its pods spin and back down once they
 * stop, after the scale-down stabilization window its behavior sets. The load is a busy loop that
 * runs while a file exists in a hostPath volume every replica shares; the test creates and removes
 * the file. The HPA is evaluated every 2 s and usage sampled every 2 s to keep the test short.
 */
describe('autoscaling (kubectl top, HorizontalPodAutoscaler)', () => {
  let cluster: TestCluster;
  const load = mkdtempSync(join(tmpdir(), 'skiff-load-'));
  const busy = join(load, 'busy');

  beforeAll(async () => {
    cluster = await startCluster({ nodes: 1, args: ['--hpa-sync-period', '2', '--metrics-resolution', '2'] });
  }, 180_000);
  afterAll(async () => {
    await cluster?.stop();
    rmSync(load, { recursive: true, force: true });
  });

  const deployment = `
apiVersion: apps/v1
kind: Deployment
metadata: {name: spin, namespace: default}
spec:
  replicas: 1
  selector: {matchLabels: {app: spin}}
  template:
    metadata: {labels: {app: spin}}
    spec:
      terminationGracePeriodSeconds: 1
      volumes: [{name: load, hostPath: {path: ${load}}}]
      containers:
      - name: spin
        image: busybox
        command: [sh, -c, 'while :; do while [ -e "$SKIFF_ROOT/load/busy" ]; do :; done; sleep 1; done']
        volumeMounts: [{name: load, mountPath: /load}]
        resources: {requests: {cpu: 100m}}
`;
  const autoscaler = `
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata: {name: spin, namespace: default}
spec:
  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: spin}
  minReplicas: 1
  maxReplicas: 3
  metrics:
  - type: Resource
    resource: {name: cpu, target: {type: Utilization, averageUtilization: 50}}
  behavior:
    scaleDown: {stabilizationWindowSeconds: 6}
`;
  const replicas = async () => Number(await kubectlOk(cluster, ['get', 'deploy', 'spin', '-o', 'jsonpath={.spec.replicas}']));
  const rescales = async () =>
    (JSON.parse(await kubectlOk(cluster, ['get', 'events', '-o', 'json'])) as { items: { reason: string; message: string; involvedObject: { kind: string; name: string } }[] }).items
      .filter((e) => e.reason === 'SuccessfulRescale' && e.involvedObject.kind === 'HorizontalPodAutoscaler' && e.involvedObject.name === 'spin')
      .map((e) => e.message);

  it('kubectl top shows what pods and nodes use', async () => {
    writeFileSync(busy, '');
    // The shared hostPath volume is more than the default PodSecurity level (baseline) allows.
    await kubectlOk(cluster, ['label', '--overwrite', 'namespace', 'default', 'pod-security.kubernetes.io/enforce=privileged']);
    await kubectlOk(cluster, ['apply', '-f', '-'], deployment);
    // A pod shows up once two samples of it exist; the busy loop keeps most of a core busy.
    const row = await eventually('the spinning pod in kubectl top pods', async () => {
      const r = await kubectl(cluster, ['top', 'pods']);
      return (r.code === 0 && /^spin-\S+\s+(\d+)m\s+(\d+)Mi\s*$/m.exec(r.stdout)) || undefined;
    }, 60_000);
    expect(Number(row[1])).toBeGreaterThan(200);
    expect(await kubectlOk(cluster, ['top', 'pods', '--containers'])).toMatch(/^spin-\S+\s+spin\s+\d+m\s+\d+Mi\s*$/m);
    const nodes = await kubectlOk(cluster, ['top', 'nodes']);
    expect(nodes).toMatch(/^NAME\s+CPU\(cores\)\s+CPU(\(%\))?\s+MEMORY\(bytes\)\s+MEMORY(\(%\))?/);
    expect(nodes).toMatch(/^node-1\s+\d+m\s+\d+%\s+\d+Mi\s+\d+%/m);
  }, 90_000);

  it('scales the Deployment up under load, and back down after the stabilization window once it stops', async () => {
    await kubectlOk(cluster, ['apply', '-f', '-'], autoscaler);
    const table = await eventually('the HPA with a measured target', async () => {
      const out = await kubectlOk(cluster, ['get', 'hpa']);
      return /cpu: \d+%\/50%/.test(out) && out;
    }, 60_000);
    expect(table).toMatch(/^NAME\s+REFERENCE\s+TARGETS\s+MINPODS\s+MAXPODS\s+REPLICAS\s+AGE$/m);
    expect(table).toMatch(/^spin\s+Deployment\/spin\s+cpu: \d+%\/50%\s+1\s+3\s+\d+\s+\S+$/m);

    // Hundreds of percent of a 50 % target: up to the maximum.
    await eventually('3 replicas', async () => (await replicas()) === 3, 90_000);
    expect((await rescales()).some((m) => /^New size: 3; reason: cpu resource utilization \(percentage of request\) above target$/.test(m))).toBe(true);

    rmSync(busy);
    const stopped = Date.now();
    await eventually('back to 1 replica', async () => (await replicas()) === 1, 90_000);
    // Not before the 6 s window of recommendations has passed.
    expect(Date.now() - stopped).toBeGreaterThanOrEqual(6000);
    expect(await rescales()).toContain('New size: 1; reason: All metrics below target');
    const hpa = JSON.parse(await kubectlOk(cluster, ['get', 'hpa', 'spin', '-o', 'json'])) as { status: { conditions: { type: string; status: string }[] } };
    expect(hpa.status.conditions.map((c) => `${c.type}=${c.status}`)).toEqual(expect.arrayContaining(['AbleToScale=True', 'ScalingActive=True']));
  }, 240_000);
});

