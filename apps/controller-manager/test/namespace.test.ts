import { afterEach, describe, expect, it } from 'vitest';
import { resourceType as defineResource, type KubeObject } from '@skiff/apimachinery';
import { resourceType } from '@skiff/kube-client';
import { TestCluster } from './cluster.js';
import { reconciles } from './reconciles.js';
import { DEPLOYMENTS, NAMESPACES, PODS } from '../src/resources.js';

const CONFIGMAPS = resourceType('configmaps');
const SECRETS = resourceType('secrets');

type Condition = { type: string; status: string; reason: string; message: string };
function condition(ns: KubeObject | undefined, type: string): Condition | undefined {
  return ((ns?.status as { conditions?: Condition[] } | undefined)?.conditions ?? []).find((c) => c.type === type);
}

const podSpec = { containers: [{ name: 'main', image: 'busybox:1' }] };

describe('the namespace controller on a real API server and Redis', () => {
  let cluster: TestCluster;
  afterEach(async () => {
    await cluster?.stop();
  });

  async function namespaceWithContent(name: string, opts: { hold?: string } = {}): Promise<void> {
    await cluster.client.create(NAMESPACES, { apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
    await cluster.client.create(CONFIGMAPS, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'settings', namespace: name, ...(opts.hold ? { finalizers: [opts.hold] } : {}) }, data: { a: '1' } });
    await cluster.client.create(SECRETS, { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'creds', namespace: name }, stringData: { p: 'x' } });
    await cluster.client.create(PODS, { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'loose', namespace: name }, spec: podSpec });
    await cluster.client.create(DEPLOYMENTS, {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'web', namespace: name },
      spec: { replicas: 1, selector: { matchLabels: { app: 'web' } }, template: { metadata: { labels: { app: 'web' } }, spec: podSpec } },
    });
  }

  async function contentOf(namespace: string): Promise<string[]> {
    const out: string[] = [];
    for (const t of [CONFIGMAPS, SECRETS, PODS, DEPLOYMENTS]) for (const o of (await cluster.client.list(t, { namespace })).items) out.push(`${t.resource}/${o.metadata.name}`);
    return out.sort();
  }

  it('deletes a Terminating namespace\'s content, then the namespace, and leaves other namespaces alone', async () => {
    cluster = await TestCluster.start(['namespace']);
    await namespaceWithContent('doomed');
    await namespaceWithContent('kept');
    const keptBefore = await contentOf('kept');

    await cluster.client.delete(NAMESPACES, undefined, 'doomed');
    expect(cluster.get(NAMESPACES, 'doomed')).toBeDefined();
    await cluster.until('the namespace to be gone', () => !cluster.get(NAMESPACES, 'doomed'));
    expect(await contentOf('doomed')).toEqual([]);
    expect(await contentOf('kept')).toEqual(keptBefore);
    expect(cluster.get(NAMESPACES, 'kept')?.metadata.deletionTimestamp).toBeUndefined();
  });

  it('deletes the custom resources of a Terminating namespace too, found through discovery', async () => {
    cluster = await TestCluster.start(['namespace']);
    const crds = resourceType('customresourcedefinitions', 'apiextensions.k8s.io');
    await cluster.client.create(crds, {
      apiVersion: 'apiextensions.k8s.io/v1',
      kind: 'CustomResourceDefinition',
      metadata: { name: 'widgets.example.com' },
      spec: {
        group: 'example.com',
        scope: 'Namespaced',
        names: { plural: 'widgets', singular: 'widget', kind: 'Widget' },
        versions: [{ name: 'v1', served: true, storage: true, schema: { openAPIV3Schema: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } } }],
      },
    });
    const widgets = defineResource('example.com', 'v1', 'widgets', 'Widget', true);
    await cluster.until('the Widget kind served', async () => {
      try {
        await cluster.client.list(widgets, { namespace: 'default' });
        return true;
      } catch {
        return false;
      }
    });
    await namespaceWithContent('crs');
    await cluster.client.create(widgets, { apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w', namespace: 'crs' } });
    await cluster.client.delete(NAMESPACES, undefined, 'crs');
    await cluster.until('the namespace to be gone', () => !cluster.get(NAMESPACES, 'crs'));
    expect((await cluster.client.list(widgets, { namespace: 'crs' })).items).toEqual([]);
  });

  it('reports content held by a finalizer, and finishes once the finalizer is removed', async () => {
    cluster = await TestCluster.start(['namespace']);
    await namespaceWithContent('held', { hold: 'test.skiff.dev/hold' });
    await cluster.client.delete(NAMESPACES, undefined, 'held');

    await cluster.until('the remaining content reported', () => condition(cluster.get(NAMESPACES, 'held'), 'NamespaceFinalizersRemaining')?.status === 'True');
    const ns = cluster.get(NAMESPACES, 'held');
    expect(condition(ns, 'NamespaceContentRemaining')).toMatchObject({ status: 'True', reason: 'SomeResourcesRemain', message: 'Some resources are remaining: configmaps. has 1 resource instances' });
    expect(condition(ns, 'NamespaceFinalizersRemaining')).toMatchObject({ reason: 'SomeFinalizersRemain', message: 'Some content in the namespace has finalizers remaining: test.skiff.dev/hold in 1 resource instances' });
    expect(condition(ns, 'NamespaceDeletionContentFailure')).toMatchObject({ status: 'False', reason: 'ContentDeleted' });
    expect(await contentOf('held')).toEqual(['configmaps/settings']);

    // Another pass over an unchanged namespace writes nothing: touching the held object wakes it.
    const before = await reconciles(cluster, 'namespace');
    await cluster.client.patch(CONFIGMAPS, 'held', 'settings', { metadata: { annotations: { touched: '1' } } }, 'merge');
    await cluster.until('another pass', async () => (await reconciles(cluster, 'namespace')) > before);
    expect((await cluster.client.get(NAMESPACES, undefined, 'held')).metadata.resourceVersion).toBe(ns!.metadata.resourceVersion);

    await cluster.client.patch(CONFIGMAPS, 'held', 'settings', { metadata: { finalizers: null } }, 'merge');
    await cluster.until('the namespace to be gone', () => !cluster.get(NAMESPACES, 'held'));
  });

  it('changes nothing in a namespace that is not being deleted', async () => {
    cluster = await TestCluster.start(['namespace']);
    await namespaceWithContent('quiet');
    const content = await contentOf('quiet');
    const before = await reconciles(cluster, 'namespace');
    const touched = await cluster.client.patch(NAMESPACES, undefined, 'quiet', { metadata: { annotations: { touched: '1' } } }, 'merge');
    await cluster.until('a pass over the namespace', async () => (await reconciles(cluster, 'namespace')) > before);
    expect((await cluster.client.get(NAMESPACES, undefined, 'quiet')).metadata.resourceVersion).toBe(touched.metadata.resourceVersion);
    expect(await contentOf('quiet')).toEqual(content);
    expect(await reconciles(cluster, 'namespace', 'error')).toBe(0);
  });
});
