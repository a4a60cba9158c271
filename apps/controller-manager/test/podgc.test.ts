import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KubeObject } from '@skiff/apimachinery';
import { NODES, PODS } from '../src/resources.js';
import { TestCluster } from './cluster.js';
import { metricValue } from './metrics.js';

const QUARANTINE_MS = 1500;

describe('pod garbage collector (orphaned pods)', () => {
  let c: TestCluster;
  const runs = (result: string) => metricValue(c.cm?.registry, 'skiff_reconcile_total', { controller: 'podgc', result });
  const pod = (name: string, nodeName: string) =>
    c.client.create(PODS, { apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'default' }, spec: { nodeName, containers: [{ name: 'main', image: 'x' }] } });
  /** The informer has seen the pod, then sees it go (so a pod not yet seen never counts as gone). */
  const seenThenGone = async (name: string) => {
    await c.until(`${name} seen`, () => !!c.get(PODS, name));
    await c.until(`${name} gone`, () => !c.get(PODS, name));
  };
  const createNode = (name: string) => c.client.create(NODES, { apiVersion: 'v1', kind: 'Node', metadata: { name }, spec: {} });

  beforeAll(async () => {
    c = await TestCluster.start(['podgc'], { podGcQuarantineMs: QUARANTINE_MS });
  });
  afterAll(async () => {
    await c?.stop();
  });

  it('force-deletes, after the quarantine, a pod bound to a node that does not exist', async () => {
    const created = await pod('orphan', 'ghost');
    await seenThenGone('orphan');
    expect(Date.now() - Date.parse(created.metadata.creationTimestamp!)).toBeGreaterThanOrEqual(QUARANTINE_MS - 1000);
  });

  it('converges after a change: deleting a node takes its pods with it', async () => {
    const runsBefore = await runs('success');
    await createNode('doomed');
    const p = await pod('on-doomed', 'doomed');
    await c.until('a pass for the live node', async () => (await runs('success')) > runsBefore);
    expect((await c.client.get(PODS, 'default', 'on-doomed')).metadata.uid).toBe(p.metadata.uid);
    await c.client.delete(NODES, undefined, 'doomed');
    await seenThenGone('on-doomed');
  });

  it('a second pass over a live node writes nothing', async () => {
    await createNode('alive');
    const p = await pod('on-alive', 'alive');
    const before = await runs('success');
    await c.client.patch(NODES, undefined, 'alive', { metadata: { labels: { touched: 'yes' } } });
    await c.until('another pass', async () => (await runs('success')) > before);
    expect((await c.client.get(PODS, 'default', 'on-alive')).metadata.resourceVersion).toBe(p.metadata.resourceVersion);
  });

  it('leaves unbound pods and pods on live nodes alone', async () => {
    const unbound = await c.client.create(PODS, { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'unbound', namespace: 'default' }, spec: { containers: [{ name: 'main', image: 'x' }] } });
    await pod('orphan-2', 'ghost-2');
    await seenThenGone('orphan-2');
    expect(c.get(PODS, 'unbound')?.metadata.resourceVersion).toBe(unbound.metadata.resourceVersion);
    expect(c.get(PODS, 'on-alive')).toBeDefined();
  });

  it('an orphan that cannot be failed or deleted is retried, not dropped (no terminal errors)', async () => {
    // A pod the GC may not delete: a finalizer keeps it (marked Failed and deleting) until removed.
    await c.client.create(PODS, { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'held', namespace: 'default', finalizers: ['example.com/hold'] }, spec: { nodeName: 'ghost-3', containers: [{ name: 'main', image: 'x' }] } });
    await c.until('held marked Failed and deleting', () => {
      const held = c.get(PODS, 'held') as KubeObject | undefined;
      return !!held?.metadata.deletionTimestamp && (held.status as { phase?: string }).phase === 'Failed';
    });
    const held = c.get(PODS, 'held')!;
    expect((held.status as { conditions?: { type: string; reason?: string }[] }).conditions).toContainEqual(expect.objectContaining({ type: 'DisruptionTarget', reason: 'DeletionByPodGC' }));
    expect(await runs('terminal')).toBe(0);
    await c.client.patch(PODS, 'default', 'held', { metadata: { finalizers: null } });
    await c.until('held gone once released', () => !c.get(PODS, 'held'));
  });
});
