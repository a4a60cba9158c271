import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RESOURCE_TYPES, type KubeObject } from '@skiff/apimachinery';
import { CONFIGMAPS, CONTROLLERREVISIONS, persistentVolumeClaims, PODS, STATEFULSETS } from '../src/resources.js';
import { TestCluster } from './cluster.js';
import { metricValue } from './metrics.js';

function statefulSet(name: string, replicas: number, opts: { image?: string; parallel?: boolean; claims?: string[]; whenScaled?: 'Retain' | 'Delete' } = {}): KubeObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'StatefulSet',
    metadata: { name, namespace: 'default' },
    spec: {
      replicas,
      serviceName: name,
      ...(opts.parallel ? { podManagementPolicy: 'Parallel' } : {}),
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name } },
        spec: {
          containers: [{ name: 'main', image: opts.image ?? 'web:v1', command: ['sleep', '100'], ...(opts.claims ? { volumeMounts: opts.claims.map((c) => ({ name: c, mountPath: `/${c}` })) } : {}) }],
        },
      },
      ...(opts.claims ? { volumeClaimTemplates: opts.claims.map((c) => ({ metadata: { name: c }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Mi' } } } })) } : {}),
      ...(opts.whenScaled ? { persistentVolumeClaimRetentionPolicy: { whenDeleted: 'Retain', whenScaled: opts.whenScaled } } : {}),
    },
  };
}

type Status = { replicas?: number; readyReplicas?: number; currentReplicas?: number; updatedReplicas?: number; availableReplicas?: number; currentRevision?: string; updateRevision?: string; observedGeneration?: number; collisionCount?: number };
const PVC_SERVED = RESOURCE_TYPES.some((t) => t.group === '' && t.resource === 'persistentvolumeclaims');

describe('StatefulSet controller', () => {
  let c: TestCluster;
  const status = (name: string) => (c.get(STATEFULSETS, name)?.status ?? {}) as Status;
  const live = (name: string) => c.list(PODS).filter((p) => p.metadata.labels?.app === name && !p.metadata.deletionTimestamp);
  const names = (name: string) => live(name).map((p) => p.metadata.name).sort();
  const revisionsOf = (uid: string) => c.list(CONTROLLERREVISIONS).filter((r) => r.metadata.ownerReferences?.some((o) => o.uid === uid && o.controller));
  /** Plays the kubelet for the set's pods: terminating pods finish, every live pod is Running and Ready. */
  const readyAll = async (name: string) => {
    let n = 0;
    for (const p of c.list(PODS).filter((x) => x.metadata.labels?.app === name && x.metadata.deletionTimestamp)) {
      await c.client.delete(PODS, 'default', p.metadata.name!, { gracePeriodSeconds: 0 }).catch(() => undefined);
    }
    for (const p of live(name)) {
      if (!(p.status as { conditions?: { type: string; status: string }[] }).conditions?.some((x) => x.type === 'Ready' && x.status === 'True')) {
        await c.setPodReady(p);
        n++;
      }
    }
    return n;
  };
  /** Waits until the set has exactly `want` pods, making each Ready as it comes (OrderedReady makes them one by one). */
  const bringUp = async (name: string, want: string[]) => {
    await c.until(`${name}: ${want.join(',')}`, async () => {
      await readyAll(name);
      return JSON.stringify(names(name)) === JSON.stringify(want) && live(name).every((p) => (p.status as { phase?: string }).phase === 'Running');
    });
  };

  beforeAll(async () => {
    c = await TestCluster.start(PVC_SERVED ? ['statefulset', 'garbagecollector'] : ['statefulset']);
    c.watch(STATEFULSETS);
    c.watch(CONTROLLERREVISIONS);
    if (PVC_SERVED) c.watch(persistentVolumeClaims());
  });
  afterAll(async () => {
    await c?.stop();
  });

  it('creates pods from empty in ordinal order, each after the previous is Ready, with stable identity and a revision', async () => {
    const set = await c.client.create(STATEFULSETS, statefulSet('web', 3));
    await c.until('web-0', () => names('web').length === 1);
    expect(names('web')).toEqual(['web-0']);
    // web-1 waits for web-0: nothing else appears while web-0 is not Ready.
    await c.until('status sees web-0', () => status('web').replicas === 1);
    expect(names('web')).toEqual(['web-0']);
    await c.setPodReady(live('web')[0]);
    await c.until('web-1 after web-0 is Ready', () => names('web').length === 2);
    expect(names('web')).toEqual(['web-0', 'web-1']);
    await bringUp('web', ['web-0', 'web-1', 'web-2']);

    const [revision] = revisionsOf(set.metadata.uid!);
    expect(revisionsOf(set.metadata.uid!)).toHaveLength(1);
    expect(revision.metadata.name).toMatch(/^web-[bcdfghjklmnpqrstvwxz2456789]+$/);
    expect(revision).toMatchObject({ revision: 1, metadata: { labels: { app: 'web' } } });
    const pod = c.get(PODS, 'web-1')!;
    expect(pod.metadata.labels).toEqual({ app: 'web', 'statefulset.kubernetes.io/pod-name': 'web-1', 'apps.kubernetes.io/pod-index': '1', 'controller-revision-hash': revision.metadata.name });
    expect(pod.spec).toMatchObject({ hostname: 'web-1', subdomain: 'web' });
    expect(pod.metadata.ownerReferences).toEqual([expect.objectContaining({ kind: 'StatefulSet', name: 'web', uid: set.metadata.uid, controller: true })]);
    await c.until('status', () => {
      const s = status('web');
      return s.readyReplicas === 3 && s.availableReplicas === 3 && s.currentReplicas === 3 && s.updatedReplicas === 3;
    });
    expect(status('web')).toMatchObject({ replicas: 3, observedGeneration: 1, currentRevision: revision.metadata.name, updateRevision: revision.metadata.name, collisionCount: 0 });
    expect(c.eventsFor('web', 'SuccessfulCreate').map((e) => e.message)).toEqual(expect.arrayContaining(['create Pod web-0 in StatefulSet web successful', 'create Pod web-2 in StatefulSet web successful']));
  });

  it('converges after a change: a new template rolls from the highest ordinal down; undo reuses the old revision; scale down goes in reverse', async () => {
    const set = c.get(STATEFULSETS, 'web')!;
    const v1 = status('web').currentRevision!;
    await c.client.patch(STATEFULSETS, 'default', 'web', { spec: { template: { spec: { containers: [{ name: 'main', image: 'web:v2' }] } } } }, 'strategic');
    // web-2 goes first and comes back at the new revision while web-0 and web-1 stay.
    await c.until('web-2 updated', async () => {
      await readyAll('web');
      const s = status('web');
      return !!s.updateRevision && s.updateRevision !== v1 && c.get(PODS, 'web-2')?.metadata.labels?.['controller-revision-hash'] === s.updateRevision;
    });
    const v2 = status('web').updateRevision!;
    expect(c.get(PODS, 'web-0')!.metadata.labels!['controller-revision-hash']).toBe(v1);
    await c.until('all updated', async () => {
      await readyAll('web');
      return status('web').currentRevision === v2 && status('web').updatedReplicas === 3 && status('web').readyReplicas === 3;
    });
    expect((c.get(PODS, 'web-0')!.spec as { containers: { image: string }[] }).containers[0].image).toBe('web:v2');
    expect(revisionsOf(set.metadata.uid!).map((r) => r.revision).sort()).toEqual([1, 2]);

    // Back to v1 (what `kubectl rollout undo` does): the v1 revision is reused, as revision 3.
    await c.client.patch(STATEFULSETS, 'default', 'web', { spec: { template: { spec: { containers: [{ name: 'main', image: 'web:v1' }] } } } }, 'strategic');
    await c.until('rolled back', async () => {
      await readyAll('web');
      return status('web').currentRevision === v1 && status('web').updatedReplicas === 3 && status('web').readyReplicas === 3;
    });
    expect(revisionsOf(set.metadata.uid!).map((r) => `${r.metadata.name}:${r.revision}`).sort()).toEqual([`${v1}:3`, `${v2}:2`].sort());

    await c.client.patch(STATEFULSETS, 'default', 'web', { spec: { replicas: 1 } });
    await c.until('web-2 goes first', () => !!c.get(PODS, 'web-2')?.metadata.deletionTimestamp);
    // web-1 stays until web-2 has terminated.
    expect(c.get(PODS, 'web-1')!.metadata.deletionTimestamp).toBeUndefined();
    await c.until('web-1 goes next', async () => {
      await readyAll('web');
      return !c.get(PODS, 'web-1') && !c.get(PODS, 'web-2');
    });
    await c.until('status follows', () => status('web').replicas === 1 && status('web').observedGeneration === 4);
    expect(names('web')).toEqual(['web-0']);
    expect(c.eventsFor('web', 'SuccessfulDelete').map((e) => e.message)).toEqual(expect.arrayContaining(['delete Pod web-2 in StatefulSet web successful', 'delete Pod web-1 in StatefulSet web successful']));

    // A pod that failed is deleted and made again under its name.
    const failed = c.get(PODS, 'web-0')!;
    await c.client.patch(PODS, 'default', 'web-0', { status: { phase: 'Failed' } }, 'merge', { subresource: 'status' });
    await c.until('web-0 made again', async () => {
      await readyAll('web');
      const now = c.get(PODS, 'web-0');
      return !!now && now.metadata.uid !== failed.metadata.uid && status('web').readyReplicas === 1;
    });
    expect(c.eventsFor('web', 'RecreatingFailedPod').map((e) => e.message)).toEqual(['StatefulSet default/web is recreating failed Pod web-0']);
  });

  it('a second reconcile of a converged set writes nothing', async () => {
    const runs = await metricValue(c.cm?.registry, 'skiff_reconcile_total', { controller: 'statefulset' });
    const before = Object.fromEntries(c.list(PODS).map((p) => [p.metadata.name, p.metadata.resourceVersion]));
    const revisionsBefore = c.list(CONTROLLERREVISIONS).map((r) => r.metadata.resourceVersion).sort();
    const statusBefore = JSON.stringify(c.get(STATEFULSETS, 'web')!.status);
    await c.client.patch(STATEFULSETS, 'default', 'web', { metadata: { annotations: { touched: 'yes' } } });
    await c.until('another pass', async () => (await metricValue(c.cm?.registry, 'skiff_reconcile_total', { controller: 'statefulset' })) > runs);
    expect(JSON.stringify((await c.client.get(STATEFULSETS, 'default', 'web')).status)).toBe(statusBefore);
    const after = Object.fromEntries((await c.client.list(PODS, { namespace: 'default' })).items.map((p) => [p.metadata.name, p.metadata.resourceVersion]));
    expect(after).toEqual(before);
    expect((await c.client.list(CONTROLLERREVISIONS, { namespace: 'default' })).items.map((r) => r.metadata.resourceVersion).sort()).toEqual(revisionsBefore);
  });

  it('Parallel: every pod at once; adopts its orphan, leaves others’ pods and non-members alone', async () => {
    const pod = (name: string, extra: Partial<KubeObject['metadata']> = {}): KubeObject => ({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name, namespace: 'default', labels: { app: 'db' }, ...extra },
      spec: { containers: [{ name: 'main', image: 'x', command: ['sleep', '1'] }] },
    });
    const orphan = await c.client.create(PODS, pod('db-1'));
    // Controlled by an object that exists, so a garbage collector running beside leaves it too.
    const owner = await c.client.create(CONFIGMAPS, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'someone', namespace: 'default' } });
    const foreign = await c.client.create(PODS, pod('db-0', { ownerReferences: [{ apiVersion: 'v1', kind: 'ConfigMap', name: 'someone', uid: owner.metadata.uid!, controller: true }] }));
    const stranger = await c.client.create(PODS, pod('helper'));
    const set = await c.client.create(STATEFULSETS, statefulSet('db', 3, { parallel: true }));
    await c.until('db-1 adopted and db-2 made without waiting', () => c.podsOf(set.metadata.uid!).length === 2);
    expect(c.podsOf(set.metadata.uid!).map((p) => p.metadata.name).sort()).toEqual(['db-1', 'db-2']);
    expect(c.get(PODS, 'db-1')!.metadata.uid).toBe(orphan.metadata.uid);
    await c.until('status', () => status('db').replicas === 2);
    expect(c.get(PODS, 'db-0')!.metadata.resourceVersion).toBe(foreign.metadata.resourceVersion);
    expect(c.get(PODS, 'helper')!.metadata.resourceVersion).toBe(stranger.metadata.resourceVersion);
    // The web set's pods were never touched by the db set.
    expect(c.get(PODS, 'web-0')!.metadata.ownerReferences![0].name).toBe('web');
  });

  it('stops on a template the API server rejects for pods: a Warning, a terminal result, no retries', async () => {
    // A padded image is accepted in a template but not in a pod, as in Kubernetes.
    const set = await c.client.create(STATEFULSETS, statefulSet('broken', 2, { image: ' web:v1 ' }));
    await c.until('a terminal result', async () => (await metricValue(c.cm?.registry, 'skiff_reconcile_total', { controller: 'statefulset', result: 'terminal' })) >= 1);
    await c.until('FailedCreate', () => c.eventsFor('broken', 'FailedCreate').length >= 1);
    expect(c.eventsFor('broken', 'FailedCreate')[0].message).toMatch(/^create Pod broken-0 in StatefulSet broken failed error: /);
    const probe = await c.client.create(STATEFULSETS, statefulSet('after', 1));
    await c.until('later work done', async () => {
      await readyAll('after');
      return status('after').readyReplicas === 1;
    });
    const terminal = await metricValue(c.cm?.registry, 'skiff_reconcile_total', { controller: 'statefulset', result: 'terminal' });
    const errors = await metricValue(c.cm?.registry, 'skiff_reconcile_total', { controller: 'statefulset', result: 'error' });
    await c.client.patch(STATEFULSETS, 'default', 'after', { spec: { replicas: 2 } });
    await c.until('more later work done', async () => {
      await readyAll('after');
      return status('after').readyReplicas === 2;
    });
    // (Its own status write may bring the set back once; that pass fails the same way.)
    expect(terminal).toBeLessThanOrEqual(2);
    expect(await metricValue(c.cm?.registry, 'skiff_reconcile_total', { controller: 'statefulset', result: 'terminal' })).toBe(terminal);
    expect(await metricValue(c.cm?.registry, 'skiff_reconcile_total', { controller: 'statefulset', result: 'error' })).toBe(errors);
    expect(c.podsOf(set.metadata.uid!)).toHaveLength(0);
    expect(c.podsOf(probe.metadata.uid!)).toHaveLength(2);

    await c.client.patch(STATEFULSETS, 'default', 'broken', { spec: { template: { spec: { containers: [{ name: 'main', image: 'web:v1' }] } } } }, 'strategic');
    await c.until('pods once fixed', () => c.podsOf(set.metadata.uid!).length === 1);
  });

  it.skipIf(!PVC_SERVED)('makes one claim per ordinal before its pod, keeps claims on scale down (Retain), and hands them to the pod with whenScaled: Delete', async () => {
    const PVCS = persistentVolumeClaims();
    const set = await c.client.create(STATEFULSETS, statefulSet('data', 2, { claims: ['www'] }));
    await bringUp('data', ['data-0', 'data-1']);
    await c.until('claims', () => !!c.get(PVCS, 'www-data-0') && !!c.get(PVCS, 'www-data-1'));
    expect(c.get(PVCS, 'www-data-0')!.metadata.labels).toEqual({ app: 'data' });
    expect((c.get(PODS, 'data-1')!.spec as { volumes: unknown[] }).volumes).toContainEqual({ name: 'www', persistentVolumeClaim: { claimName: 'www-data-1' } });
    expect(c.eventsFor('data', 'SuccessfulCreate').map((e) => e.message)).toContain('create Claim www-data-0 Pod data-0 in StatefulSet data success');

    await c.client.patch(STATEFULSETS, 'default', 'data', { spec: { replicas: 1 } });
    await c.until('scaled to 1', async () => {
      await readyAll('data');
      return names('data').length === 1 && !c.get(PODS, 'data-1');
    });
    expect(c.get(PVCS, 'www-data-1')?.metadata.deletionTimestamp).toBeUndefined();

    // whenScaled: Delete: the claim of a pod scaled away is owned by that pod, and goes with it.
    await c.client.patch(STATEFULSETS, 'default', 'data', { spec: { replicas: 2, persistentVolumeClaimRetentionPolicy: { whenDeleted: 'Retain', whenScaled: 'Delete' } } });
    await bringUp('data', ['data-0', 'data-1']);
    await c.client.patch(STATEFULSETS, 'default', 'data', { spec: { replicas: 1 } });
    await c.until('claim of data-1 deleted with it', async () => {
      await readyAll('data');
      return !c.get(PVCS, 'www-data-1') || !!c.get(PVCS, 'www-data-1')!.metadata.deletionTimestamp;
    });
    expect(c.get(PVCS, 'www-data-0')!.metadata.ownerReferences ?? []).toEqual([]);
    expect(set.metadata.uid).toBeTruthy();
  });
});
