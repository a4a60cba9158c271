import { afterEach, describe, expect, it } from 'vitest';
import type { KubeObject } from '@skiff/apimachinery';
import { TestCluster } from './cluster.js';
import { reconciles } from './reconciles.js';
import { LEASES, NODES, PODS } from '../src/resources.js';

type Taint = { key: string; effect: string; timeAdded?: string };
type Condition = { type: string; status: string; reason?: string; message?: string };

const rfc3339 = (d = new Date()) => d.toISOString().replace(/\.\d{3}Z$/, 'Z');
const microTime = (d = new Date()) => d.toISOString().replace(/Z$/, '000Z');

function taints(node: KubeObject | undefined): string[] {
  return (((node?.spec as { taints?: Taint[] } | undefined)?.taints) ?? []).map((t) => `${t.key}:${t.effect}`).sort();
}
function ready(node: KubeObject | undefined): Condition | undefined {
  return ((node?.status as { conditions?: Condition[] } | undefined)?.conditions ?? []).find((c) => c.type === 'Ready');
}

/**
 * Long enough that the kept-alive node (renewing every 250 ms) stays fresh through a stalled
 * write or a slow machine; the silent node still goes Unknown within seconds.
 */
const GRACE_MS = 3000;

const UNREACHABLE = ['node.kubernetes.io/unreachable:NoExecute', 'node.kubernetes.io/unreachable:NoSchedule'];

