import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PODS, getPod, pod, podStatus, removeDir, startAgent, startCluster, waitFor, type TestAgent, type TestCluster } from './cluster.js';
import { STATS_WINDOW_HEADER } from '../src/server/agentServer.js';
import type { StatsSummary } from '../src/stats/statsCollector.js';
import { cpuMillis } from '@skiff/apimachinery';

/**
 * The summary API (`GET /stats/summary`) on a process-runtime agent: a busy loop shows up as about
 * a core of cpu, a sleeping pod as almost none, memory is reported, and the node's own usage is
 * there; the cpu rate covers the sampling window.
 */
describe('node agent stats', () => {
  let cluster: TestCluster;
  let agent: TestAgent;

  beforeAll(async () => {
    cluster = await startCluster();
    agent = await startAgent(cluster, { statsIntervalMs: 1000 });
  });
  afterAll(async () => {
    await agent?.close({ stopPods: true });
    await cluster?.close();
    removeDir(agent?.dataDir ?? '');
  });

  async function summary(token = agent.token): Promise<{ status: number; body?: StatsSummary; windowMs?: number }> {
    const res = await fetch(`http://127.0.0.1:${agent.port}/stats/summary`, { headers: { authorization: `Bearer ${token}` } });
    if (!res.ok) return { status: res.status };
    return { status: res.status, body: (await res.json()) as StatsSummary, windowMs: Number(res.headers.get(STATS_WINDOW_HEADER)) };
  }

  it('needs the node token', async () => {
    expect((await summary('wrong')).status).toBe(401);
  });

  it('reports per-container cpu as a rate and memory, summed per pod', async () => {
    const resources = { requests: { cpu: '100m' } };
    await cluster.admin.create(PODS, pod('busy', agent.nodeName, { containers: [{ name: 'loop', image: 'busybox', command: ['sh', '-c', 'while :; do :; done'], resources }] }));
    await cluster.admin.create(PODS, pod('idle', agent.nodeName, { containers: [{ name: 'sleep', image: 'busybox', command: ['sleep', '300'], resources }] }));
    for (const name of ['busy', 'idle']) await waitFor(`${name} running`, async () => podStatus(await getPod(cluster, name)).phase === 'Running');

    const got = await waitFor('both pods with a cpu rate', async () => {
      const s = await summary();
      const busy = s.body?.pods.find((p) => p.podRef.name === 'busy');
      const idle = s.body?.pods.find((p) => p.podRef.name === 'idle');
      return busy?.cpu.usageNanoCores !== undefined && idle?.cpu.usageNanoCores !== undefined ? { s, busy, idle } : undefined;
    });
    // A busy loop keeps one core busy, less what a shared machine takes from it.
    expect(got.busy.cpu.usageNanoCores).toBeGreaterThan(300_000_000);
    expect(got.busy.containers.map((c) => c.name)).toEqual(['loop']);
    expect(got.busy.containers[0].cpu.usageNanoCores).toBe(got.busy.cpu.usageNanoCores);
    expect(got.idle.cpu.usageNanoCores).toBeLessThan(50_000_000);
    expect(got.busy.memory.workingSetBytes).toBeGreaterThan(0);
    expect(got.busy.podRef).toMatchObject({ namespace: 'default', uid: (await getPod(cluster, 'busy')).metadata.uid });
    expect(got.s.windowMs).toBeGreaterThanOrEqual(500);
    expect(got.s.body!.node.nodeName).toBe(agent.nodeName);
    expect(got.s.body!.node.cpu!.usageNanoCores).toBeGreaterThan(0);
    expect(got.s.body!.node.memory!.workingSetBytes).toBeGreaterThan(0);
  });

  it('serves metrics.k8s.io from the summaries: PodMetrics and NodeMetrics, with selectors', async () => {
    type PodMetrics = { metadata: { name: string; labels?: Record<string, string> }; window: string; containers: { name: string; usage: { cpu: string; memory: string } }[] };
    const list = await waitFor('pod metrics for busy and idle', async () => {
      const l = await cluster.admin.request<{ kind: string; items: PodMetrics[] }>('GET', '/apis/metrics.k8s.io/v1beta1/namespaces/default/pods');
      return l.items.length === 2 ? l : undefined;
    });
    expect(list.kind).toBe('PodMetricsList');
    const busy = list.items.find((m) => m.metadata.name === 'busy')!;
    expect(busy.containers[0].name).toBe('loop');
    expect(cpuMillis(busy.containers[0].usage.cpu)).toBeGreaterThan(300);
    expect(busy.window).toMatch(/^\d+(\.\d+)?s$/);
    const one = await cluster.admin.request<PodMetrics>('GET', '/apis/metrics.k8s.io/v1beta1/namespaces/default/pods/idle');
    expect(cpuMillis(one.containers[0].usage.cpu)).toBeLessThan(50);
    await expect(cluster.admin.request('GET', '/apis/metrics.k8s.io/v1beta1/namespaces/default/pods/nope')).rejects.toThrow(/podmetrics.metrics.k8s.io "default\/nope" not found/);

    await cluster.admin.patch(PODS, 'default', 'busy', { metadata: { labels: { load: 'high' } } }, 'merge');
    const selected = await cluster.admin.request<{ items: PodMetrics[] }>('GET', '/apis/metrics.k8s.io/v1beta1/namespaces/default/pods?labelSelector=load%3Dhigh');
    expect(selected.items.map((m) => m.metadata.name)).toEqual(['busy']);

    const nodes = await cluster.admin.request<{ items: { metadata: { name: string }; usage: { cpu: string; memory: string } }[] }>('GET', '/apis/metrics.k8s.io/v1beta1/nodes');
    expect(nodes.items.map((n) => n.metadata.name)).toEqual([agent.nodeName]);
    expect(cpuMillis(nodes.items[0].usage.cpu)).toBeGreaterThan(0);
    const groups = await cluster.admin.request<{ groups: { name: string }[] }>('GET', '/apis');
    expect(groups.groups.map((g) => g.name)).toContain('metrics.k8s.io');
  });

  it('drops a pod once its containers stop', async () => {
    await cluster.admin.delete(PODS, 'default', 'busy', { gracePeriodSeconds: 0 });
    await waitFor('busy gone from the summary', async () => !(await summary()).body?.pods.some((p) => p.podRef.name === 'busy'));
  });
});
