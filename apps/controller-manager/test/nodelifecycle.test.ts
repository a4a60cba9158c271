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
    await cluster.until('node-a tainted', () => taints(cluster.get(NODES, 'node-a')).length === 2 && ready(cluster.get(NODES, 'node-a'))?.status === 'Unknown');

    const before = await reconciles(cluster, 'nodelifecycle');
    const touched = await cluster.client.patch(NODES, undefined, 'node-a', { metadata: { annotations: { touched: '1' } } }, 'merge');
    await cluster.until('another pass', async () => (await reconciles(cluster, 'nodelifecycle')) > before);
    expect((await cluster.client.get(NODES, undefined, 'node-a')).metadata.resourceVersion).toBe(touched.metadata.resourceVersion);
    expect(cluster.eventsFor('node-a', 'NodeNotReady')).toHaveLength(1);
    expect(await reconciles(cluster, 'nodelifecycle', 'error')).toBe(0);
  });
});
