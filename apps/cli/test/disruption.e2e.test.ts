import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, kubectl, kubectlOk, startCluster, type TestCluster } from './cluster.js';

const MANIFEST = `
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: default}
spec:
  replicas: 3
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      terminationGracePeriodSeconds: 2
      containers:
        - {name: web, image: example/web:v1, command: [sleep, "3600"]}
---
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata: {name: web, namespace: default}
spec:
  minAvailable: 2
  selector: {matchLabels: {app: web}}
`;

interface Pod {
  metadata: { name: string; deletionTimestamp?: string };
  spec: { nodeName?: string };
  status: { conditions?: { type: string; status: string }[] };
}

describe('kubectl drain evicts through PodDisruptionBudgets', () => {
  let cluster: TestCluster;
  const pods = async (): Promise<Pod[]> => JSON.parse(await kubectlOk(cluster, ['get', 'pods', '-l', 'app=web', '-o', 'json'])).items;
  const ready = (p: Pod) => !p.metadata.deletionTimestamp && !!p.status.conditions?.some((c) => c.type === 'Ready' && c.status === 'True');

  beforeAll(async () => {
    cluster = await startCluster({ nodes: 2 });
  }, 120_000);
  afterAll(async () => {
    await cluster?.stop();
  });

  it('drains a node one eviction at a time, as the budget allows, onto the other node', async () => {
    // Every replica starts on node-1, so draining it must move all three past the budget.
    await kubectlOk(cluster, ['cordon', 'node-2']);
    await kubectlOk(cluster, ['apply', '-f', '-'], MANIFEST);
    await eventually('3 ready pods on node-1', async () => {
      const list = await pods();
      return list.length === 3 && list.every((p) => ready(p) && p.spec.nodeName === 'node-1');
    }, 60_000);
    await eventually('the budget allows one disruption', async () => (await kubectlOk(cluster, ['get', 'pdb', 'web', '-o', 'jsonpath={.status.disruptionsAllowed}'])) === '1', 30_000);
    expect(await kubectlOk(cluster, ['get', 'pdb', 'web'])).toMatch(/^NAME\s+MIN AVAILABLE\s+MAX UNAVAILABLE\s+ALLOWED DISRUPTIONS\s+AGE\nweb\s+2\s+N\/A\s+1\s+\S+\n$/);
    await kubectlOk(cluster, ['uncordon', 'node-2']);

    // Watch that no moment has fewer than 2 ready pods while the drain runs.
    let fewest = 3;
    let draining = true;
    const watcher = (async () => {
      while (draining) {
        fewest = Math.min(fewest, (await pods()).filter(ready).length);
      }
    })();
    const drain = await kubectl(cluster, ['drain', 'node-1', '--ignore-daemonsets', '--timeout=150s']);
    draining = false;
    await watcher;

    expect(drain.code, drain.stderr + drain.stdout).toBe(0);
    expect(drain.stdout).toContain('node/node-1 cordoned');
    expect(drain.stdout).toMatch(/evicting pod default\/web-/);
    expect(drain.stdout).toContain('node/node-1 drained');
    // Three evictions at once against a budget allowing one: the others were refused and retried.
    expect(drain.stderr + drain.stdout).toContain("Cannot evict pod as it would violate the pod's disruption budget.");
    expect(fewest).toBeGreaterThanOrEqual(2);
    await eventually('3 ready pods on node-2', async () => {
      const list = (await pods()).filter(ready);
      return list.length === 3 && list.every((p) => p.spec.nodeName === 'node-2');
    }, 60_000);
    expect(await kubectlOk(cluster, ['get', 'node', 'node-1', '-o', 'jsonpath={.spec.unschedulable}'])).toBe('true');
  }, 300_000);
});
