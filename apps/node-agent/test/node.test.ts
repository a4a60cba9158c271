import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LEASES, NODES, condition, removeDir, startAgent, startCluster, waitFor, type TestAgent, type TestCluster } from './cluster.js';

describe('node registration and heartbeats', () => {
  let cluster: TestCluster;
  let agent: TestAgent;
  beforeAll(async () => {
    cluster = await startCluster();
    agent = await startAgent(cluster, { cpu: '4', memory: '8Gi', maxPods: 20, labels: { zone: 'eu-1' }, heartbeatMs: 200, nodeStatusMs: 400 });
  });
  afterAll(async () => {
    await agent?.close({ stopPods: true });
    await cluster?.close();
    removeDir(agent?.dataDir ?? '');
  });

  it('registers its Node with labels, capacity, addresses, endpoint and node info', async () => {
    const node = await cluster.admin.get(NODES, undefined, agent.nodeName);
    const status = node.status as any;
    expect(node.metadata.labels).toMatchObject({ 'kubernetes.io/hostname': agent.nodeName, 'kubernetes.io/os': 'linux', 'kubernetes.io/arch': expect.any(String), zone: 'eu-1' });
    expect(node.metadata.annotations?.['skiff.dev/isolation']).toMatch(/^(bubblewrap|none)$/);
    expect((node.spec as any).podCIDR).toMatch(/^127\./);
    expect(status.capacity).toEqual({ cpu: '4', memory: '8388608Ki', pods: '20' });
    expect(status.allocatable).toEqual(status.capacity);
    expect(status.addresses).toEqual([{ type: 'InternalIP', address: '127.0.0.1' }, { type: 'Hostname', address: agent.nodeName }]);
    expect(status.daemonEndpoints.kubeletEndpoint.Port).toBe(agent.port);
    expect(status.nodeInfo).toMatchObject({ kubeletVersion: 'v1.32.0-skiff', operatingSystem: 'linux', containerRuntimeVersion: `process://${agent.isolation}` });
    expect(status.nodeInfo.kernelVersion).toBeTruthy();
    expect(condition(node, 'Ready')).toBe('True');
    expect(status.conditions.find((c: any) => c.type === 'Ready').reason).toBe('KubeletReady');
    expect(condition(node, 'Isolated')).toBe(agent.isolation === 'bubblewrap' ? 'True' : 'False');
  });

  it('renews its Lease in kube-node-lease', async () => {
    const first = await cluster.admin.get(LEASES, 'kube-node-lease', agent.nodeName);
    const spec = first.spec as any;
    expect(spec).toMatchObject({ holderIdentity: agent.nodeName, leaseDurationSeconds: 1 });
    expect(spec.renewTime).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
    expect(first.metadata.ownerReferences?.[0]).toMatchObject({ kind: 'Node', name: agent.nodeName });
    await waitFor('a renewal', async () => ((await cluster.admin.get(LEASES, 'kube-node-lease', agent.nodeName)).spec as any).renewTime > spec.renewTime);
  });

  it("refreshes the Ready condition's lastHeartbeatTime, keeping its lastTransitionTime", async () => {
    const ready = async () => ((await cluster.admin.get(NODES, undefined, agent.nodeName)).status as any).conditions.find((c: any) => c.type === 'Ready');
    const before = await ready();
    const after = await waitFor('a newer heartbeat', async () => {
      const r = await ready();
      return r.lastHeartbeatTime > before.lastHeartbeatTime ? r : undefined;
    }, 5000);
    expect(after.lastTransitionTime).toBe(before.lastTransitionTime);
  });

  it('re-registers over an existing Node, keeping what others put on it', async () => {
    const name = `pre-${process.pid}`;
    await cluster.admin.create(NODES, {
      apiVersion: 'v1',
      kind: 'Node',
      metadata: { name, labels: { team: 'infra' } },
      spec: { taints: [{ key: 'dedicated', value: 'infra', effect: 'NoSchedule' }] },
    });
    const second = await startAgent(cluster, { nodeName: name });
    try {
      const node = await cluster.admin.get(NODES, undefined, name);
      expect(node.metadata.labels).toMatchObject({ team: 'infra', 'kubernetes.io/hostname': name });
      expect((node.spec as any).taints).toEqual([{ key: 'dedicated', value: 'infra', effect: 'NoSchedule' }]);
      expect((node.spec as any).podCIDR).toMatch(/^127\./);
      expect(condition(node, 'Ready')).toBe('True');
    } finally {
      await second.close({ stopPods: true });
      removeDir(second.dataDir);
    }
  });
});
