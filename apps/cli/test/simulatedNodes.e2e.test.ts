import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { eventually, kubectlOk, startCluster, type TestCluster } from './cluster.js';

const SIMULATED = 20;
const REPLICAS = 30;

const DEPLOYMENT = `
apiVersion: apps/v1
kind: Deployment
metadata: {name: many, namespace: default}
spec:
  replicas: ${REPLICAS}
  selector:
    matchLabels: {app: many}
  template:
    metadata:
      labels: {app: many}
    spec:
      containers:
        - name: main
          image: example/many:v1
          resources: {requests: {cpu: 100m, memory: 64Mi}}
`;

interface Named {
  metadata: { name: string; deletionTimestamp?: string };
  spec: { nodeName?: string };
  status?: { phase?: string; conditions?: { type: string; status: string }[] };
}
const ready = (o: Named) => o.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') === true;

describe('skiff up --simulated-nodes', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'skiff-sim-'));
  let cluster: TestCluster | undefined;
  const items = async (args: string[]) => (JSON.parse(await kubectlOk(cluster!, [...args, '-o', 'json'])) as { items: Named[] }).items;

  afterAll(async () => {
    await cluster?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('joins simulated nodes that run a Deployment, and removes them when stopped', async () => {
    cluster = await startCluster({ nodes: 0, dataDir, args: ['--simulated-nodes', String(SIMULATED)] });
    await eventually(`${SIMULATED} Ready simulated nodes`, async () => (await items(['get', 'nodes', '-l', 'type=simulated'])).filter(ready).length === SIMULATED, 120_000);

    await kubectlOk(cluster, ['apply', '-f', '-'], DEPLOYMENT);
    const running = await eventually(`${REPLICAS} pods Running`, async () => {
      const pods = (await items(['get', 'pods', '-l', 'app=many'])).filter((p) => !p.metadata.deletionTimestamp);
      return pods.length === REPLICAS && pods.every((p) => p.status?.phase === 'Running' && ready(p)) && pods;
    }, 180_000);
    const nodes = new Set(running.map((p) => p.spec.nodeName));
    expect([...nodes].every((n) => n?.startsWith('sim-node-'))).toBe(true);
    // Spread, not all on one node.
    expect(nodes.size).toBeGreaterThan(1);

    // The simulated nodes' process deletes its Nodes when `skiff up` stops it: a later start
    // without simulated nodes finds none.
    await cluster.stop();
    cluster = await startCluster({ nodes: 0, dataDir });
    expect((await items(['get', 'nodes'])).map((n) => n.metadata.name)).toEqual([]);
    expect(cluster.output()).not.toContain('simulated-nodes');
  }, 400_000);
});
