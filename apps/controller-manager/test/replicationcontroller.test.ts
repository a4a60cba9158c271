import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KubeObject } from '@skiff/apimachinery';
import { PODS, REPLICATIONCONTROLLERS } from '../src/resources.js';
import { TestCluster } from './cluster.js';
import { metricValue } from './metrics.js';

function rc(name: string, replicas: number, image = 'web:v1', selector?: Record<string, string>): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'ReplicationController',
    metadata: { name, namespace: 'default' },
    spec: { replicas, ...(selector ? { selector } : {}), template: { metadata: { labels: { app: name, tier: 'web' } }, spec: { containers: [{ name: 'main', image, command: ['sleep', '100'] }] } } },
  };
}

const status = (o: KubeObject | undefined) => (o?.status ?? {}) as { replicas?: number; readyReplicas?: number; availableReplicas?: number; observedGeneration?: number };

describe('ReplicationController (the replication manager)', () => {
  let c: TestCluster;
  const live = (uid: string) => c.podsOf(uid).filter((p) => !p.metadata.deletionTimestamp);
  const runs = (result: string) => metricValue(c.cm?.registry, 'skiff_reconcile_total', { controller: 'replicationcontroller', result });

  beforeAll(async () => {
    c = await TestCluster.start(['replicationcontroller']);
    c.watch(REPLICATIONCONTROLLERS);
  });
  afterAll(async () => {
    await c?.stop();
  });

  it('creates pods from empty, with the selector and labels defaulted from the template, and reports them', async () => {
    const created = await c.client.create(REPLICATIONCONTROLLERS, rc('alpha', 3));
    expect((created.spec as { selector?: unknown }).selector).toEqual({ app: 'alpha', tier: 'web' });
    expect(created.metadata.labels).toEqual({ app: 'alpha', tier: 'web' });
    await c.until('3 pods', () => live(created.metadata.uid!).length === 3);
    for (const p of live(created.metadata.uid!)) {
      expect(p.metadata.name).toMatch(/^alpha-[a-z0-9]{5}$/);
      expect(p.metadata.ownerReferences).toEqual([expect.objectContaining({ apiVersion: 'v1', kind: 'ReplicationController', name: 'alpha', uid: created.metadata.uid, controller: true })]);
    }
    for (const p of live(created.metadata.uid!)) await c.setPodReady(p);
    await c.until('3 ready and available', () => status(c.get(REPLICATIONCONTROLLERS, 'alpha')).availableReplicas === 3 && status(c.get(REPLICATIONCONTROLLERS, 'alpha')).readyReplicas === 3);
    expect(status(c.get(REPLICATIONCONTROLLERS, 'alpha'))).toMatchObject({ replicas: 3, observedGeneration: 1 });
  });

  it('converges after a change: scaled through /scale, and a deleted pod is replaced', async () => {
    const alpha = c.get(REPLICATIONCONTROLLERS, 'alpha')!;
    const scale = await c.client.request<{ spec: { replicas: number }; status: { replicas: number; selector: string } }>('GET', c.client.path(REPLICATIONCONTROLLERS, 'default', 'alpha', 'scale'));
    expect(scale.status).toEqual({ replicas: 3, selector: 'app=alpha,tier=web' });
    await c.client.patch(REPLICATIONCONTROLLERS, 'default', 'alpha', { spec: { replicas: 2 } }, 'merge', { subresource: 'scale' });
    await c.until('2 pods', () => live(alpha.metadata.uid!).length === 2);
    const victim = live(alpha.metadata.uid!)[0];
    await c.client.delete(PODS, 'default', victim.metadata.name!, { gracePeriodSeconds: 0 });
    await c.until('a replacement', () => live(alpha.metadata.uid!).length === 2 && !live(alpha.metadata.uid!).some((p) => p.metadata.name === victim.metadata.name));
    await c.until('status follows', () => status(c.get(REPLICATIONCONTROLLERS, 'alpha')).replicas === 2 && status(c.get(REPLICATIONCONTROLLERS, 'alpha')).observedGeneration === 2);
  });

  it('a second reconcile of a converged controller writes nothing', async () => {
    const alpha = c.get(REPLICATIONCONTROLLERS, 'alpha')!;
    for (const p of live(alpha.metadata.uid!)) await c.setPodReady(p);
    await c.until('2 available', () => status(c.get(REPLICATIONCONTROLLERS, 'alpha')).availableReplicas === 2);
    const before = Object.fromEntries(c.list(PODS).map((p) => [p.metadata.name, p.metadata.resourceVersion]));
    const statusBefore = JSON.stringify(c.get(REPLICATIONCONTROLLERS, 'alpha')!.status);
    const successes = await runs('success');
    await c.client.patch(REPLICATIONCONTROLLERS, 'default', 'alpha', { metadata: { annotations: { touched: 'yes' } } });
    await c.until('another pass', async () => (await runs('success')) > successes);
    expect(JSON.stringify((await c.client.get(REPLICATIONCONTROLLERS, 'default', 'alpha')).status)).toBe(statusBefore);
    const after = Object.fromEntries((await c.client.list(PODS, { namespace: 'default' })).items.map((p) => [p.metadata.name, p.metadata.resourceVersion]));
    expect(after).toEqual(before);
  });

  it('adopts a matching orphan, releases a pod whose labels stop matching, and leaves pods it does not own alone', async () => {
    const pod = (name: string, labels: Record<string, string>, ownerReferences?: KubeObject['metadata']['ownerReferences']) =>
      c.client.create(PODS, { apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'default', labels, ...(ownerReferences ? { ownerReferences } : {}) }, spec: { containers: [{ name: 'main', image: 'x' }] } });
    const orphan = await pod('stray', { app: 'beta' });
    const foreign = await pod('foreign', { app: 'beta' }, [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'someone', uid: 'not-ours', controller: true }]);
    const bystander = await pod('bystander', { app: 'gamma' });
    const beta = await c.client.create(REPLICATIONCONTROLLERS, rc('beta', 2, 'web:v1', { app: 'beta' }));
    await c.until('2 pods for beta', () => live(beta.metadata.uid!).length === 2);
    expect(live(beta.metadata.uid!).map((p) => p.metadata.name)).toContain('stray');
    expect(c.get(PODS, 'stray')!.metadata.uid).toBe(orphan.metadata.uid);
    expect(c.get(PODS, 'foreign')!.metadata.resourceVersion).toBe(foreign.metadata.resourceVersion);
    expect(c.get(PODS, 'bystander')!.metadata.resourceVersion).toBe(bystander.metadata.resourceVersion);

    await c.client.patch(PODS, 'default', 'stray', { metadata: { labels: { app: 'debugging' } } });
    await c.until('released and replaced', () => !c.get(PODS, 'stray')?.metadata.ownerReferences?.length && live(beta.metadata.uid!).length === 2);
  });

  it('stops on a template the API server rejects for pods: a ReplicaFailure condition, no retries', async () => {
    const broken = await c.client.create(REPLICATIONCONTROLLERS, rc('broken', 2, ' web:v1 '));
    await c.until('a terminal result', async () => (await runs('terminal')) >= 1);
    await c.until('ReplicaFailure', () => ((c.get(REPLICATIONCONTROLLERS, 'broken')?.status as { conditions?: { type: string }[] } | undefined)?.conditions ?? []).some((x) => x.type === 'ReplicaFailure'));
    const probe = await c.client.create(REPLICATIONCONTROLLERS, rc('after', 1));
    await c.until('later work done', () => live(probe.metadata.uid!).length === 1 && status(c.get(REPLICATIONCONTROLLERS, 'after')).replicas === 1);
    const terminal = await runs('terminal');
    const errors = await runs('error');
    await c.client.patch(REPLICATIONCONTROLLERS, 'default', 'after', { spec: { replicas: 2 } });
    await c.until('more later work done', () => live(probe.metadata.uid!).length === 2 && status(c.get(REPLICATIONCONTROLLERS, 'after')).replicas === 2);
    expect(terminal).toBeLessThanOrEqual(2);
    expect(await runs('terminal')).toBe(terminal);
    expect(await runs('error')).toBe(errors);
    expect(c.podsOf(broken.metadata.uid!)).toHaveLength(0);
    expect(c.eventsFor('broken', 'FailedCreate')).toHaveLength(1);
  });
});
