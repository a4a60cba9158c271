import { afterEach, describe, expect, it } from 'vitest';
import { resourceType as defineResource, type KubeObject, type OwnerReference } from '@skiff/apimachinery';
import { resourceType } from '@skiff/kube-client';
import { TestCluster } from './cluster.js';
import { reconciles } from './reconciles.js';
import { DEPLOYMENTS, LEASES, NODES, PODS, REPLICASETS } from '../src/resources.js';

const CONFIGMAPS = resourceType('configmaps');

function ownerRef(owner: KubeObject, blocking = true): OwnerReference {
  return { apiVersion: owner.apiVersion, kind: owner.kind, name: owner.metadata.name!, uid: owner.metadata.uid!, controller: true, blockOwnerDeletion: blocking };
}

const template = { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'main', image: 'busybox:1' }] } };

function deployment(name: string): KubeObject {
  return { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name, namespace: 'default' }, spec: { replicas: 2, selector: { matchLabels: { app: 'web' } }, template } };
}

function replicaSet(name: string, owner: KubeObject): KubeObject {
  return { apiVersion: 'apps/v1', kind: 'ReplicaSet', metadata: { name, namespace: 'default', ownerReferences: [ownerRef(owner)] }, spec: { replicas: 2, selector: { matchLabels: { app: 'web' } }, template } };
}

/** An unscheduled pod: with no node to stop it, its deletion is immediate. */
function pod(name: string, owners: OwnerReference[], finalizers?: string[]): KubeObject {
  return { apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'default', labels: { app: 'web' }, ownerReferences: owners, ...(finalizers ? { finalizers } : {}) }, spec: template.spec };
}

function configMap(name: string, owners: OwnerReference[] = []): KubeObject {
  return { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: 'default', ...(owners.length ? { ownerReferences: owners } : {}) }, data: { k: 'v' } };
}

