import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_TOKEN } from '../../apiserver/test/harness.js';
import { LEASES, NODES, condition, removeDir, startAgent, startCluster, waitFor, type TestAgent, type TestCluster } from './cluster.js';

describe('node registration and heartbeats', () => {
  let cluster: TestCluster;
  let agent: TestAgent;
  beforeAll(async () => {
    cluster = await startCluster();
    agent = await startAgent(cluster, { cpu: '4', memory: '8Gi', maxPods: 20, labels: { zone: 'eu-1' }, heartbeatMs: 200, nodeStatusMs: 200, nodeStatusReportMs: 2000 });
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

  it('renews with a patch of renewTime alone, as kubelet moves only renewTime on the Lease it holds', async () => {
    // Another writer's duration stays: a renewal that sent the whole spec would put 1 back.
    const lease = await cluster.admin.patch(LEASES, 'kube-node-lease', agent.nodeName, { spec: { leaseDurationSeconds: 99 } }, 'merge');
    const renewed = await waitFor('a renewal', async () => {
      const l = await cluster.admin.get(LEASES, 'kube-node-lease', agent.nodeName);
      return (l.spec as any).renewTime > (lease.spec as any).renewTime ? l : undefined;
    });
    expect(renewed.spec).toMatchObject({ holderIdentity: agent.nodeName, leaseDurationSeconds: 99 });
    await cluster.admin.patch(LEASES, 'kube-node-lease', agent.nodeName, { spec: { leaseDurationSeconds: 1 } }, 'merge');
  });

  it('writes an unchanged status only when its report is due (2 s here), not every status period (200 ms)', async () => {
    // The API server's count of Node PATCHes (only the agent writes Nodes here) over 15 Lease
    // renewals, at least 3 s: one or two reports, where a write every period would be 15.
    const nodePatches = async () => {
      const text = await (await fetch(`${cluster.url}/metrics`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } })).text();
      return [...text.matchAll(/^apiserver_request_total\{verb="PATCH",resource="nodes",code="200"\} (\d+)$/gm)].reduce((n, m) => n + Number(m[1]), 0);
    };
    const before = await nodePatches();
    const started = Date.now();
    let renewals = 0;
    let renewTime = '';
    await waitFor('15 renewals', async () => {
      const now = ((await cluster.admin.get(LEASES, 'kube-node-lease', agent.nodeName)).spec as any).renewTime;
      if (now !== renewTime) {
        if (renewTime) renewals++;
        renewTime = now;
      }
      return renewals >= 15;
    });
    const written = (await nodePatches()) - before;
    expect(written).toBeGreaterThanOrEqual(1);
    expect(written).toBeLessThanOrEqual(Math.ceil((Date.now() - started) / 2000) + 1);
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