describe('the node lifecycle controller on a real API server and Redis', () => {
  let cluster: TestCluster;
  const kubelets: NodeJS.Timeout[] = [];
  afterEach(async () => {
    for (const k of kubelets.splice(0)) clearInterval(k);
    await cluster?.stop();
  });

  /**
   * Plays a kubelet that registered: its Lease first (microsecond renewTime), then a Ready node.
   * Lease first, so the node is never judged by its heartbeat alone, whose RFC 3339 time drops
   * the milliseconds and so looks up to a second older than it is.
   */
  async function createNode(name: string): Promise<void> {
    await cluster.client.create(LEASES, { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name, namespace: 'kube-node-lease' }, spec: { holderIdentity: name, leaseDurationSeconds: 1, renewTime: microTime() } });
    const now = rfc3339();
    await cluster.client.create(NODES, {
      apiVersion: 'v1',
      kind: 'Node',
      metadata: { name },
      spec: {},
      status: { conditions: [{ type: 'Ready', status: 'True', reason: 'KubeletReady', message: 'kubelet is posting ready status', lastHeartbeatTime: now, lastTransitionTime: now }] },
    });
  }

  async function renewLease(name: string): Promise<void> {
    await cluster.client.patch(LEASES, 'kube-node-lease', name, { spec: { renewTime: microTime() } }, 'merge');
  }

  /** A kubelet that keeps renewing its Lease (the test's stand-in for a live node, not a wait). */
  function keepAlive(name: string): void {
    kubelets.push(setInterval(() => void renewLease(name).catch(() => undefined), 250));
  }

  async function createPod(name: string, node: string, tolerations?: unknown[]): Promise<void> {
    await cluster.client.create(PODS, { apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'default' }, spec: { nodeName: node, containers: [{ name: 'main', image: 'busybox:1' }], ...(tolerations ? { tolerations } : {}) } });
  }

  it('marks a silent node Unknown and unreachable, then evicts the pods that do not tolerate it', async () => {
    cluster = await TestCluster.start(['nodelifecycle'], { nodeMonitorGraceMs: GRACE_MS, podEvictionTimeoutMs: 1000 });
    await createNode('node-a');
    await createNode('node-b');
    keepAlive('node-b');
    await createPod('doomed', 'node-a');
    await createPod('patient', 'node-a', [{ key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute' }]);
    await createPod('elsewhere', 'node-b');
    const elsewhere = await cluster.client.get(PODS, 'default', 'elsewhere');

    await cluster.until('node-a Unknown and tainted', () => ready(cluster.get(NODES, 'node-a'))?.status === 'Unknown' && taints(cluster.get(NODES, 'node-a')).length === 2);
    const nodeA = cluster.get(NODES, 'node-a');
    expect(ready(nodeA)).toMatchObject({ status: 'Unknown', reason: 'NodeStatusUnknown', message: 'Kubelet stopped posting node status.' });
    expect(taints(nodeA)).toEqual(UNREACHABLE);
    expect(((nodeA!.spec as { taints: Taint[] }).taints).every((t) => typeof t.timeAdded === 'string')).toBe(true);

    await cluster.until('the intolerant pod to be evicted', () => !cluster.get(PODS, 'doomed'));
    await cluster.until('the eviction and NotReady events', () => cluster.eventsFor('doomed', 'TaintManagerEviction').length === 1 && cluster.eventsFor('node-a', 'NodeNotReady').length === 1);
    expect(cluster.eventsFor('doomed', 'TaintManagerEviction')[0]).toMatchObject({ message: 'Marking for deletion Pod default/doomed' });
    expect(cluster.get(PODS, 'patient')).toBeDefined();

    // The live node and its pod were left alone.
    expect(ready(cluster.get(NODES, 'node-b'))?.status).toBe('True');
    expect(taints(cluster.get(NODES, 'node-b'))).toEqual([]);
    expect(cluster.get(PODS, 'elsewhere')?.metadata.resourceVersion).toBe(elsewhere.metadata.resourceVersion);
  });

  it('removes the taints when the node is heard from again and Ready', async () => {
    cluster = await TestCluster.start(['nodelifecycle'], { nodeMonitorGraceMs: GRACE_MS, podEvictionTimeoutMs: 1000 });
    await createNode('node-a');
    // A live node, so the cluster is not wholly NotReady (which would hold the NoExecute taint back).
    await createNode('node-b');
    keepAlive('node-b');
    await cluster.until('node-a tainted', () => taints(cluster.get(NODES, 'node-a')).length === 2);

    // The kubelet is back: it renews its Lease first, then posts Ready.
    await renewLease('node-a');
    keepAlive('node-a');
    const now = rfc3339();
    await cluster.client.patch(NODES, undefined, 'node-a', { status: { conditions: [{ type: 'Ready', status: 'True', reason: 'KubeletReady', lastHeartbeatTime: now, lastTransitionTime: now }] } }, 'merge', { subresource: 'status' });
    await cluster.until('the taints removed', () => taints(cluster.get(NODES, 'node-a')).length === 0);
    expect(ready(cluster.get(NODES, 'node-a'))?.status).toBe('True');
  });

  it('changes nothing on another pass over a converged node', async () => {
    cluster = await TestCluster.start(['nodelifecycle'], { nodeMonitorGraceMs: GRACE_MS, podEvictionTimeoutMs: 1000 });
    await createNode('node-a');
    await createNode('node-b');
    keepAlive('node-b');
    await cluster.until('node-a tainted', () => taints(cluster.get(NODES, 'node-a')).length === 2 && ready(cluster.get(NODES, 'node-a'))?.status === 'Unknown');

    const before = await reconciles(cluster, 'nodelifecycle');
    const touched = await cluster.client.patch(NODES, undefined, 'node-a', { metadata: { annotations: { touched: '1' } } }, 'merge');
    await cluster.until('another pass', async () => (await reconciles(cluster, 'nodelifecycle')) > before);
    expect((await cluster.client.get(NODES, undefined, 'node-a')).metadata.resourceVersion).toBe(touched.metadata.resourceVersion);
    expect(cluster.eventsFor('node-a', 'NodeNotReady')).toHaveLength(1);
    expect(await reconciles(cluster, 'nodelifecycle', 'error')).toBe(0);
  });

  it('evicts nothing while every node is NotReady, and resumes when one is back', async () => {
    cluster = await TestCluster.start(['nodelifecycle'], { nodeMonitorGraceMs: GRACE_MS, podEvictionTimeoutMs: 1000 });
    await createNode('node-a');
    await createPod('stays', 'node-a');
    await cluster.until('node-a Unknown with only the NoSchedule taint', () => ready(cluster.get(NODES, 'node-a'))?.status === 'Unknown' && taints(cluster.get(NODES, 'node-a')).join() === 'node.kubernetes.io/unreachable:NoSchedule');
    const tainted = Date.now();

    // Passes over node-a after the eviction timeout has run out (the controller looks again every 5 s).
    const before = await reconciles(cluster, 'nodelifecycle');
    await cluster.until('two more passes over node-a', async () => (await reconciles(cluster, 'nodelifecycle')) >= before + 2 && Date.now() - tainted > 1000, 20_000);
    expect(cluster.get(PODS, 'stays')).toBeDefined();
    expect(taints(cluster.get(NODES, 'node-a'))).toEqual(['node.kubernetes.io/unreachable:NoSchedule']);
    expect(cluster.eventsFor('stays', 'TaintManagerEviction')).toHaveLength(0);

    // A live node makes it one NotReady node of two: a healthy zone, whose full bucket lets node-a through.
    await createNode('node-b');
    keepAlive('node-b');
    await cluster.until('node-a NoExecute-tainted', () => taints(cluster.get(NODES, 'node-a')).length === 2);
    await cluster.until('the pod evicted', () => !cluster.get(PODS, 'stays'));
  });

  it('taints NotReady nodes NoExecute one at a time at --node-eviction-rate', async () => {
    // 0.25 nodes/s: one node every 4 s. 3 of 6 nodes NotReady is 50 %, a healthy zone.
    cluster = await TestCluster.start(['nodelifecycle'], { nodeMonitorGraceMs: GRACE_MS, podEvictionTimeoutMs: 1000, nodeEvictionRate: 0.25 });
    const silent = ['node-a', 'node-b', 'node-c'];
    for (const name of [...silent, 'node-x', 'node-y', 'node-z']) await createNode(name);
    for (const name of ['node-x', 'node-y', 'node-z']) keepAlive(name);

    const noExecuteAdded = (name: string): number | undefined => {
      const t = ((cluster.get(NODES, name)?.spec as { taints?: Taint[] } | undefined)?.taints ?? []).find((t) => t.effect === 'NoExecute');
      return t?.timeAdded ? Date.parse(t.timeAdded) : undefined;
    };
    await cluster.until('all three silent nodes NoExecute-tainted', () => silent.every((n) => noExecuteAdded(n) !== undefined), 30_000);
    const added = silent.map((n) => noExecuteAdded(n)!).sort((a, b) => a - b);
    // 4 s apart; timeAdded has whole seconds, so a gap may read 1 s short.
    expect(added[1] - added[0]).toBeGreaterThanOrEqual(3000);
    expect(added[2] - added[1]).toBeGreaterThanOrEqual(3000);
    // Each waited with its NoSchedule taint only; the live nodes have none.
    for (const n of ['node-x', 'node-y', 'node-z']) expect(taints(cluster.get(NODES, n))).toEqual([]);
  });
});
