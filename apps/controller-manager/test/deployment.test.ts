import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KubeObject } from '@skiff/apimachinery';
import { DEPLOYMENTS, PODS, REPLICASETS } from '../src/resources.js';
import { TestCluster } from './cluster.js';
import { metricValue } from './metrics.js';

function deployment(name: string, replicas: number, image: string, strategy: Record<string, unknown> = { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } }, app = name): KubeObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace: 'default' },
    spec: {
      replicas,
      strategy,
      selector: { matchLabels: { app } },
      template: { metadata: { labels: { app } }, spec: { containers: [{ name: 'main', image, command: ['sleep', '100'] }] } },
    },
  };
}

type DStatus = { observedGeneration?: number; replicas?: number; updatedReplicas?: number; availableReplicas?: number; readyReplicas?: number; conditions?: { type: string; status: string; reason?: string }[] };
const dstatus = (o: KubeObject | undefined) => (o?.status ?? {}) as DStatus;
const specReplicas = (rs: KubeObject) => (rs.spec as { replicas: number }).replicas;
const revision = (o: KubeObject) => o.metadata.annotations?.['deployment.kubernetes.io/revision'];

describe('Deployment controller (with the ReplicaSet controller; the test plays the kubelet)', () => {
  let c: TestCluster;
  let kubelet: ReturnType<typeof setInterval> | undefined;
  let kubeletOn = true;

  beforeAll(async () => {
    c = await TestCluster.start(['deployment', 'replicaset']);
    // Pods become Ready shortly after they appear, as a node agent would make them.
    let busy = false;
    kubelet = setInterval(() => {
      if (busy || !kubeletOn) return;
      busy = true;
      const pending = c.list(PODS).filter((p) => !p.metadata.deletionTimestamp && (p.status as { phase?: string } | undefined)?.phase !== 'Running' && !p.metadata.labels?.broken);
      // ...and finishes graceful deletions, as a node agent does once the containers stop.
      const terminating = c.list(PODS).filter((p) => p.metadata.deletionTimestamp);
      Promise.all([
        ...pending.map((p) => c.setPodReady(p).catch(() => undefined)),
        ...terminating.map((p) => c.client.delete(PODS, p.metadata.namespace, p.metadata.name!, { gracePeriodSeconds: 0 }).catch(() => undefined)),
      ]).finally(() => (busy = false));
    }, 30);
  });
  afterAll(async () => {
    clearInterval(kubelet);
    await c?.stop();
  });

  const rssOf = (d: KubeObject) => c.list(REPLICASETS).filter((rs) => rs.metadata.ownerReferences?.some((r) => r.uid === d.metadata.uid));
  /**
   * The rollout is done. `generation`: the one a patch returned, so a cache that has not yet seen
   * the patch (and still shows the last, complete rollout) does not count.
   */
  const complete = (name: string, generation = 0) => {
    const d = c.get(DEPLOYMENTS, name);
    const s = dstatus(d);
    const want = (d?.spec as { replicas: number } | undefined)?.replicas;
    return !!d && (d.metadata.generation ?? 0) >= generation && s.observedGeneration === d.metadata.generation && s.updatedReplicas === want && s.replicas === want && s.availableReplicas === want &&
      !!s.conditions?.some((x) => x.type === 'Progressing' && x.reason === 'NewReplicaSetAvailable');
  };

  /** Patches the Deployment and returns its new generation, for `complete`. */
  const patchDeployment = async (name: string, body: Record<string, unknown>, type?: 'strategic') =>
    (await c.client.patch(DEPLOYMENTS, 'default', name, body, type)).metadata.generation ?? 0;

  it('creates a ReplicaSet named by the template hash from empty, and becomes Available and complete', async () => {
    const d = await c.client.create(DEPLOYMENTS, deployment('web', 3, 'web:v1'));
    await c.until('complete', () => complete('web'));
    const [rs] = rssOf(d);
    expect(rs.metadata.name).toMatch(/^web-[bcdfghjklmnpqrstvwxz2456789]+$/);
    expect(rs.metadata.labels?.['pod-template-hash']).toBe(rs.metadata.name!.slice(4));
    expect((rs.spec as { selector: { matchLabels: Record<string, string> } }).selector.matchLabels).toEqual({ app: 'web', 'pod-template-hash': rs.metadata.name!.slice(4) });
    expect(revision(rs)).toBe('1');
    expect(revision(c.get(DEPLOYMENTS, 'web')!)).toBe('1');
    expect(dstatus(c.get(DEPLOYMENTS, 'web')).conditions).toEqual(
      expect.arrayContaining([expect.objectContaining({ type: 'Available', status: 'True', reason: 'MinimumReplicasAvailable' }), expect.objectContaining({ type: 'Progressing', status: 'True', reason: 'NewReplicaSetAvailable' })]),
    );
    expect(c.eventsFor('web', 'ScalingReplicaSet').length).toBeGreaterThanOrEqual(1);
  });

  it('rolls a template change over with maxSurge 1 / maxUnavailable 0, never below 3 ready pods', async () => {
    const d = c.get(DEPLOYMENTS, 'web')!;
    let lowest = Infinity;
    let highest = 0;
    const sample = () => {
      const live = c.list(PODS).filter((p) => p.metadata.labels?.app === 'web' && !p.metadata.deletionTimestamp);
      const ready = live.filter((p) => (p.status as { conditions?: { type: string; status: string }[] } | undefined)?.conditions?.some((x) => x.type === 'Ready' && x.status === 'True'));
      lowest = Math.min(lowest, ready.length);
      // maxSurge bounds the replicas the ReplicaSets are asked for, as in Kubernetes: a pod of
      // the old set may still be on its way out (not yet marked) when the new set grows.
      highest = Math.max(highest, rssOf(d).reduce((n, rs) => n + specReplicas(rs), 0));
    };
    const sampler = setInterval(sample, 5);
    const generation = await patchDeployment('web', { spec: { template: { spec: { containers: [{ name: 'main', image: 'web:v2', command: ['sleep', '100'] }] } } } }, 'strategic');
    await c.until('rolled to v2', () => complete('web', generation) && rssOf(d).length === 2 && rssOf(d).some((rs) => revision(rs) === '2' && specReplicas(rs) === 3));
    clearInterval(sampler);
    expect(lowest).toBeGreaterThanOrEqual(3);
    expect(highest).toBeLessThanOrEqual(4);
    const old = rssOf(d).find((rs) => revision(rs) === '1')!;
    expect(specReplicas(old)).toBe(0);
    expect(revision(c.get(DEPLOYMENTS, 'web')!)).toBe('2');
  });

  it('rollout undo (template put back) reuses the old ReplicaSet under a new revision', async () => {
    const d = c.get(DEPLOYMENTS, 'web')!;
    const v1 = rssOf(d).find((rs) => revision(rs) === '1')!;
    const generation = await patchDeployment('web', { spec: { template: { spec: { containers: [{ name: 'main', image: 'web:v1', command: ['sleep', '100'] }] } } } }, 'strategic');
    await c.until('back on v1', () => complete('web', generation) && specReplicas(c.get(REPLICASETS, v1.metadata.name!)!) === 3);
    expect(rssOf(d)).toHaveLength(2);
    const reused = c.get(REPLICASETS, v1.metadata.name!)!;
    expect(reused.metadata.uid).toBe(v1.metadata.uid);
    expect(revision(reused)).toBe('3');
    expect(reused.metadata.annotations?.['deployment.kubernetes.io/revision-history']).toBe('1');
  });

  it('a second reconcile of a complete Deployment writes nothing', async () => {
    const before = JSON.stringify(c.get(DEPLOYMENTS, 'web')!.status);
    const rsVersions = c.list(REPLICASETS).map((rs) => `${rs.metadata.name}@${rs.metadata.resourceVersion}`).sort();
    const runs = await metricValue(c.cm?.registry, 'skiff_reconcile_total', { controller: 'deployment' });
    await c.client.patch(DEPLOYMENTS, 'default', 'web', { metadata: { annotations: { touched: 'yes' } } });
    await c.until('another pass', async () => (await metricValue(c.cm?.registry, 'skiff_reconcile_total', { controller: 'deployment' })) > runs);
    expect(JSON.stringify((await c.client.get(DEPLOYMENTS, 'default', 'web')).status)).toBe(before);
    const now = (await c.client.list(REPLICASETS, { namespace: 'default' })).items.map((rs) => `${rs.metadata.name}@${rs.metadata.resourceVersion}`).sort();
    // Only the copied annotation may differ: compare names and that no set was scaled.
    expect(now.map((x) => x.split('@')[0])).toEqual(rsVersions.map((x) => x.split('@')[0]));
    expect((await c.client.list(REPLICASETS, { namespace: 'default' })).items.map((rs) => specReplicas(rs)).sort()).toEqual(c.list(REPLICASETS).map((rs) => specReplicas(rs)).sort());
  });

  it('scales proportionally, and keeps revisionHistoryLimit', async () => {
    const generation = await patchDeployment('web', { spec: { replicas: 5 } });
    await c.until('5 replicas', () => complete('web', generation));
    await c.client.patch(DEPLOYMENTS, 'default', 'web', { spec: { revisionHistoryLimit: 0 } });
    const d = c.get(DEPLOYMENTS, 'web')!;
    await c.until('old sets cleaned', () => rssOf(d).length === 1);
  });

  it('Recreate: old pods are all gone before any new pod exists', async () => {
    await c.client.create(DEPLOYMENTS, deployment('batch', 2, 'b:v1', { type: 'Recreate' }));
    await c.until('batch complete', () => complete('batch'));
    let overlap = false;
    const sampler = setInterval(() => {
      const images = new Set(c.list(PODS).filter((p) => p.metadata.labels?.app === 'batch').map((p) => (p.spec as { containers: { image: string }[] }).containers[0].image));
      if (images.size > 1) overlap = true;
    }, 5);
    // The test's kubelet finishes deletions at once (grace 0 pods vanish).
    const generation = await patchDeployment('batch', { spec: { template: { spec: { containers: [{ name: 'main', image: 'b:v2', command: ['sleep', '100'] }] } } } }, 'strategic');
    await c.until('batch on v2', () => complete('batch', generation) && c.list(PODS).filter((p) => p.metadata.labels?.app === 'batch').every((p) => (p.spec as { containers: { image: string }[] }).containers[0].image === 'b:v2'));
    clearInterval(sampler);
    expect(overlap).toBe(false);
  });

  it('paused: a template change makes no new ReplicaSet until resumed', async () => {
    const d = c.get(DEPLOYMENTS, 'batch')!;
    await c.client.patch(DEPLOYMENTS, 'default', 'batch', { spec: { paused: true } });
    await c.until('paused condition', () => dstatus(c.get(DEPLOYMENTS, 'batch')).conditions?.some((x) => x.reason === 'DeploymentPaused') ?? false);
    const sets = rssOf(d).length;
    const changed = await patchDeployment('batch', { spec: { template: { spec: { containers: [{ name: 'main', image: 'b:v3', command: ['sleep', '100'] }] } } } }, 'strategic');
    await c.until('observed', () => (dstatus(c.get(DEPLOYMENTS, 'batch')).observedGeneration ?? 0) >= changed);
    expect(rssOf(d).length).toBe(sets);
    const resumed = await patchDeployment('batch', { spec: { paused: false } });
    await c.until('v3 rolled out', () => complete('batch', resumed) && rssOf(d).some((rs) => (rs.spec as { template: { spec: { containers: { image: string }[] } } }).template.spec.containers[0].image === 'b:v3' && specReplicas(rs) === 2));
  });

  it('reports ProgressDeadlineExceeded when new pods never become ready', async () => {
    const d = deployment('stuck', 1, 'x:v1');
    (d.spec as { progressDeadlineSeconds: number }).progressDeadlineSeconds = 2;
    (d.spec as { minReadySeconds: number }).minReadySeconds = 0;
    ((d.spec as { template: { metadata: { labels: Record<string, string> } } }).template.metadata.labels).broken = 'yes';
    await c.client.create(DEPLOYMENTS, d);
    await c.until('deadline exceeded', () => dstatus(c.get(DEPLOYMENTS, 'stuck')).conditions?.some((x) => x.type === 'Progressing' && x.status === 'False' && x.reason === 'ProgressDeadlineExceeded') ?? false, 15_000);
  });

  it('leaves ReplicaSets it does not own alone', async () => {
    const foreign = await c.client.create(REPLICASETS, {
      apiVersion: 'apps/v1',
      kind: 'ReplicaSet',
      metadata: { name: 'foreign', namespace: 'default', labels: { app: 'web' }, ownerReferences: [{ apiVersion: 'apps/v1', kind: 'Deployment', name: 'other', uid: 'not-ours', controller: true }] },
      spec: { replicas: 0, selector: { matchLabels: { app: 'web', x: 'y' } }, template: { metadata: { labels: { app: 'web', x: 'y' } }, spec: { containers: [{ name: 'main', image: 'z', command: ['sleep', '1'] }] } } },
    });
    const generation = await patchDeployment('web', { spec: { replicas: 4 } });
    await c.until('4 replicas', () => complete('web', generation));
    const after = await c.client.get(REPLICASETS, 'default', 'foreign');
    expect(after.metadata.ownerReferences).toEqual(foreign.metadata.ownerReferences);
    expect(specReplicas(after)).toBe(0);
  });

  it('stops on a ReplicaSet the API server rejects (name too long): terminal, not retried', async () => {
    const name = `d${'x'.repeat(249)}`;
    await c.client.create(DEPLOYMENTS, deployment(name, 1, 'x:v1', undefined, 'long'));
    await c.until('terminal', async () => (await metricValue(c.cm?.registry, 'skiff_reconcile_total', { controller: 'deployment', result: 'terminal' })) >= 1);
    const scaled = await patchDeployment('web', { spec: { replicas: 3 } });
    await c.until('later work done', () => complete('web', scaled));
    const errors = await metricValue(c.cm?.registry, 'skiff_reconcile_total', { controller: 'deployment', result: 'error' });
    const terminal = await metricValue(c.cm?.registry, 'skiff_reconcile_total', { controller: 'deployment', result: 'terminal' });
    const scaledAgain = await patchDeployment('web', { spec: { replicas: 2 } });
    await c.until('more later work done', () => complete('web', scaledAgain));
    expect(await metricValue(c.cm?.registry, 'skiff_reconcile_total', { controller: 'deployment', result: 'error' })).toBe(errors);
    expect(await metricValue(c.cm?.registry, 'skiff_reconcile_total', { controller: 'deployment', result: 'terminal' })).toBe(terminal);
    // The Event and the condition are written as the pass fails; the caches see them a moment later.
    await c.until('a FailedCreate event and a ReplicaFailure condition', () =>
      c.eventsFor(name, 'FailedCreate').length >= 1 &&
      !!dstatus(c.get(DEPLOYMENTS, name)).conditions?.some((x) => x.type === 'ReplicaFailure' && (x as { status: string }).status === 'True' && x.reason === 'FailedCreate'));
  });
});
