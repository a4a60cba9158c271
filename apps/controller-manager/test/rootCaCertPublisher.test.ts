import { afterEach, describe, expect, it } from 'vitest';
import { TestCluster } from './cluster.js';
import { reconciles } from './reconciles.js';
import { CONFIGMAPS, NAMESPACES } from '../src/resources.js';

const CA = '-----BEGIN CERTIFICATE-----\nMIIBtest\n-----END CERTIFICATE-----\n';

describe('root-ca-cert-publisher on a real API server and Redis', () => {
  let cluster: TestCluster;
  afterEach(async () => {
    await cluster?.stop();
  });
  const published = (namespace: string) => cluster.get(CONFIGMAPS, 'kube-root-ca.crt', namespace);

  it('publishes the CA in every namespace, puts it back when changed or deleted, and a second pass changes nothing', async () => {
    cluster = await TestCluster.start(['root-ca-cert-publisher'], { rootCaPem: CA });
    cluster.watch(CONFIGMAPS);
    await cluster.until('default/kube-root-ca.crt made', () => !!published('default'));
    await cluster.client.create(NAMESPACES, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'team' } });
    await cluster.until('team/kube-root-ca.crt made', () => (published('team')?.data as Record<string, string> | undefined)?.['ca.crt'] === CA);

    await cluster.client.patch(CONFIGMAPS, 'team', 'kube-root-ca.crt', { data: { 'ca.crt': 'tampered' } }, 'merge');
    await cluster.until('CA put back', () => (published('team')?.data as Record<string, string> | undefined)?.['ca.crt'] === CA);
    const first = published('team')!;
    await cluster.client.delete(CONFIGMAPS, 'team', 'kube-root-ca.crt');
    await cluster.until('made again', () => !!published('team') && published('team')!.metadata.uid !== first.metadata.uid);
    const again = published('team')!;

    const before = await reconciles(cluster, 'root-ca-cert-publisher');
    await cluster.client.patch(NAMESPACES, undefined, 'team', { metadata: { annotations: { touched: '1' } } }, 'merge');
    await cluster.until('another pass', async () => (await reconciles(cluster, 'root-ca-cert-publisher')) > before);
    expect((await cluster.client.get(CONFIGMAPS, 'team', 'kube-root-ca.crt')).metadata.resourceVersion).toBe(again.metadata.resourceVersion);
    expect(await reconciles(cluster, 'root-ca-cert-publisher', 'error')).toBe(0);
  }, 30_000);

  it('leaves other ConfigMaps alone', async () => {
    cluster = await TestCluster.start(['root-ca-cert-publisher'], { rootCaPem: CA });
    cluster.watch(CONFIGMAPS);
    const other = await cluster.client.create(CONFIGMAPS, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'app', namespace: 'default' }, data: { 'ca.crt': 'mine' } });
    await cluster.until('default/kube-root-ca.crt made', () => !!published('default'));
    expect((await cluster.client.get(CONFIGMAPS, 'default', 'app')).metadata.resourceVersion).toBe(other.metadata.resourceVersion);
  });
});
