import type { KubeObject } from '@skiff/apimachinery';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EVENTS, NAMESPACES, PODDISRUPTIONBUDGETS, PODS, REPLICASETS } from '../src/resources.js';
import { TestCluster } from './cluster.js';
import { reconciles } from './reconciles.js';

type BudgetStatus = { currentHealthy?: number; desiredHealthy?: number; expectedPods?: number; disruptionsAllowed?: number; conditions?: { type: string; status: string; reason: string }[] };
const statusOf = (b: KubeObject | undefined) => (b?.status ?? {}) as BudgetStatus;

const budget = (name: string, spec: Record<string, unknown>, namespace = 'default'): KubeObject => ({
  apiVersion: 'policy/v1',
  kind: 'PodDisruptionBudget',
  metadata: { name, namespace },
  spec: { selector: { matchLabels: { app: 'web' } }, ...spec },
});

describe('disruption controller', () => {
  let c: TestCluster;
  let rs: KubeObject;

  const pod = async (name: string, opts: { owner?: KubeObject; namespace?: string; ready?: boolean } = {}) => {
    const owner = opts.owner;
    const created = await c.client.create(PODS, {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: {
        name,
        namespace: opts.namespace ?? 'default',
        labels: { app: 'web' },
        ...(owner ? { ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: owner.metadata.name!, uid: owner.metadata.uid!, controller: true }] } : {}),
      },
      spec: { containers: [{ name: 'main', image: 'x' }] },
    });
    return setReady(created, opts.ready ?? true);
  };
  const setReady = async (p: KubeObject, ready: boolean) =>
    c.client.updateStatus(PODS, { ...p, status: { ...(p.status as object), phase: 'Running', conditions: [{ type: 'Ready', status: ready ? 'True' : 'False' }] } });

  beforeAll(async () => {
    c = await TestCluster.start(['disruption']);
    c.watch(PODDISRUPTIONBUDGETS);
    rs = await c.client.create(REPLICASETS, {
      apiVersion: 'apps/v1',
      kind: 'ReplicaSet',
      metadata: { name: 'web', namespace: 'default' },
      spec: { replicas: 3, selector: { matchLabels: { app: 'web' } }, template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'main', image: 'x' }] } } },
    });
    for (const name of ['web-a', 'web-b', 'web-c']) await pod(name, { owner: rs });
  });
  afterAll(async () => {
    await c?.stop();
  });

  it('fills a new budget from its pods and their controller', async () => {
    await c.client.create(PODDISRUPTIONBUDGETS, budget('max-one', { maxUnavailable: 1 }));
    await c.until('status filled', () => statusOf(c.get(PODDISRUPTIONBUDGETS, 'max-one')).expectedPods === 3);
    expect(statusOf(c.get(PODDISRUPTIONBUDGETS, 'max-one'))).toMatchObject({ currentHealthy: 3, desiredHealthy: 2, expectedPods: 3, disruptionsAllowed: 1 });
    expect(statusOf(c.get(PODDISRUPTIONBUDGETS, 'max-one')).conditions).toMatchObject([{ type: 'DisruptionAllowed', status: 'True', reason: 'SufficientPods' }]);
  });

  it('follows a pod that stops being ready', async () => {
    const b = await c.client.get(PODS, 'default', 'web-b');
    await setReady(b, false);
    await c.until('no disruption allowed', () => statusOf(c.get(PODDISRUPTIONBUDGETS, 'max-one')).disruptionsAllowed === 0);
    expect(statusOf(c.get(PODDISRUPTIONBUDGETS, 'max-one'))).toMatchObject({ currentHealthy: 2, conditions: [{ status: 'False', reason: 'InsufficientPods' }] });
    await setReady(await c.client.get(PODS, 'default', 'web-b'), true);
    await c.until('allowed again', () => statusOf(c.get(PODDISRUPTIONBUDGETS, 'max-one')).disruptionsAllowed === 1);
  });

  it('a second pass over a converged budget writes nothing', async () => {
    const rv = c.get(PODDISRUPTIONBUDGETS, 'max-one')!.metadata.resourceVersion;
    const runs = await reconciles(c, 'disruption');
    // A label change the budget does not care about still wakes it.
    await c.client.patch(PODS, 'default', 'web-a', { metadata: { annotations: { touched: 'yes' } } });
    await c.until('another pass', async () => (await reconciles(c, 'disruption')) > runs);
    expect((await c.client.get(PODDISRUPTIONBUDGETS, 'default', 'max-one')).metadata.resourceVersion).toBe(rv);
  });

  it("leaves other namespaces' budgets and pods alone", async () => {
    await c.client.create(NAMESPACES, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'other' } });
    await c.client.create(PODDISRUPTIONBUDGETS, budget('theirs', { minAvailable: 1 }, 'other'));
    await c.until('theirs filled', () => statusOf(c.get(PODDISRUPTIONBUDGETS, 'theirs', 'other')).expectedPods === 0);
    const rv = c.get(PODDISRUPTIONBUDGETS, 'theirs', 'other')!.metadata.resourceVersion;
    await pod('web-d');
    await c.client.create(PODDISRUPTIONBUDGETS, budget('probe', { minAvailable: 1 }));
    await c.until('probe counts default pods', () => statusOf(c.get(PODDISRUPTIONBUDGETS, 'probe')).expectedPods === 4);
    expect((await c.client.get(PODDISRUPTIONBUDGETS, 'other', 'theirs')).metadata.resourceVersion).toBe(rv);
    expect(statusOf(c.get(PODDISRUPTIONBUDGETS, 'theirs', 'other')).expectedPods).toBe(0);
  });

  it('records a percentage over a pod without a controller on the budget, without retrying', async () => {
    const errors = await reconciles(c, 'disruption', 'error');
    await c.client.create(PODDISRUPTIONBUDGETS, budget('percent', { maxUnavailable: '50%' }));
    await c.until('sync failed recorded', () => statusOf(c.get(PODDISRUPTIONBUDGETS, 'percent')).conditions?.[0]?.reason === 'SyncFailed');
    expect(statusOf(c.get(PODDISRUPTIONBUDGETS, 'percent')).disruptionsAllowed).toBe(0);
    const events = (await c.client.list(EVENTS, { namespace: 'default' })).items;
    expect(events.some((e) => (e as { reason?: string }).reason === 'NoControllers' && (e as { message?: string }).message === 'found no controllers for pod "web-d"')).toBe(true);
    expect(await reconciles(c, 'disruption', 'error')).toBe(errors);
  });
});
