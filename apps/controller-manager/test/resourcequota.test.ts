import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KubeObject } from '@skiff/apimachinery';
import { CONFIGMAPS, NAMESPACES, PODS, RESOURCEQUOTAS } from '../src/resources.js';
import { TestCluster } from './cluster.js';
import { metricValue } from './metrics.js';

type QuotaStatus = { hard?: Record<string, string>; used?: Record<string, string> };
const statusOf = (q: KubeObject | undefined) => (q?.status ?? {}) as QuotaStatus;

function quota(name: string, hard: Record<string, string>, namespace = 'default'): KubeObject {
  return { apiVersion: 'v1', kind: 'ResourceQuota', metadata: { name, namespace }, spec: { hard } };
}

function pod(name: string, cpu?: string, namespace = 'default'): KubeObject {
  return { apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace }, spec: { containers: [{ name: 'main', image: 'x', ...(cpu ? { resources: { requests: { cpu }, limits: { cpu } } } : {}) }] } };
}

const configMap = (name: string, namespace = 'default'): KubeObject => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace }, data: { a: '1' } });

describe('ResourceQuota controller', () => {
  let c: TestCluster;
  const reconciles = (result?: string) => metricValue(c.cm?.registry, 'skiff_reconcile_total', { controller: 'resourcequota', ...(result ? { result } : {}) });

  beforeAll(async () => {
    c = await TestCluster.start(['resourcequota']);
    c.watch(RESOURCEQUOTAS);
    c.watch(CONFIGMAPS);
  });
  afterAll(async () => {
    await c?.stop();
  });

  it('fills status.hard and status.used from empty, counting what is already there', async () => {
    await c.client.create(PODS, pod('a', '200m'));
    await c.client.create(PODS, pod('b'));
    await c.client.create(CONFIGMAPS, configMap('one'));
    await c.client.create(RESOURCEQUOTAS, quota('main', { pods: '5', 'requests.cpu': '1', configmaps: '3', 'count/deployments.apps': '2' }));
    await c.until('status filled', () => statusOf(c.get(RESOURCEQUOTAS, 'main')).used !== undefined);
    expect(statusOf(c.get(RESOURCEQUOTAS, 'main'))).toEqual({
      hard: { pods: '5', 'requests.cpu': '1', configmaps: '3', 'count/deployments.apps': '2' },
      used: { pods: '2', 'requests.cpu': '200m', configmaps: '1', 'count/deployments.apps': '0' },
    });
  });

  it('gives usage back when objects go, and follows spec.hard', async () => {
    await c.client.delete(PODS, 'default', 'a');
    await c.until('pod a given back', () => statusOf(c.get(RESOURCEQUOTAS, 'main')).used?.pods === '1');
    expect(statusOf(c.get(RESOURCEQUOTAS, 'main')).used?.['requests.cpu']).toBe('0');
    await c.client.patch(RESOURCEQUOTAS, 'default', 'main', { spec: { hard: { pods: '1', secrets: '4', 'requests.cpu': null, configmaps: null, 'count/deployments.apps': null } } });
    await c.until('hard follows spec', () => statusOf(c.get(RESOURCEQUOTAS, 'main')).hard?.secrets === '4');
    expect(statusOf(c.get(RESOURCEQUOTAS, 'main'))).toEqual({ hard: { pods: '1', secrets: '4' }, used: { pods: '1', secrets: '0' } });
    // The API server enforces the status the controller wrote.
    await expect(c.client.create(PODS, pod('c'))).rejects.toThrow('pods "c" is forbidden: exceeded quota: main, requested: pods=1, used: pods=1, limited: pods=1');
  });

  it('a second pass over a converged quota writes nothing', async () => {
    const rv = c.get(RESOURCEQUOTAS, 'main')!.metadata.resourceVersion;
    const runs = await reconciles();
    // A ConfigMap is a change in the namespace (it wakes the quota) that this quota does not count.
    await c.client.create(CONFIGMAPS, configMap('two'));
    await c.until('another pass', async () => (await reconciles()) > runs);
    expect((await c.client.get(RESOURCEQUOTAS, 'default', 'main')).metadata.resourceVersion).toBe(rv);
  });

  it('leaves quotas of other namespaces alone', async () => {
    await c.client.create(NAMESPACES, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'other' } });
    await c.client.create(RESOURCEQUOTAS, quota('theirs', { configmaps: '9' }, 'other'));
    await c.until('theirs filled', () => statusOf(c.get(RESOURCEQUOTAS, 'theirs', 'other')).used?.configmaps === '0');
    const rv = c.get(RESOURCEQUOTAS, 'theirs', 'other')!.metadata.resourceVersion;
    await c.client.create(CONFIGMAPS, configMap('three'));
    await c.client.create(RESOURCEQUOTAS, quota('probe', { configmaps: '10' }));
    await c.until('probe sees default configmaps', () => statusOf(c.get(RESOURCEQUOTAS, 'probe')).used?.configmaps === '3');
    expect((await c.client.get(RESOURCEQUOTAS, 'other', 'theirs')).metadata.resourceVersion).toBe(rv);
  });

  it('counts a kind Skiff does not serve as 0 and does not retry it', async () => {
    await c.client.create(RESOURCEQUOTAS, quota('widgets', { 'count/widgets.example.com': '1', configmaps: '10' }));
    await c.until('widgets written', () => statusOf(c.get(RESOURCEQUOTAS, 'widgets')).used?.['count/widgets.example.com'] === '0');
    expect(statusOf(c.get(RESOURCEQUOTAS, 'widgets')).used?.configmaps).toBe('3');
    await c.until('a terminal result', async () => (await reconciles('terminal')) >= 1);
    // Later work passes through the same queue. (The controller's own status write is a change and
    // may bring the quota back once; it then stops at once on the same terminal error.)
    await c.client.create(RESOURCEQUOTAS, quota('later', { configmaps: '10' }));
    await c.until('later work done', () => statusOf(c.get(RESOURCEQUOTAS, 'later')).used?.configmaps === '3');
    const errors = await reconciles('error');
    const terminal = await reconciles('terminal');
    expect(terminal).toBeLessThanOrEqual(2);
    await c.client.create(RESOURCEQUOTAS, quota('later2', { configmaps: '10' }));
    await c.until('more later work done', () => statusOf(c.get(RESOURCEQUOTAS, 'later2')).used?.configmaps === '3');
    // A backoff retry of the terminal key would show as more results: a quota's creation wakes no other quota.
    expect(await reconciles('terminal')).toBe(terminal);
    expect(await reconciles('error')).toBe(errors);
  });
});
