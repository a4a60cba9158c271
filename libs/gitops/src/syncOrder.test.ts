import { describe, expect, it } from 'vitest';
import type { KubeObject } from '@skiff/apimachinery';
import { pruneOrder, syncOrder } from './syncOrder.js';

const obj = (kind: string, name: string, opts: { ns?: string; wave?: string } = {}): KubeObject => ({
  apiVersion: 'v1',
  kind,
  metadata: { name, ...(opts.ns ? { namespace: opts.ns } : {}), ...(opts.wave !== undefined ? { annotations: { 'skiff.dev/sync-wave': opts.wave } } : {}) },
});
const names = (list: KubeObject[]) => list.map((o) => `${o.kind}/${o.metadata.name}`);

describe('syncOrder', () => {
  it.each<[string, KubeObject[], string[]]>([
    [
      'kinds in dependency order, unknown kinds last alphabetically',
      [obj('Widget', 'w'), obj('Deployment', 'web'), obj('Service', 'web'), obj('ConfigMap', 'cfg'), obj('Namespace', 'team'), obj('Ingress', 'web'), obj('Alpha', 'a'), obj('Secret', 's'), obj('ServiceAccount', 'sa'), obj('RoleBinding', 'rb'), obj('Role', 'r')],
      ['Namespace/team', 'ServiceAccount/sa', 'Secret/s', 'ConfigMap/cfg', 'Role/r', 'RoleBinding/rb', 'Service/web', 'Deployment/web', 'Ingress/web', 'Alpha/a', 'Widget/w'],
    ],
    [
      'sync waves before kinds, negative waves first',
      [obj('Namespace', 'late', { wave: '2' }), obj('Deployment', 'db', { wave: '-1' }), obj('ConfigMap', 'c'), obj('Job', 'migrate', { wave: '1' })],
      ['Deployment/db', 'ConfigMap/c', 'Job/migrate', 'Namespace/late'],
    ],
    [
      'namespace then name within a kind; a bad wave counts as 0',
      [obj('ConfigMap', 'b', { ns: 'x' }), obj('ConfigMap', 'a', { ns: 'y' }), obj('ConfigMap', 'a', { ns: 'x', wave: 'soon' })],
      ['ConfigMap/a', 'ConfigMap/b', 'ConfigMap/a'],
    ],
  ])('%s', (_name, input, expected) => {
    expect(names(syncOrder(input))).toEqual(expected);
  });

  it('orders manifests by their object, and pruneOrder is the reverse', () => {
    const manifests = [obj('Deployment', 'web'), obj('Namespace', 'team'), obj('ConfigMap', 'c')].map((object, index) => ({ object, file: 'a.yaml', line: 1, index }));
    expect(syncOrder(manifests).map((m) => m.object.kind)).toEqual(['Namespace', 'ConfigMap', 'Deployment']);
    expect(pruneOrder(manifests).map((m) => m.object.kind)).toEqual(['Deployment', 'ConfigMap', 'Namespace']);
  });
});
