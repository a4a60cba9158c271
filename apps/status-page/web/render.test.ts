import { describe, expect, it } from 'vitest';
import { ClusterState, type StatusObject } from './clusterState.js';
import { esc, renderApplication, renderNodes } from './render.js';

const REV = 'deployment.kubernetes.io/revision';

function bigCluster(pods: number): ClusterState {
  const items: StatusObject[] = [
    { apiVersion: 'skiff.dev/v1alpha1', kind: 'Application', metadata: { name: 'big', namespace: 'default' }, status: { sync: { status: 'Synced', revision: 'c0ffee1234' }, health: { status: 'Progressing' } } },
    { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', namespace: 'big', annotations: { 'skiff.dev/tracking-id': 'default/big:apps/Deployment:big/web' } }, spec: { replicas: pods } },
    { apiVersion: 'apps/v1', kind: 'ReplicaSet', metadata: { name: 'web-2', namespace: 'big', annotations: { [REV]: '2' }, ownerReferences: [{ kind: 'Deployment', name: 'web', controller: true }] }, spec: { replicas: pods / 2 }, status: { readyReplicas: pods / 2 } },
    { apiVersion: 'apps/v1', kind: 'ReplicaSet', metadata: { name: 'web-1', namespace: 'big', annotations: { [REV]: '1' }, ownerReferences: [{ kind: 'Deployment', name: 'web', controller: true }] }, spec: { replicas: pods / 2 }, status: { readyReplicas: pods / 2 } },
    ...[1, 2, 3].map((i) => ({ apiVersion: 'v1', kind: 'Node', metadata: { name: `node-${i}` }, status: { allocatable: { cpu: '64', memory: '256Gi', pods: '1000' } } })),
  ];
  for (let i = 0; i < pods; i++) {
    items.push({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: `web-${i % 2 ? 1 : 2}-${i}`, namespace: 'big', ownerReferences: [{ kind: 'ReplicaSet', name: `web-${i % 2 ? 1 : 2}`, controller: true }] },
      spec: { nodeName: `node-${(i % 3) + 1}`, containers: [{ name: 'c', resources: { requests: { cpu: '10m', memory: '16Mi' } } }] },
      status: { phase: 'Running', conditions: [{ type: 'Ready', status: 'True' }], containerStatuses: [{ name: 'c', ready: true, restartCount: 0 }] },
    });
  }
  const s = new ClusterState();
  s.reset(items);
  return s;
}

describe('rendering with 1,000 pods', () => {
  it('caps each ReplicaSet\'s pod list and counts the rest', () => {
    const s = bigCluster(1000);
    const html = renderApplication('default/big', s, { now: Date.now(), open: new Set() });
    expect(html.match(/class="pod-name"/g)).toHaveLength(24);
    expect(html).toContain('… and 488 more pods');
    expect(html).toContain('Running</span>×500');
    expect(html).toContain('data-testid="app-revision" title="c0ffee1234">c0ffee1</code>');
  });

  it('applies 1,000 pod changes and re-renders the app and nodes quickly', () => {
    const s = bigCluster(1000);
    const started = performance.now();
    for (const p of s.list('Pod')) s.apply({ type: 'MODIFIED', kind: 'Pod', object: { ...p, status: { ...p.status, phase: 'Pending' } } });
    const html = renderApplication('default/big', s, { now: Date.now(), open: new Set() }) + renderNodes(s);
    const ms = performance.now() - started;
    expect(html).toContain('Pending</span>×500');
    expect(html).toContain('334 pods of 1000');
    expect(ms).toBeLessThan(500);
  });

  it('escapes what it shows', () => {
    expect(esc('<img src=x onerror="a">')).toBe('&#60;img src=x onerror=&#34;a&#34;&#62;');
  });
});

describe('a revision\'s changes in the deploy history', () => {
  it('shows each entry\'s diff, escaped, with added and removed lines marked', () => {
    const s = new ClusterState();
    const changes = '--- before/ConfigMap web\n+++ after/ConfigMap web\n@@ -1,2 +1,2 @@\n-  color: blue\n+  color: <b>green</b>\n';
    s.reset([
      {
        apiVersion: 'skiff.dev/v1alpha1',
        kind: 'Application',
        metadata: { name: 'shop', namespace: 'default' },
        status: { sync: { status: 'Synced', revision: 'bbbbbbbb' }, history: [{ id: 1, revision: 'aaaaaaaa', message: 'first', author: 'Ann' }, { id: 2, revision: 'bbbbbbbb', message: 'green', author: 'Bob', changes }] },
      },
    ]);
    const html = renderApplication('default/shop', s, { now: Date.now(), open: new Set(['default/shop:history', 'default/shop:changes:bbbbbbbb']) });
    expect(html).toContain(' open data-testid="changes-bbbbbbb"');
    expect(html).toContain('<span class="del">-  color: blue</span>');
    expect(html).toContain('<span class="add">+  color: &#60;b&#62;green&#60;/b&#62;</span>');
    expect(html).not.toContain('<b>green</b>');
    expect(html.match(/data-testid="changes-/g)).toHaveLength(1);
  });
});

describe('objects written by hostile clients', () => {
  const IMG = '<img src=x onerror=alert(1)>';

  it('renders their strings as text, and numbers that are not numbers as 0', () => {
    const s = new ClusterState();
    s.reset([
      { apiVersion: 'skiff.dev/v1alpha1', kind: 'Application', metadata: { name: 'shop', namespace: 'default' }, status: { sync: { status: IMG, revision: IMG }, health: { status: IMG, message: IMG }, history: [{ id: 1, revision: `"><${IMG}`, message: IMG, author: IMG, changes: IMG }] } },
      { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', namespace: 'default', annotations: { 'skiff.dev/tracking-id': 'default/shop:apps/Deployment:default/web' } }, spec: { replicas: IMG, template: { spec: { containers: [{ image: IMG }] } } } },
      { apiVersion: 'apps/v1', kind: 'ReplicaSet', metadata: { name: 'web-1', namespace: 'default', annotations: { [REV]: IMG }, ownerReferences: [{ kind: 'Deployment', name: 'web', controller: true }] }, spec: { replicas: IMG }, status: { readyReplicas: IMG, replicas: IMG } },
      {
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name: 'web-1-a', namespace: 'default', ownerReferences: [{ kind: 'ReplicaSet', name: 'web-1', controller: true }] },
        spec: { nodeName: IMG, containers: [{ name: 'c' }] },
        status: { phase: IMG, message: IMG, podIP: IMG, containerStatuses: [{ name: 'c', restartCount: IMG, state: { waiting: { reason: IMG } } }] },
      },
      { apiVersion: 'v1', kind: 'Node', metadata: { name: 'n' }, status: { allocatable: { pods: IMG }, nodeInfo: { containerRuntimeVersion: IMG } } },
    ]);
    const html = renderApplication('default/shop', s, { now: Date.now(), open: new Set(['default/shop:history', 'default/shop:rs:web-1']) }) + renderNodes(s);
    expect(html).toContain('&#60;img src=x onerror=alert(1)&#62;');
    expect(html).not.toMatch(/<img/i);
  });
});