describe('the garbage collector on a real API server and Redis', () => {
  let cluster: TestCluster;
  afterEach(async () => {
    await cluster?.stop();
  });

  /** A Deployment owning a ReplicaSet owning two pods, made by hand (their controllers do not run here). */
  async function deploymentTree(hold?: string): Promise<{ deploy: KubeObject; rs: KubeObject; pods: KubeObject[] }> {
    const deploy = await cluster.client.create(DEPLOYMENTS, deployment('web'));
    const rs = await cluster.client.create(REPLICASETS, replicaSet('web-abc', deploy));
    const pods = [
      await cluster.client.create(PODS, pod('web-abc-1', [ownerRef(rs)], hold ? [hold] : undefined)),
      await cluster.client.create(PODS, pod('web-abc-2', [ownerRef(rs)])),
    ];
    return { deploy, rs, pods };
  }

  it('deletes a Deployment\'s ReplicaSets and their pods after a Background delete', async () => {
    cluster = await TestCluster.start(['garbagecollector']);
    await deploymentTree();
    const bystander = await cluster.client.create(PODS, pod('bystander', []));
    await cluster.until('the tree in the cache', () => cluster.list(PODS).length === 3 && cluster.list(REPLICASETS).length === 1);

    await cluster.client.delete(DEPLOYMENTS, 'default', 'web', { propagationPolicy: 'Background' });
    await cluster.until('the ReplicaSet and its pods to be gone', () => cluster.list(REPLICASETS).length === 0 && cluster.list(PODS).length === 1);
    expect(cluster.get(DEPLOYMENTS, 'web')).toBeUndefined();
    expect(cluster.list(PODS).map((p) => p.metadata.name)).toEqual(['bystander']);
    expect(cluster.get(PODS, 'bystander')?.metadata.resourceVersion).toBe(bystander.metadata.resourceVersion);
  });

  it('deletes a namespaced dependent of a cluster-scoped owner: a node\'s Lease goes with the node', async () => {
    cluster = await TestCluster.start(['garbagecollector']);
    const node = await cluster.client.create(NODES, { apiVersion: 'v1', kind: 'Node', metadata: { name: 'node-1' }, spec: {} });
    await cluster.client.create(LEASES, { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name: 'node-1', namespace: 'kube-node-lease', ownerReferences: [ownerRef(node, false)] }, spec: { holderIdentity: 'node-1' } });
    const leases = cluster.watch(LEASES);
    await cluster.until('the lease in the cache', () => !!leases.get('kube-node-lease/node-1'));

    await cluster.client.delete(NODES, undefined, 'node-1');
    await cluster.until('the lease to be gone', () => !leases.get('kube-node-lease/node-1'));
  });

  it('keeps a Foreground-deleted owner until its blocking dependents are gone', async () => {
    cluster = await TestCluster.start(['garbagecollector']);
    const { pods } = await deploymentTree('test.skiff.dev/hold');

    await cluster.client.delete(DEPLOYMENTS, 'default', 'web', { propagationPolicy: 'Foreground' });
    // One pod cannot go yet (a finalizer holds it), so its ReplicaSet and the Deployment wait.
    await cluster.until('the free pod to be gone and the held one terminating', () => !cluster.get(PODS, 'web-abc-2') && !!cluster.get(PODS, 'web-abc-1')?.metadata.deletionTimestamp);
    await cluster.until('the ReplicaSet to wait in the foreground too', () => cluster.get(REPLICASETS, 'web-abc')?.metadata.finalizers?.includes('foregroundDeletion') ?? false);
    expect(cluster.get(DEPLOYMENTS, 'web')?.metadata).toMatchObject({ finalizers: ['foregroundDeletion'], deletionTimestamp: expect.any(String) });

    await cluster.client.patch(PODS, 'default', pods[0].metadata.name!, { metadata: { finalizers: null } }, 'merge');
    await cluster.until('the whole tree to be gone', () => !cluster.get(DEPLOYMENTS, 'web') && !cluster.get(REPLICASETS, 'web-abc') && cluster.list(PODS).length === 0);
  });

  it('leaves dependents without the reference after an Orphan delete', async () => {
    cluster = await TestCluster.start(['garbagecollector']);
    await deploymentTree();

    await cluster.client.delete(REPLICASETS, 'default', 'web-abc', { propagationPolicy: 'Orphan' });
    await cluster.until('the ReplicaSet to be gone', () => !cluster.get(REPLICASETS, 'web-abc'));
    const pods = cluster.list(PODS);
    expect(pods.map((p) => p.metadata.name).sort()).toEqual(['web-abc-1', 'web-abc-2']);
    for (const p of pods) expect(p.metadata.ownerReferences).toBeUndefined();
    expect(cluster.get(DEPLOYMENTS, 'web')).toBeDefined();
  });

  it('drops only the dangling references of an object that still has a live owner, and deletes one whose owner was re-created', async () => {
    cluster = await TestCluster.start(['garbagecollector']);
    const owner = await cluster.client.create(CONFIGMAPS, configMap('owner'));
    const gone: OwnerReference = { apiVersion: 'v1', kind: 'ConfigMap', name: 'vanished', uid: '11111111-1111-1111-1111-111111111111' };
    await cluster.client.create(CONFIGMAPS, configMap('shared', [ownerRef(owner, false), gone]));
    // Same name as a live owner, another uid: that owner is gone.
    await cluster.client.create(CONFIGMAPS, configMap('stale', [{ ...ownerRef(owner), uid: '22222222-2222-2222-2222-222222222222' }]));
    const cms = cluster.watch(CONFIGMAPS);

    await cluster.until('the dangling reference dropped and the stale dependent deleted', () => {
      const shared = cms.get('default/shared');
      return shared?.metadata.ownerReferences?.length === 1 && !cms.get('default/stale');
    });
    expect(cms.get('default/shared')?.metadata.ownerReferences).toEqual([ownerRef(owner, false)]);
    expect(cms.get('default/owner')).toBeDefined();
  });

  it('changes nothing on a second pass, and leaves objects without owners alone', async () => {
    // A resync every second forces the passes: an update that leaves an object's owners, deletion
    // and finalizers alone does not wake the collector (it cannot change its decision).
    cluster = await TestCluster.start(['garbagecollector'], { resyncMs: 1000 });
    const owner = await cluster.client.create(CONFIGMAPS, configMap('owner'));
    const dependent = await cluster.client.create(CONFIGMAPS, configMap('dependent', [ownerRef(owner)]));
    const loner = await cluster.client.create(CONFIGMAPS, configMap('loner'));
    const cms = cluster.watch(CONFIGMAPS);
    await cluster.until('the configmaps in the cache', () => cms.list().filter((c) => c.metadata.namespace === 'default').length === 3);
    await cluster.until('the collector to have looked at them', async () => (await reconciles(cluster, 'garbagecollector-configmaps')) >= 3);

    // Another pass over the dependent after it changed.
    const before = await reconciles(cluster, 'garbagecollector-configmaps');
    const touched = await cluster.client.patch(CONFIGMAPS, 'default', 'dependent', { metadata: { annotations: { touched: '1' } } }, 'merge');
    await cluster.until('another pass', async () => (await reconciles(cluster, 'garbagecollector-configmaps')) > before);

    const after = await cluster.client.get(CONFIGMAPS, 'default', 'dependent');
    expect(after.metadata.resourceVersion).toBe(touched.metadata.resourceVersion);
    expect(after.metadata.ownerReferences).toEqual(dependent.metadata.ownerReferences);
    expect((await cluster.client.get(CONFIGMAPS, 'default', 'loner')).metadata.resourceVersion).toBe(loner.metadata.resourceVersion);
    expect((await cluster.client.get(CONFIGMAPS, 'default', 'owner')).metadata.resourceVersion).toBe(owner.metadata.resourceVersion);
    expect(await reconciles(cluster, 'garbagecollector-configmaps', 'error')).toBe(0);
  });

  it('collects a dependent whose owner was a custom resource, its kind found through discovery', async () => {
    cluster = await TestCluster.start(['garbagecollector']);
    const crds = resourceType('customresourcedefinitions', 'apiextensions.k8s.io');
    await cluster.client.create(crds, {
      apiVersion: 'apiextensions.k8s.io/v1',
      kind: 'CustomResourceDefinition',
      metadata: { name: 'gadgets.example.com' },
      spec: {
        group: 'example.com',
        scope: 'Namespaced',
        names: { plural: 'gadgets', singular: 'gadget', kind: 'Gadget' },
        versions: [{ name: 'v1', served: true, storage: true, schema: { openAPIV3Schema: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } } }],
      },
    });
    const gadgets = defineResource('example.com', 'v1', 'gadgets', 'Gadget', true);
    let owner: KubeObject | undefined;
    await cluster.until('the Gadget kind served', async () => {
      owner = await cluster.client.create(gadgets, { apiVersion: 'example.com/v1', kind: 'Gadget', metadata: { name: 'g', namespace: 'default' } }).catch(() => undefined);
      return !!owner;
    });
    await cluster.client.delete(gadgets, 'default', 'g');
    await cluster.client.create(CONFIGMAPS, configMap('of-gone-gadget', [ownerRef(owner!, false)]));
    const cms = cluster.watch(CONFIGMAPS);
    await cluster.until('the dependent of the gone Gadget to be gone', () => cms.hasSynced() && !cms.get('default/of-gone-gadget'));
    expect(await reconciles(cluster, 'garbagecollector-configmaps', 'terminal')).toBe(0);
  });

  it('does not retry an object whose owner is of a kind the API server does not serve', async () => {
    cluster = await TestCluster.start(['garbagecollector']);
    const widget: OwnerReference = { apiVersion: 'example.com/v1', kind: 'Widget', name: 'w', uid: '33333333-3333-3333-3333-333333333333' };
    const odd = await cluster.client.create(CONFIGMAPS, configMap('odd', [widget]));
    await cluster.until('a terminal failure', async () => (await reconciles(cluster, 'garbagecollector-configmaps', 'terminal')) === 1);

    // Other work goes on (and takes longer than the first retries' backoff would): a dangling dependent is collected.
    await cluster.client.create(CONFIGMAPS, configMap('dangling', [{ apiVersion: 'v1', kind: 'ConfigMap', name: 'nope', uid: '44444444-4444-4444-4444-444444444444' }]));
    const cms = cluster.watch(CONFIGMAPS);
    await cluster.until('the dangling dependent to be gone', () => cms.hasSynced() && !cms.get('default/dangling') && !!cms.get('default/odd'));
    expect(await reconciles(cluster, 'garbagecollector-configmaps', 'terminal')).toBe(1);
    expect(await reconciles(cluster, 'garbagecollector-configmaps', 'error')).toBe(0);
    expect((await cluster.client.get(CONFIGMAPS, 'default', 'odd')).metadata.resourceVersion).toBe(odd.metadata.resourceVersion);
  });
});
