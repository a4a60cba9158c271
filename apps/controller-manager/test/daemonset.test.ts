import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KubeObject } from '@skiff/apimachinery';
import { CONTROLLERREVISIONS, DAEMONSETS, NODES, PODS } from '../src/resources.js';
import { TestCluster } from './cluster.js';
import { metricValue } from './metrics.js';

type Status = { desiredNumberScheduled?: number; currentNumberScheduled?: number; numberReady?: number; numberAvailable?: number; updatedNumberScheduled?: number; numberMisscheduled?: number; numberUnavailable?: number; observedGeneration?: number };
const status = (o: KubeObject | undefined) => (o?.status ?? {}) as Status;

function daemonSet(name: string, image = 'agent:v1', nodeSelector?: Record<string, string>): KubeObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'DaemonSet',
    metadata: { name, namespace: 'default' },
    spec: {
      selector: { matchLabels: { app: name } },
      template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'main', image, command: ['sleep', '100'] }], ...(nodeSelector ? { nodeSelector } : {}) } },
    },
  };
}

/** The node a daemon pod is aimed at by its `metadata.name In [node]` affinity. */
function aimedAt(pod: KubeObject): string | undefined {
  const terms = (pod.spec as { affinity?: { nodeAffinity?: { requiredDuringSchedulingIgnoredDuringExecution?: { nodeSelectorTerms?: { matchFields?: { key: string; values?: string[] }[] }[] } } } }).affinity?.nodeAffinity
    ?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms;
  return terms?.[0]?.matchFields?.find((f) => f.key === 'metadata.name')?.values?.[0];
}

