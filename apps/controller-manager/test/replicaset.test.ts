import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KubeObject } from '@skiff/apimachinery';
import { PODS, REPLICASETS } from '../src/resources.js';
import { TestCluster } from './cluster.js';
import { metricValue } from './metrics.js';

function replicaSet(name: string, replicas: number, image = 'web:v1'): KubeObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'ReplicaSet',
    metadata: { name, namespace: 'default' },
    spec: {
      replicas,
      selector: { matchLabels: { app: name } },
      template: { metadata: { labels: { app: name, tier: 'web' } }, spec: { containers: [{ name: 'main', image, command: ['sleep', '100'] }] } },
    },
  };
}

const status = (o: KubeObject | undefined) => (o?.status ?? {}) as { replicas?: number; readyReplicas?: number; availableReplicas?: number; observedGeneration?: number; conditions?: { type: string; reason?: string }[] };

describe('ReplicaSet controller', () => {
  let c: TestCluster;
  beforeAll(async () => {
    c = await TestCluster.start(['replicaset']);
  });
  afterAll(async () => {
    await c?.stop();
  });

  it('creates pods from empty, named after the set and controlled by it, and reports them', async () => {
    const rs = await c.client.create(REPLICASETS, replicaSet('alpha', 3));
    await c.until('3 pods', () => c.podsOf(rs.metadata.uid!).length === 3);
    const pods = c.podsOf(rs.metadata.uid!);
    for (const p of pods) {
      expect(p.metadata.name).toMatch(/^alpha-[a-z0-9]{5}$/);
      expect(p.metadata.labels).toEqual({ app: 'alpha', tier: 'web' });
      expect(p.metadata.ownerReferences).toEqual([expect.objectContaining({ kind: 'ReplicaSet', name: 'alpha', uid: rs.metadata.uid, controller: true, blockOwnerDeletion: true })]);
    }
    await c.until('status replicas 3', () => status(c.get(REPLICASETS, 'alpha')).replicas === 3);
    for (const p of pods) await c.setPodReady(p);
    await c.until('3 ready and available', () => status(c.get(REPLICASETS, 'alpha')).availableReplicas === 3 && status(c.get(REPLICASETS, 'alpha')).readyReplicas === 3);
    expect(status(c.get(REPLICASETS, 'alpha')).observedGeneration).toBe(1);
    expect(c.eventsFor('alpha', 'SuccessfulCreate').length).toBeGreaterThanOrEqual(3);
  });

  it('converges after a change: scales down (not-ready pods first) and replaces a deleted pod', async () => {
    const rs = c.get(REPLICASETS, 'alpha')!;
    const pods = c.podsOf(rs.metadata.uid!);
    await c.setPodReady(pods[0], false);
    await c.client.patch(REPLICASETS, 'default', 'alpha', { spec: { replicas: 2 } });
    await c.until('2 active pods', () => c.podsOf(rs.metadata.uid!).filter((p) => !p.metadata.deletionTimestamp).length === 2);
    expect(c.get(PODS, pods[0].metadata.name!)?.metadata.deletionTimestamp ?? 'gone').toBeTruthy();
    expect(c.podsOf(rs.metadata.uid!).some((p) => p.metadata.name === pods[0].metadata.name && !p.metadata.deletionTimestamp)).toBe(false);

    const victim = c.podsOf(rs.metadata.uid!).find((p) => !p.metadata.deletionTimestamp)!;
    await c.client.delete(PODS, 'default', victim.metadata.name!, { gracePeriodSeconds: 0 });
    await c.until('a replacement', () => {
      const live = c.podsOf(rs.metadata.uid!).filter((p) => !p.metadata.deletionTimestamp);
      return live.length === 2 && !live.some((p) => p.metadata.name === victim.metadata.name);
    });
    await c.until('status follows', () => status(c.get(REPLICASETS, 'alpha')).replicas === 2 && status(c.get(REPLICASETS, 'alpha')).observedGeneration === 2);
  });

  it('a second reconcile of a converged set writes nothing', async () => {
    const rs = c.get(REPLICASETS, 'alpha')!;
    for (const p of c.podsOf(rs.metadata.uid!)) await c.setPodReady(p);
    await c.until('2 available', () => status(c.get(REPLICASETS, 'alpha')).availableReplicas === 2);
    const before = Object.fromEntries(c.list(PODS).map((p) => [p.metadata.name, p.metadata.resourceVersion]));
    const statusBefore = JSON.stringify(c.get(REPLICASETS, 'alpha')!.status);
    const runs = await metricValue(c.cm?.registry, 'skiff_reconcile_total', { controller: 'replicaset' });
    // Touch the set (metadata only) so the controller looks at it again.
    await c.client.patch(REPLICASETS, 'default', 'alpha', { metadata: { annotations: { touched: 'yes' } } });
    await c.until('another pass', async () => (await metricValue(c.cm?.registry, 'skiff_reconcile_total', { controller: 'replicaset' })) > runs);
    const rsAfter = await c.client.get(REPLICASETS, 'default', 'alpha');
    expect(JSON.stringify(rsAfter.status)).toBe(statusBefore);
    const after = Object.fromEntries((await c.client.list(PODS, { namespace: 'default' })).items.map((p) => [p.metadata.name, p.metadata.resourceVersion]));
    expect(after).toEqual(before);
  });

  it('adopts a matching orphan instead of creating a pod, and leaves pods it does not own alone', async () => {
    const orphan = await c.client.create(PODS, { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'stray', namespace: 'default', labels: { app: 'beta' } }, spec: { containers: [{ name: 'main', image: 'x', command: ['sleep', '1'] }] } });
    const foreign = await c.client.create(PODS, {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'foreign', namespace: 'default', labels: { app: 'beta' }, ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'someone', uid: 'not-ours', controller: true }] },
      spec: { containers: [{ name: 'main', image: 'x', command: ['sleep', '1'] }] },
    });
    const unrelated = await c.client.create(PODS, { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'bystander', namespace: 'default', labels: { app: 'gamma' } }, spec: { containers: [{ name: 'main', image: 'x', command: ['sleep', '1'] }] } });
    const rs = await c.client.create(REPLICASETS, replicaSet('beta', 2));
    await c.until('2 pods for beta', () => c.podsOf(rs.metadata.uid!).length === 2);
    expect(c.podsOf(rs.metadata.uid!).map((p) => p.metadata.name)).toContain('stray');
    expect(c.get(PODS, 'stray')!.metadata.uid).toBe(orphan.metadata.uid);
    await c.until('status', () => status(c.get(REPLICASETS, 'beta')).replicas === 2);
    expect(c.get(PODS, 'foreign')!.metadata.resourceVersion).toBe(foreign.metadata.resourceVersion);
    expect(c.get(PODS, 'bystander')!.metadata.resourceVersion).toBe(unrelated.metadata.resourceVersion);
  });

  it('releases a pod whose labels no longer match, and replaces it', async () => {
    const rs = c.get(REPLICASETS, 'beta')!;
    const [p] = c.podsOf(rs.metadata.uid!);
    await c.client.patch(PODS, 'default', p.metadata.name!, { metadata: { labels: { app: 'debugging' } } });
    await c.until('released and replaced', () => !c.get(PODS, p.metadata.name!)?.metadata.ownerReferences?.length && c.podsOf(rs.metadata.uid!).length === 2);
  });

  it('stops on a template the API server rejects for pods: one Warning, a ReplicaFailure condition, no retries', async () => {
    // A padded image is accepted in a template but not in a pod, as in Kubernetes.
    const rs = await c.client.create(REPLICASETS, replicaSet('broken', 2, ' web:v1 '));
    await c.until('ReplicaFailure', () => status(c.get(REPLICASETS, 'broken')).conditions?.some((x) => x.type === 'ReplicaFailure' && x.reason === 'FailedCreate') ?? false);
    await c.until('a terminal result', async () => (await metricValue(c.cm?.registry, 'skiff_reconcile_total', { controller: 'replicaset', result: 'terminal' })) >= 1);
    // Other work passes through the same queue meanwhile: a backoff retry would show up here.
    const probe = await c.client.create(REPLICASETS, replicaSet('after', 1));
    await c.until('later work done', () => c.podsOf(probe.metadata.uid!).length === 1 && status(c.get(REPLICASETS, 'after')).replicas === 1);
    // (The controller's own status write is a change and may bring the set back once; it then stops
    // at once on the recorded rejection, without trying to create pods again.)
    const terminal = await metricValue(c.cm?.registry, 'skiff_reconcile_total', { controller: 'replicaset', result: 'terminal' });
    const errors = await metricValue(c.cm?.registry, 'skiff_reconcile_total', { controller: 'replicaset', result: 'error' });
    await c.client.patch(REPLICASETS, 'default', 'after', { spec: { replicas: 2 } });
    await c.until('more later work done', () => c.podsOf(probe.metadata.uid!).length === 2 && status(c.get(REPLICASETS, 'after')).replicas === 2);
    expect(terminal).toBeLessThanOrEqual(2);
    expect(await metricValue(c.cm?.registry, 'skiff_reconcile_total', { controller: 'replicaset', result: 'terminal' })).toBe(terminal);
    expect(await metricValue(c.cm?.registry, 'skiff_reconcile_total', { controller: 'replicaset', result: 'error' })).toBe(errors);
    expect(c.podsOf(rs.metadata.uid!)).toHaveLength(0);
    expect(c.eventsFor('broken', 'FailedCreate')).toHaveLength(1);

    // Fixing the template is a change: the set converges.
    await c.client.patch(REPLICASETS, 'default', 'broken', { spec: { template: { spec: { containers: [{ name: 'main', image: 'web:v1', command: ['sleep', '100'] }] } } } }, 'strategic');
    await c.until('2 pods once fixed', () => c.podsOf(rs.metadata.uid!).length === 2);
    await c.until('failure cleared', () => !status(c.get(REPLICASETS, 'broken')).conditions?.some((x) => x.type === 'ReplicaFailure'));
  });
});
