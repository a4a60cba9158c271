import { afterEach, describe, expect, it } from 'vitest';
import { TestCluster } from './cluster.js';
import { reconciles } from './reconciles.js';
import { NAMESPACES, SERVICEACCOUNTS } from '../src/resources.js';

describe('the serviceaccount controller on a real API server and Redis', () => {
  let cluster: TestCluster;
  afterEach(async () => {
    await cluster?.stop();
  });

  const accounts = (namespace: string) =>
    cluster
      .list(SERVICEACCOUNTS, namespace)
      .map((sa) => sa.metadata.name)
      .sort();

  async function namespace(name: string): Promise<void> {
    await cluster.client.create(NAMESPACES, { apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
  }

  it('gives every namespace a default account, from empty and for a new namespace', async () => {
    cluster = await TestCluster.start(['serviceaccount']);
    cluster.watch(SERVICEACCOUNTS);
    await cluster.until('default/default made', () => !!cluster.get(SERVICEACCOUNTS, 'default', 'default'));
    await namespace('team');
    await cluster.until('team/default made', () => !!cluster.get(SERVICEACCOUNTS, 'default', 'team'));
    expect(accounts('team')).toEqual(['default']);
    expect(cluster.get(SERVICEACCOUNTS, 'default', 'team')).toMatchObject({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'default', namespace: 'team' } });
  });

  it('makes the default account again when it is deleted, and a second pass changes nothing', async () => {
    cluster = await TestCluster.start(['serviceaccount']);
    cluster.watch(SERVICEACCOUNTS);
    await namespace('team');
    await cluster.until('team/default made', () => !!cluster.get(SERVICEACCOUNTS, 'default', 'team'));
    const first = cluster.get(SERVICEACCOUNTS, 'default', 'team')!;

    await cluster.client.delete(SERVICEACCOUNTS, 'team', 'default');
    await cluster.until('team/default made again', () => {
      const sa = cluster.get(SERVICEACCOUNTS, 'default', 'team');
      return !!sa && sa.metadata.uid !== first.metadata.uid;
    });
    const again = cluster.get(SERVICEACCOUNTS, 'default', 'team')!;

    // Another pass over the converged namespace writes nothing.
    const before = await reconciles(cluster, 'serviceaccount');
    await cluster.client.patch(NAMESPACES, undefined, 'team', { metadata: { annotations: { touched: '1' } } }, 'merge');
    await cluster.until('another pass', async () => (await reconciles(cluster, 'serviceaccount')) > before);
    expect((await cluster.client.get(SERVICEACCOUNTS, 'team', 'default')).metadata.resourceVersion).toBe(again.metadata.resourceVersion);
    expect(accounts('team')).toEqual(['default']);
    expect(await reconciles(cluster, 'serviceaccount', 'error')).toBe(0);
  });

  it('leaves other accounts and a changed default account alone', async () => {
    cluster = await TestCluster.start(['serviceaccount']);
    cluster.watch(SERVICEACCOUNTS);
    await namespace('team');
    await cluster.until('team/default made', () => !!cluster.get(SERVICEACCOUNTS, 'default', 'team'));
    const ci = await cluster.client.create(SERVICEACCOUNTS, { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'ci', namespace: 'team' } });
    const edited = await cluster.client.patch(SERVICEACCOUNTS, 'team', 'default', { automountServiceAccountToken: false }, 'merge');
    await cluster.client.create(SERVICEACCOUNTS, { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'gone', namespace: 'team' } });
    await cluster.client.delete(SERVICEACCOUNTS, 'team', 'gone');

    const before = await reconciles(cluster, 'serviceaccount');
    await cluster.client.patch(NAMESPACES, undefined, 'team', { metadata: { annotations: { touched: '1' } } }, 'merge');
    await cluster.until('another pass', async () => (await reconciles(cluster, 'serviceaccount')) > before);
    expect(accounts('team')).toEqual(['ci', 'default']);
    expect((await cluster.client.get(SERVICEACCOUNTS, 'team', 'ci')).metadata.resourceVersion).toBe(ci.metadata.resourceVersion);
    const def = await cluster.client.get(SERVICEACCOUNTS, 'team', 'default');
    expect(def.metadata.resourceVersion).toBe(edited.metadata.resourceVersion);
    expect(def.automountServiceAccountToken).toBe(false);
  });

  it('makes nothing in a Terminating namespace', async () => {
    cluster = await TestCluster.start(['serviceaccount']);
    cluster.watch(SERVICEACCOUNTS);
    await namespace('doomed');
    await cluster.until('doomed/default made', () => !!cluster.get(SERVICEACCOUNTS, 'default', 'doomed'));
    // No namespace controller runs here: the namespace stays Terminating, held by its `kubernetes` finalizer.
    await cluster.client.delete(NAMESPACES, undefined, 'doomed');
    await cluster.until('the namespace Terminating', () => (cluster.get(NAMESPACES, 'doomed')?.status as { phase?: string } | undefined)?.phase === 'Terminating');

    await cluster.client.delete(SERVICEACCOUNTS, 'doomed', 'default');
    await cluster.until('the deletion seen', () => !cluster.get(SERVICEACCOUNTS, 'default', 'doomed'));
    // A pass that starts after the deletion, woken by a touch of the namespace.
    const before = await reconciles(cluster, 'serviceaccount');
    await cluster.client.patch(NAMESPACES, undefined, 'doomed', { metadata: { annotations: { touched: '1' } } }, 'merge');
    await cluster.until('a pass after the deletion', async () => (await reconciles(cluster, 'serviceaccount')) > before);
    expect(await cluster.client.getIfExists(SERVICEACCOUNTS, 'doomed', 'default')).toBeUndefined();
    expect(await reconciles(cluster, 'serviceaccount', 'error')).toBe(0);
  });
});