describe('DaemonSet controller', () => {
  let c: TestCluster;
  const live = (uid: string) => c.podsOf(uid).filter((p) => !p.metadata.deletionTimestamp);
  const nodesOf = (uid: string) => live(uid).map(aimedAt).sort();

  async function createNode(name: string, labels: Record<string, string> = {}): Promise<void> {
    const now = new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
    await c.client.create(NODES, { apiVersion: 'v1', kind: 'Node', metadata: { name, labels }, spec: {}, status: { conditions: [{ type: 'Ready', status: 'True', lastHeartbeatTime: now, lastTransitionTime: now }] } });
  }

  /** Plays the kubelets: binds each pending daemon pod to the node it is aimed at and makes it Ready. */
  async function runPods(uid: string): Promise<void> {
    for (const p of live(uid)) {
      const ready = (p.status as { conditions?: { type: string; status: string }[] } | undefined)?.conditions?.some((x) => x.type === 'Ready' && x.status === 'True');
      if (!ready) await c.setPodReady(p, true, aimedAt(p));
    }
  }

  /** Plays the kubelets: pods being deleted on a node finish going. */
  async function finishDeletions(uid: string): Promise<void> {
    for (const p of c.podsOf(uid).filter((x) => x.metadata.deletionTimestamp)) {
      await c.client.delete(PODS, 'default', p.metadata.name!, { gracePeriodSeconds: 0 }).catch(() => undefined);
    }
  }

  beforeAll(async () => {
    c = await TestCluster.start(['daemonset']);
    c.watch(DAEMONSETS);
    c.watch(CONTROLLERREVISIONS);
    await createNode('node-1', { role: 'web' });
    await createNode('node-2');
  });
  afterAll(async () => {
    await c?.stop();
  });

  it('creates one pod per node from empty, pinned by node affinity, with its revision, and reports them', async () => {
    const ds = await c.client.create(DAEMONSETS, daemonSet('agent'));
    expect(ds.metadata.annotations?.['deprecated.daemonset.template.generation']).toBe('1');
    expect((ds.spec as { updateStrategy?: unknown }).updateStrategy).toEqual({ type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 1, maxSurge: 0 } });
    await c.until('a pod on each node', () => nodesOf(ds.metadata.uid!).join() === 'node-1,node-2');
    const revisions = c.list(CONTROLLERREVISIONS).filter((r) => r.metadata.ownerReferences?.[0]?.uid === ds.metadata.uid);
    expect(revisions).toHaveLength(1);
    const hash = revisions[0].metadata.labels!['controller-revision-hash'];
    expect(revisions[0]).toMatchObject({ revision: 1, metadata: { name: `agent-${hash}` } });
    for (const p of live(ds.metadata.uid!)) {
      expect(p.metadata.name).toMatch(/^agent-[a-z0-9]{5}$/);
      expect(p.metadata.labels).toEqual({ app: 'agent', 'controller-revision-hash': hash, 'pod-template-generation': '1' });
      expect(p.metadata.ownerReferences).toEqual([expect.objectContaining({ kind: 'DaemonSet', name: 'agent', uid: ds.metadata.uid, controller: true, blockOwnerDeletion: true })]);
      expect((p.spec as { nodeName?: string }).nodeName).toBeUndefined();
      const tolerations = (p.spec as { tolerations: { key: string; effect: string }[] }).tolerations.map((t) => `${t.key}:${t.effect}`);
      expect(tolerations).toContain('node.kubernetes.io/unreachable:NoExecute');
      expect(tolerations).toContain('node.kubernetes.io/unschedulable:NoSchedule');
    }
    await c.until('status: 2 desired, 2 current', () => status(c.get(DAEMONSETS, 'agent')).currentNumberScheduled === 2 && status(c.get(DAEMONSETS, 'agent')).desiredNumberScheduled === 2);
    await runPods(ds.metadata.uid!);
    await c.until('2 ready and available', () => status(c.get(DAEMONSETS, 'agent')).numberAvailable === 2);
    expect(status(c.get(DAEMONSETS, 'agent'))).toMatchObject({ numberReady: 2, updatedNumberScheduled: 2, numberUnavailable: 0, numberMisscheduled: 0, observedGeneration: 1 });
    expect(c.eventsFor('agent', 'SuccessfulCreate')).toHaveLength(2);
  });

  it('converges after changes: a new node, a node leaving the selector, and a rolling update one node at a time', async () => {
    const web = await c.client.create(DAEMONSETS, daemonSet('web', 'web:v1', { role: 'web' }));
    await c.until('web on node-1 only', () => nodesOf(web.metadata.uid!).join() === 'node-1');
    await createNode('node-3', { role: 'web' });
    await c.until('web on node-3 too', () => nodesOf(web.metadata.uid!).join() === 'node-1,node-3');
    const agent = c.get(DAEMONSETS, 'agent')!;
    await c.until('agent on node-3 too', () => nodesOf(agent.metadata.uid!).join() === 'node-1,node-2,node-3');
    await c.client.patch(NODES, undefined, 'node-1', { metadata: { labels: { role: null } } });
    await c.until('web leaves node-1', () => nodesOf(web.metadata.uid!).join() === 'node-3');
    await finishDeletions(web.metadata.uid!);

    // A new template: old pods are replaced one node at a time (maxUnavailable 1).
    await runPods(agent.metadata.uid!);
    await c.until('agent available on 3 nodes', () => status(c.get(DAEMONSETS, 'agent')).numberAvailable === 3);
    await c.client.patch(DAEMONSETS, 'default', 'agent', { spec: { template: { spec: { containers: [{ name: 'main', image: 'agent:v2' }] } } } }, 'strategic');
    const updated = await c.client.get(DAEMONSETS, 'default', 'agent');
    expect(updated.metadata.annotations?.['deprecated.daemonset.template.generation']).toBe('2');
    await c.until('one old pod going', () => c.podsOf(agent.metadata.uid!).filter((p) => p.metadata.deletionTimestamp).length === 1);
    const image = (p: KubeObject) => (p.spec as { containers: { image: string }[] }).containers[0].image;
    for (let round = 0; round < 3; round++) {
      await finishDeletions(agent.metadata.uid!);
      await c.until(`round ${round}: 3 pods, at most one not yet running v2`, () => {
        const pods = live(agent.metadata.uid!);
        return pods.length === 3 && pods.filter((p) => image(p) === 'agent:v2').length === round + 1;
      });
      // Until the new pod runs, no other old pod goes.
      expect(c.podsOf(agent.metadata.uid!).filter((p) => p.metadata.deletionTimestamp)).toHaveLength(0);
      await runPods(agent.metadata.uid!);
      if (round < 2) await c.until(`round ${round}: next old pod going`, () => c.podsOf(agent.metadata.uid!).filter((p) => p.metadata.deletionTimestamp).length === 1);
    }
    await c.until('rolled out', () => {
      const s = status(c.get(DAEMONSETS, 'agent'));
      return s.observedGeneration === 2 && s.updatedNumberScheduled === 3 && s.numberAvailable === 3;
    });
    const revisions = () => c.list(CONTROLLERREVISIONS).filter((r) => r.metadata.ownerReferences?.[0]?.uid === agent.metadata.uid).map((r) => r.revision).sort();
    expect(revisions()).toEqual([1, 2]);
    for (const p of live(agent.metadata.uid!)) expect(p.metadata.labels?.['pod-template-generation']).toBe('2');

    // Back to the first template: its revision becomes the newest, no new revision is made.
    await c.client.patch(DAEMONSETS, 'default', 'agent', { spec: { template: { spec: { containers: [{ name: 'main', image: 'agent:v1' }] } } } }, 'strategic');
    await c.until('revision 1 renumbered 3', () => revisions().join() === '2,3');
  });

  it('a second reconcile of a converged DaemonSet writes nothing', async () => {
    const agent = c.get(DAEMONSETS, 'agent')!;
    for (let round = 0; round < 3 && c.podsOf(agent.metadata.uid!).some((p) => (p.spec as { containers: { image: string }[] }).containers[0].image !== 'agent:v1'); round++) {
      await c.until('an old pod going', () => c.podsOf(agent.metadata.uid!).some((p) => p.metadata.deletionTimestamp));
      await finishDeletions(agent.metadata.uid!);
      await c.until('3 pods', () => live(agent.metadata.uid!).length === 3);
      await runPods(agent.metadata.uid!);
    }
    await c.until('converged', () => status(c.get(DAEMONSETS, 'agent')).updatedNumberScheduled === 3 && status(c.get(DAEMONSETS, 'agent')).numberAvailable === 3);
    const versions = () => Object.fromEntries([...c.list(PODS), ...c.list(CONTROLLERREVISIONS)].map((o) => [`${o.kind}/${o.metadata.name}`, o.metadata.resourceVersion]));
    const before = versions();
    const statusBefore = JSON.stringify(c.get(DAEMONSETS, 'agent')!.status);
    const runs = await metricValue(c.cm?.registry, 'skiff_reconcile_total', { controller: 'daemonset' });
    await c.client.patch(DAEMONSETS, 'default', 'agent', { metadata: { annotations: { touched: 'yes' } } });
    await c.until('another pass', async () => (await metricValue(c.cm?.registry, 'skiff_reconcile_total', { controller: 'daemonset' })) > runs);
    const after = await c.client.get(DAEMONSETS, 'default', 'agent');
    expect(JSON.stringify(after.status)).toBe(statusBefore);
    expect(after.metadata.annotations?.['deprecated.daemonset.template.generation']).toBe('3');
    expect(versions()).toEqual(before);
  });

  it('leaves pods it does not own alone', async () => {
    const pod = (name: string, labels: Record<string, string>, owner?: KubeObject['metadata']['ownerReferences']) =>
      c.client.create(PODS, { apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'default', labels, ...(owner ? { ownerReferences: owner } : {}) }, spec: { nodeName: 'node-2', containers: [{ name: 'main', image: 'x' }] } });
    const foreign = await pod('foreign', { app: 'logs' }, [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'someone', uid: 'not-ours', controller: true }]);
    const bystander = await pod('bystander', { app: 'other' });
    const logs = await c.client.create(DAEMONSETS, daemonSet('logs'));
    await c.until('logs on every node', () => nodesOf(logs.metadata.uid!).join() === 'node-1,node-2,node-3');
    await c.until('status', () => status(c.get(DAEMONSETS, 'logs')).currentNumberScheduled === 3);
    expect(c.get(PODS, 'foreign')!.metadata.resourceVersion).toBe(foreign.metadata.resourceVersion);
    expect(c.get(PODS, 'bystander')!.metadata.resourceVersion).toBe(bystander.metadata.resourceVersion);
  });

  it('stops on a template the API server rejects for pods: a Warning, no retries', async () => {
    // A padded image is accepted in a template but not in a pod, as in Kubernetes.
    const broken = await c.client.create(DAEMONSETS, daemonSet('broken', ' agent:v1 '));
    await c.until('a FailedCreate Warning', () => c.eventsFor('broken', 'FailedCreate').length >= 1);
    await c.until('a terminal result', async () => (await metricValue(c.cm?.registry, 'skiff_reconcile_total', { controller: 'daemonset', result: 'terminal' })) >= 1);
    const probe = await c.client.create(DAEMONSETS, daemonSet('after'));
    await c.until('later work done', () => nodesOf(probe.metadata.uid!).length === 3 && status(c.get(DAEMONSETS, 'after')).currentNumberScheduled === 3);
    const terminal = await metricValue(c.cm?.registry, 'skiff_reconcile_total', { controller: 'daemonset', result: 'terminal' });
    const errors = await metricValue(c.cm?.registry, 'skiff_reconcile_total', { controller: 'daemonset', result: 'error' });
    // Other work passes through the same queue meanwhile: a backoff retry would show up here.
    const successes = await metricValue(c.cm?.registry, 'skiff_reconcile_total', { controller: 'daemonset', result: 'success' });
    await c.client.patch(DAEMONSETS, 'default', 'after', { metadata: { labels: { again: 'yes' } } });
    await c.until('more later work done', async () => (await metricValue(c.cm?.registry, 'skiff_reconcile_total', { controller: 'daemonset', result: 'success' })) > successes);
    expect(terminal).toBeLessThanOrEqual(2);
    expect(await metricValue(c.cm?.registry, 'skiff_reconcile_total', { controller: 'daemonset', result: 'terminal' })).toBe(terminal);
    expect(await metricValue(c.cm?.registry, 'skiff_reconcile_total', { controller: 'daemonset', result: 'error' })).toBe(errors);
    expect(c.podsOf(broken.metadata.uid!)).toHaveLength(0);
    expect(c.eventsFor('broken', 'FailedCreate').length).toBeLessThanOrEqual(2);

    // Fixing the template is a change: the DaemonSet converges.
    await c.client.patch(DAEMONSETS, 'default', 'broken', { spec: { template: { spec: { containers: [{ name: 'main', image: 'agent:v1' }] } } } }, 'strategic');
    await c.until('a pod on every node once fixed', () => nodesOf(broken.metadata.uid!).join() === 'node-1,node-2,node-3');
  });
});
