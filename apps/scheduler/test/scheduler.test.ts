import { afterEach, describe, expect, it } from 'vitest';
import { cpuMillis } from '@skiff/apimachinery';
import { resourceType } from '@skiff/kube-client';
import { PODS, TestCluster } from './cluster.js';

const CLUSTERROLES = resourceType('clusterroles', 'rbac.authorization.k8s.io');
const CLUSTERROLEBINDINGS = resourceType('clusterrolebindings', 'rbac.authorization.k8s.io');

describe('the scheduler on a real API server and Redis', () => {
  let cluster: TestCluster;
  afterEach(async () => {
    await cluster?.stop();
  });

  it('binds pending pods, spreading one owner over two nodes, and says so', async () => {
    cluster = await TestCluster.start();
    await cluster.createNode('node-a');
    await cluster.createNode('node-b');
    const names = ['web-0', 'web-1', 'web-2', 'web-3'];
    for (const n of names) await cluster.createPod(n, { cpu: '100m', ownerUid: 'rs-web' });
    await cluster.until('all pods bound', () => names.every((n) => cluster.nodeNameOf(n)));

    const perNode = new Map<string, number>();
    for (const n of names) perNode.set(cluster.nodeNameOf(n)!, (perNode.get(cluster.nodeNameOf(n)!) ?? 0) + 1);
    expect(Object.fromEntries(perNode)).toEqual({ 'node-a': 2, 'node-b': 2 });
    expect(cluster.podScheduled('web-0')).toMatchObject({ status: 'True' });
    await cluster.until('Scheduled events', () => names.every((n) => cluster.eventsFor(n, 'Scheduled').length === 1));
    expect(cluster.eventsFor('web-0', 'Scheduled')[0]).toMatchObject({
      type: 'Normal',
      message: `Successfully assigned default/web-0 to ${cluster.nodeNameOf('web-0')}`,
      source: { component: 'default-scheduler' },
    });
  });

  it('keeps a pod that fits nowhere Pending with the reason, and binds it once a big enough node joins', async () => {
    cluster = await TestCluster.start();
    await cluster.createNode('node-a', { cpu: '2' });
    await cluster.createNode('node-b', { cpu: '2' });
    await cluster.createPod('big', { cpu: '3' });
    // A first attempt may run before the scheduler's cache saw a node's status patch and give
    // another reason; the node update rewrites it (and records another event). Wait for this one.
    const insufficient = '0/2 nodes are available: 2 Insufficient cpu.';
    await cluster.until(`PodScheduled=False "${insufficient}"`, () => cluster.podScheduled('big')?.message === insufficient);
    expect(cluster.podScheduled('big')).toMatchObject({ status: 'False', reason: 'Unschedulable', message: insufficient });
    expect(cluster.nodeNameOf('big')).toBeUndefined();
    const failedScheduling = () => cluster.eventsFor('big', 'FailedScheduling').find((e) => e.message === insufficient);
    await cluster.until(`a FailedScheduling event "${insufficient}"`, () => !!failedScheduling());
    expect(failedScheduling()).toMatchObject({ type: 'Warning', message: insufficient });

    await cluster.createNode('node-c', { cpu: '4' });
    await cluster.until('the pod to be bound to the new node', () => cluster.nodeNameOf('big') === 'node-c');
    expect(cluster.podScheduled('big')).toMatchObject({ status: 'True' });
  });

  it('binds a waiting pod when a pod on a full node goes away', async () => {
    cluster = await TestCluster.start();
    await cluster.createNode('node-a', { cpu: '1' });
    await cluster.createPod('first', { cpu: '800m' });
    await cluster.until('first bound', () => !!cluster.nodeNameOf('first'));
    await cluster.createPod('second', { cpu: '800m' });
    await cluster.until('second unschedulable', () => cluster.podScheduled('second')?.message === '0/1 nodes are available: 1 Insufficient cpu.');
    // No node agent runs here to finish a graceful delete: delete at once.
    await cluster.client.delete(PODS, 'default', 'first', { gracePeriodSeconds: 0 });
    await cluster.until('second bound', () => cluster.nodeNameOf('second') === 'node-a');
  });

  it('honours nodeSelector, taints and tolerations', async () => {
    cluster = await TestCluster.start();
    await cluster.createNode('ssd', { labels: { disk: 'ssd' } });
    await cluster.createNode('gpu', { labels: { accel: 'gpu' }, taints: [{ key: 'dedicated', value: 'gpu', effect: 'NoSchedule' }] });
    await cluster.createNode('plain');
    await cluster.createPod('wants-ssd', { spec: { nodeSelector: { disk: 'ssd' } } });
    await cluster.createPod('wants-gpu', { spec: { nodeSelector: { accel: 'gpu' } } });
    await cluster.createPod('gpu-job', {
      spec: {
        tolerations: [{ key: 'dedicated', operator: 'Equal', value: 'gpu', effect: 'NoSchedule' }],
        affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'accel', operator: 'In', values: ['gpu'] }] }] } } },
      },
    });
    const untolerated = Array.from({ length: 6 }, (_, i) => `any-${i}`);
    for (const n of untolerated) await cluster.createPod(n);

    // As above: wait for wants-gpu's message, not its first PodScheduled=False, which may predate a
    // node's status patch in the scheduler's cache.
    const noFit = "0/3 nodes are available: 1 node(s) had untolerated taint {dedicated: gpu}, 2 node(s) didn't match Pod's node affinity/selector.";
    await cluster.until("placements and wants-gpu's reason", () => ['wants-ssd', 'gpu-job', ...untolerated].every((n) => cluster.nodeNameOf(n)) && cluster.podScheduled('wants-gpu')?.message === noFit);
    expect(cluster.nodeNameOf('wants-ssd')).toBe('ssd');
    expect(cluster.nodeNameOf('gpu-job')).toBe('gpu');
    for (const n of untolerated) expect(cluster.nodeNameOf(n)).not.toBe('gpu');
    expect(cluster.podScheduled('wants-gpu')).toMatchObject({ status: 'False', message: noFit });
  });

  it('un-assumes a pod whose binding is refused and retries it until a binding goes through', async () => {
    // The scheduler's own role without pods/binding: every binding is refused (403) until the test grants it.
    let fullRules: unknown;
    cluster = await TestCluster.start({
      schedulerUser: 'test:scheduler',
      async beforeScheduler(admin) {
        fullRules = (await admin.get(CLUSTERROLES, undefined, 'system:skiff:scheduler')).rules;
        const rules = (fullRules as { resources?: string[] }[]).map((r) => ({ ...r, resources: r.resources?.filter((x) => x !== 'pods/binding') }));
        await admin.create(CLUSTERROLES, { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name: 'test:scheduler' }, rules });
        await admin.create(CLUSTERROLEBINDINGS, {
          apiVersion: 'rbac.authorization.k8s.io/v1',
          kind: 'ClusterRoleBinding',
          metadata: { name: 'test:scheduler' },
          roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'test:scheduler' },
          subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: 'test:scheduler' }],
        });
      },
    });
    // Room for one pod: an assumption left behind by a refused binding would fill it.
    await cluster.createNode('node-a', { pods: 1 });
    await cluster.createPod('web');
    const errors = () => cluster.metric('skiff_scheduler_schedule_attempts_total', { result: 'error' });
    await cluster.until('three refused bindings', async () => (await errors()) >= 3);
    expect(cluster.nodeNameOf('web')).toBeUndefined();

    await cluster.client.update(CLUSTERROLES, { ...(await cluster.client.get(CLUSTERROLES, undefined, 'test:scheduler')), rules: fullRules });
    await cluster.until('the pod bound once bindings are allowed', () => cluster.nodeNameOf('web') === 'node-a');
    expect(await cluster.metric('skiff_scheduler_schedule_attempts_total', { result: 'scheduled' })).toBe(1);
    expect(cluster.podScheduled('web')?.status).not.toBe('False');
  });

  it('does not overbook nodes under a burst', async () => {
    cluster = await TestCluster.start({ concurrency: 16 });
    for (const n of ['node-a', 'node-b', 'node-c']) await cluster.createNode(n, { cpu: '1', memory: '1Gi' });
    const names = Array.from({ length: 40 }, (_, i) => `burst-${i}`);
    // 40 pods of 100m on 3 nodes of 1 CPU: room for exactly 30.
    await Promise.all(names.map((n) => cluster.createPod(n, { cpu: '100m', memory: '10Mi' })));
    const bound = () => names.filter((n) => cluster.nodeNameOf(n));
    const waiting = () => names.filter((n) => cluster.podScheduled(n)?.message === '0/3 nodes are available: 3 Insufficient cpu.');
    await cluster.until('30 bound and 10 unschedulable', () => bound().length === 30 && waiting().length === 10);

    const cpuPerNode = new Map<string, number>();
    for (const n of bound()) {
      const pod = cluster.pod(n)!;
      const spec = pod.spec as { nodeName: string; containers: { resources: { requests: { cpu: string } } }[] };
      cpuPerNode.set(spec.nodeName, (cpuPerNode.get(spec.nodeName) ?? 0) + cpuMillis(spec.containers[0].resources.requests.cpu));
    }
    expect(Object.fromEntries(cpuPerNode)).toEqual({ 'node-a': 1000, 'node-b': 1000, 'node-c': 1000 });
  });

  it('records bad input on the pod once and does not retry it', async () => {
    cluster = await TestCluster.start();
    await cluster.createNode('node-a');
    await cluster.createPod('bad', {
      spec: { affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'zone', operator: 'Near', values: ['x'] }] }] } } } },
    });
    await cluster.until('the bad pod to be marked', () => cluster.podScheduled('bad')?.status === 'False');
    expect(cluster.podScheduled('bad')).toMatchObject({ reason: 'Unschedulable', message: expect.stringMatching(/^invalid node affinity: .*operator: Unsupported value: "Near"/) });
    // The status write wakes the pod once more; that reconcile finds the input already recorded.
    await cluster.createPod('good');
    await cluster.until('the good pod bound and the queue past the bad one', async () => !!cluster.nodeNameOf('good') && (await cluster.metric('skiff_reconcile_total', { controller: 'scheduler', result: 'success' })) >= 2);
    expect(await cluster.metric('skiff_reconcile_total', { controller: 'scheduler', result: 'terminal' })).toBe(1);
    expect(await cluster.metric('skiff_reconcile_total', { controller: 'scheduler', result: 'error' })).toBe(0);
    expect(cluster.nodeNameOf('bad')).toBeUndefined();
    expect(cluster.eventsFor('bad', 'FailedScheduling')).toHaveLength(1);
  });

  it('leaves bound pods and other schedulers’ pods alone: another reconcile changes nothing', async () => {
    cluster = await TestCluster.start();
    await cluster.createNode('node-a');
    await cluster.createPod('mine');
    await cluster.createPod('theirs', { spec: { schedulerName: 'other-scheduler' } });
    await cluster.until('mine bound', () => !!cluster.nodeNameOf('mine') && cluster.eventsFor('mine', 'Scheduled').length === 1);

    // mine: created and bound; its binding and theirs (another scheduler's) are never queued.
    const reconciles = () => cluster.metric('skiff_reconcile_total', { controller: 'scheduler' });
    await cluster.until('the first reconcile', async () => (await reconciles()) >= 1);
    // Touch both with a change the scheduler does not care about, then schedule a third pod: by
    // the time it is bound, any reconcile of the first two would have run before it.
    const before = await reconciles();
    const mine = await cluster.client.patch(PODS, 'default', 'mine', { metadata: { labels: { touched: 'yes' } } });
    const theirs = await cluster.client.patch(PODS, 'default', 'theirs', { metadata: { labels: { touched: 'yes' } } });
    await cluster.createPod('later');
    await cluster.until('later bound', () => !!cluster.nodeNameOf('later') && cluster.eventsFor('later', 'Scheduled').length === 1);
    expect(await reconciles()).toBe(before + 1);

    const events = cluster.events.list().length;
    expect((await cluster.client.get(PODS, 'default', 'mine')).metadata.resourceVersion).toBe(mine.metadata.resourceVersion);
    const theirsNow = await cluster.client.get(PODS, 'default', 'theirs');
    expect(theirsNow.metadata.resourceVersion).toBe(theirs.metadata.resourceVersion);
    expect((theirsNow.spec as { nodeName?: string }).nodeName).toBeUndefined();
    expect(cluster.podScheduled('theirs')).toBeUndefined();
    expect(cluster.eventsFor('mine')).toHaveLength(1);
    expect(cluster.events.list()).toHaveLength(events);
    expect(cluster.eventsFor('theirs')).toHaveLength(0);
  });
});
