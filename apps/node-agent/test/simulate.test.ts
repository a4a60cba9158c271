import { ADMIN_TOKEN } from '../../apiserver/test/harness.js';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimulatedNodes, type SimulatedNodes } from '../src/index.js';
import { parseCidr, cidrContains } from '../src/network/podCidr.js';
import { LEASES, NODES, PODS, condition, getPod, pod, podStatus, removeDir, startAgent, startCluster, waitFor, type TestAgent, type TestCluster } from './cluster.js';

describe('simulated nodes', () => {
  let cluster: TestCluster;
  beforeAll(async () => {
    cluster = await startCluster();
  });
  afterAll(async () => {
    await cluster?.close();
  });

  describe('an agent with --simulate', () => {
    let agent: TestAgent;
    beforeAll(async () => {
      agent = await startAgent(cluster, { simulate: true, podCidr: '127.90.0.0/24' });
    });
    afterAll(async () => {
      await agent?.close();
      removeDir(agent?.dataDir ?? '');
    });

    it('registers a simulated node', async () => {
      const node = await cluster.admin.get(NODES, undefined, agent.nodeName);
      expect(node.metadata.annotations).toMatchObject({ 'skiff.dev/simulated': 'true', 'skiff.dev/isolation': 'none' });
      expect(condition(node, 'Ready')).toBe('True');
    });

    it('reports bound pods Running and Ready without running them, and finishes deletions at once', async () => {
      await cluster.admin.create(
        PODS,
        pod('ghost', agent.nodeName, {
          initContainers: [{ name: 'init', image: 'busybox' }],
          containers: [{ name: 'a', image: 'nginx' }, { name: 'b', image: 'redis' }],
        }),
      );
      const p = await waitFor('Ready', async () => {
        const x = await getPod(cluster, 'ghost');
        return condition(x, 'Ready') === 'True' ? x : undefined;
      });
      const s = podStatus(p);
      expect(s.phase).toBe('Running');
      expect(cidrContains(parseCidr('127.90.0.0/24'), s.podIP)).toBe(true);
      expect(s.containerStatuses.map((c: any) => [c.name, c.ready, !!c.state.running])).toEqual([['a', true, true], ['b', true, true]]);
      expect(s.initContainerStatuses[0].state.terminated.reason).toBe('Completed');

      await cluster.admin.delete(PODS, 'default', 'ghost');
      await waitFor('the pod to be gone', async () => !(await cluster.admin.get(PODS, 'default', 'ghost').catch(() => undefined)));
    });
  });

  describe('startSimulatedNodes', () => {
    let sim: SimulatedNodes;
    beforeAll(async () => {
      sim = await startSimulatedNodes({ server: cluster.url, token: ADMIN_TOKEN, count: 20, namePrefix: 'sim-', heartbeatMs: 1000, logger: pino({ level: 'silent' }) });
    });
    afterAll(async () => {
      await sim?.close();
    });

    it('registers every node and heartbeats each one with its lease', async () => {
      expect(sim.nodeNames).toHaveLength(20);
      const nodes = (await cluster.admin.list(NODES, { labelSelector: 'type=simulated' })).items;
      expect(nodes.map((n) => n.metadata.name).sort()).toEqual([...sim.nodeNames].sort());
      await waitFor('every lease', async () => {
        const leases = (await cluster.admin.list(LEASES, { namespace: 'kube-node-lease' })).items.map((l) => l.metadata.name);
        return sim.nodeNames.every((n) => leases.includes(n));
      });
    });

    it('leaves an unchanged node status alone between its 5-minute reports, while the Lease is renewed', async () => {
      const node = await cluster.admin.get(NODES, undefined, 'sim-1');
      const renewTime = async () => ((await cluster.admin.get(LEASES, 'kube-node-lease', 'sim-1')).spec as any).renewTime as string;
      // Three renewals (1 s apart) span at least two status periods (1 s).
      let last = await renewTime();
      for (let i = 0; i < 3; i++) {
        last = await waitFor('a renewal', async () => {
          const now = await renewTime();
          return now !== last ? now : undefined;
        });
      }
      expect((await cluster.admin.get(NODES, undefined, 'sim-1')).metadata.resourceVersion).toBe(node.metadata.resourceVersion);
    });

    it("writes a node's status back as soon as it differs from what the node reports, not only every 5 minutes", async () => {
      // As the node lifecycle controller marks a silent node: Ready Unknown, all else kept.
      const node = await cluster.admin.get(NODES, undefined, 'sim-0');
      const conditions = (node.status as any).conditions.map((c: any) => (c.type === 'Ready' ? { ...c, status: 'Unknown', reason: 'NodeStatusUnknown' } : c));
      await cluster.admin.updateStatus(NODES, { ...node, status: { ...(node.status as object), conditions } });
      expect(condition(await cluster.admin.get(NODES, undefined, 'sim-0'), 'Ready')).toBe('Unknown');
      // Its next status period (1 s here) compares and writes: the 5-minute report is far off.
      await waitFor('Ready again', async () => condition(await cluster.admin.get(NODES, undefined, 'sim-0'), 'Ready') === 'True');
    });

    it('runs pods on any of them from one watch', async () => {
      const names = sim.nodeNames.slice(0, 10);
      await Promise.all(names.map((n, i) => cluster.admin.create(PODS, pod(`sim-pod-${i}`, n, { containers: [{ name: 'c', image: 'x' }] }))));
      const pods = await waitFor('all Running', async () => {
        const ps = await Promise.all(names.map((_, i) => getPod(cluster, `sim-pod-${i}`)));
        return ps.every((p) => condition(p, 'Ready') === 'True') ? ps : undefined;
      });
      const ips = pods.map((p) => podStatus(p).podIP);
      expect(new Set(ips).size).toBe(10);
      ips.forEach((ip, i) => expect(ip.startsWith(`127.100.${i}.`)).toBe(true));
    });
  });
});
