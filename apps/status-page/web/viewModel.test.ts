import { describe, expect, it } from 'vitest';
import { ClusterState, type StatusObject } from './clusterState.js';
import {
  age,
  appKeyOf,
  applicationView,
  eventsView,
  nodeView,
  parseBytes,
  parseCpu,
  podsByNode,
  resourceTree,
  rolloutProgress,
  webhookView,
} from './viewModel.js';

const TRACK = (kind: string, name: string) => ({ 'skiff.dev/tracking-id': `default/demo:apps/${kind}:demo/${name}` });

function obj(kind: string, name: string, extra: Partial<StatusObject> & { meta?: Partial<StatusObject['metadata']> } = {}): StatusObject {
  const { meta, ...rest } = extra;
  return { apiVersion: 'v1', kind, metadata: { name, namespace: kind === 'Node' ? undefined : 'demo', ...meta }, ...rest };
}

function deployment(name: string, replicas: number, revision: string, generation = 1, observed = 1): StatusObject {
  return obj('Deployment', name, {
    meta: { annotations: { ...TRACK('Deployment', name), 'deployment.kubernetes.io/revision': revision }, generation },
    spec: { replicas, template: { spec: { containers: [{ name: 'c', image: 'node:20' }] } } },
    status: { observedGeneration: observed },
  });
}

function replicaSet(name: string, owner: string, revision: string, replicas: number, ready: number, status = replicas): StatusObject {
  return obj('ReplicaSet', name, {
    meta: { annotations: { 'deployment.kubernetes.io/revision': revision }, ownerReferences: [{ kind: 'Deployment', name: owner, controller: true }] },
    spec: { replicas },
    status: { replicas: status, readyReplicas: ready },
  });
}

function pod(name: string, owner: string, o: { node?: string; phase?: string; ready?: boolean; restarts?: number; cpu?: string; memory?: string } = {}): StatusObject {
  return obj('Pod', name, {
    meta: { ownerReferences: [{ kind: 'ReplicaSet', name: owner, controller: true }] },
    spec: { nodeName: o.node, containers: [{ name: 'c', resources: { requests: { ...(o.cpu ? { cpu: o.cpu } : {}), ...(o.memory ? { memory: o.memory } : {}) } } }] },
    status: {
      phase: o.phase ?? 'Running',
      podIP: '127.1.1.2',
      conditions: [{ type: 'Ready', status: o.ready === false ? 'False' : 'True' }],
      containerStatuses: [{ name: 'c', ready: o.ready !== false, restartCount: o.restarts ?? 0 }],
    },
  });
}

function stateOf(...items: StatusObject[]): ClusterState {
  const s = new ClusterState();
  s.reset(items);
  return s;
}

const app = obj('Application', 'demo', {
  meta: { namespace: 'default' },
  spec: { source: { repoURL: '/data/repo', path: 'deploy' } },
  status: {
    sync: { status: 'Synced', revision: 'bbbbbbbbbbbb' },
    health: { status: 'Progressing' },
    history: [
      { id: 1, revision: 'aaaaaaaaaaaa', message: 'first\n\nbody', author: 'Ann <ann@x>', deployedAt: '2025-01-01T00:00:00Z' },
      { id: 2, revision: 'bbbbbbbbbbbb', message: 'second', author: 'Bob <bob@x>', deployedAt: '2025-01-02T00:00:00Z' },
    ],
  },
});

describe('applicationView', () => {
  it('shows the synced commit from the history, newest first', () => {
    const v = applicationView(app);
    expect(v).toMatchObject({ key: 'default/demo', sync: 'Synced', health: 'Progressing', shortRevision: 'bbbbbbb', commit: { message: 'second', author: 'Bob <bob@x>', live: true } });
    expect(v.history.map((h) => [h.shortRevision, h.message, h.live])).toEqual([
      ['bbbbbbb', 'second', true],
      ['aaaaaaa', 'first', false],
    ]);
  });

  it('has Unknown badges before the first sync', () => {
    expect(applicationView(obj('Application', 'new'))).toMatchObject({ sync: 'Unknown', health: 'Unknown', shortRevision: '', commit: undefined, history: [] });
  });
});

describe('rolloutProgress', () => {
  it.each([
    // name, desired, new RS (replicas, ready), old RS (replicas, ready), in progress, percent
    ['complete', 3, [3, 3], [0, 0], false, 100],
    ['midway, surge 1', 4, [3, 2], [2, 2], true, 50],
    ['just started', 2, [1, 0], [2, 2], true, 0],
    ['all new ready, old still draining', 2, [2, 2], [1, 0], true, 100],
    ['scaled down to zero', 0, [0, 0], [0, 0], false, 100],
  ] as const)('%s', (_name, desired, [nr, nready], [or, oready], inProgress, percent) => {
    const d = deployment('web', desired, '2');
    const r = rolloutProgress(d, [replicaSet('web-new', 'web', '2', nr, nready), replicaSet('web-old', 'web', '1', or, oready)]);
    expect(r).toMatchObject({ desired, newReplicas: nr, newReady: nready, oldReplicas: or, oldReady: oready, inProgress, percent, revision: '2' });
  });

  it('is in progress until the controller has seen the new spec', () => {
    const r = rolloutProgress(deployment('web', 1, '1', 2, 1), [replicaSet('web-a', 'web', '1', 1, 1)]);
    expect(r.inProgress).toBe(true);
  });
});

describe('resourceTree', () => {
  it('builds Deployment -> ReplicaSets -> Pods, Services with endpoints, ConfigMaps from a flat object map', () => {
    const pods = Array.from({ length: 30 }, (_, i) => pod(`web-new-${String(i).padStart(2, '0')}`, 'web-new', { node: 'node-1', ready: i !== 7 }));
    const s = stateOf(
      app,
      deployment('web', 30, '2'),
      replicaSet('web-new', 'web', '2', 30, 29),
      replicaSet('web-old', 'web', '1', 0, 0),
      ...pods,
      obj('Service', 'web', { meta: { annotations: TRACK('Service', 'web') }, spec: { clusterIP: '127.224.0.9', ports: [{ port: 80, protocol: 'TCP' }] } }),
      obj('Endpoints', 'web', { subsets: [{ addresses: [{ ip: 'a' }, { ip: 'b' }], notReadyAddresses: [{ ip: 'c' }] }] }),
      obj('ConfigMap', 'settings', { meta: { labels: { 'skiff.dev/application': 'demo' } } }),
      obj('ConfigMap', 'unrelated'),
      obj('Deployment', 'other', { meta: { annotations: { 'skiff.dev/tracking-id': 'default/other:apps/Deployment:demo/other' } } }),
    );
    const tree = resourceTree('default/demo', s, 12);
    expect(tree.deployments.map((d) => d.name)).toEqual(['web']);
    const [web] = tree.deployments;
    expect(web.idleReplicaSets).toBe(1);
    expect(web.replicaSets).toHaveLength(1);
    const rs = web.replicaSets[0];
    expect(rs).toMatchObject({ name: 'web-new', isNew: true, podCount: 30, hiddenPods: 18, phases: { Running: 30 } });
    expect(rs.pods).toHaveLength(12);
    expect(rs.pods[0]).toMatchObject({ name: 'web-new-07', isReady: false, ready: '0/1', node: 'node-1', ip: '127.1.1.2' });
    expect(tree.services).toEqual([{ name: 'web', namespace: 'demo', type: 'ClusterIP', clusterIP: '127.224.0.9', ports: '80/TCP', readyEndpoints: 2, notReadyEndpoints: 1 }]);
    expect(tree.configMaps.map((c) => c.name)).toEqual(['settings']);
  });

  it('lists every other kind the Application manages from its status, with health and sync, in kind order', () => {
    const withResources = obj('Application', 'demo', {
      meta: { namespace: 'default' },
      status: {
        resources: [
          { group: 'apps', kind: 'Deployment', namespace: 'demo', name: 'web', status: 'Synced', health: { status: 'Healthy' } },
          { group: '', kind: 'ConfigMap', namespace: 'demo', name: 'settings', status: 'Synced' },
          { group: 'batch', kind: 'Job', namespace: 'demo', name: 'migrate', status: 'Synced', health: { status: 'Progressing' } },
          { group: 'apps', kind: 'StatefulSet', namespace: 'demo', name: 'db', status: 'OutOfSync', health: { status: 'Degraded' } },
          { group: 'stable.example.com', kind: 'CronTab', namespace: 'demo', name: 'nightly', status: 'Synced' },
        ],
      },
    });
    const tree = resourceTree('default/demo', stateOf(withResources), 12);
    expect(tree.others).toEqual([
      { kind: 'CronTab', namespace: 'demo', name: 'nightly', sync: 'Synced', health: '' },
      { kind: 'Job', namespace: 'demo', name: 'migrate', sync: 'Synced', health: 'Progressing' },
      { kind: 'StatefulSet', namespace: 'demo', name: 'db', sync: 'OutOfSync', health: 'Degraded' },
    ]);
  });

  it('finds a pod\'s Application through its owners, and follows deletes', () => {
    const s = stateOf(app, deployment('web', 1, '1'), replicaSet('web-a', 'web', '1', 1, 1), pod('web-a-1', 'web-a'));
    expect(appKeyOf(s.get('Pod', 'demo', 'web-a-1')!, s)).toBe('default/demo');
    s.apply({ type: 'DELETED', kind: 'Pod', object: pod('web-a-1', 'web-a') });
    expect(resourceTree('default/demo', s).deployments[0].replicaSets[0].podCount).toBe(0);
    s.apply({ type: 'ADDED', kind: 'Pod', object: pod('web-a-2', 'web-a', { phase: 'Pending', ready: false }) });
    expect(resourceTree('default/demo', s).deployments[0].replicaSets[0].phases).toEqual({ Pending: 1 });
  });

  it('keeps each Application to its own objects across changes, with many Applications in one state', () => {
    const apps = Array.from({ length: 50 }, (_, i) => obj('Application', `app-${i}`, { meta: { namespace: 'default' } }));
    const maps = apps.map((_, i) => obj('ConfigMap', `cm-${i}`, { meta: { annotations: { 'skiff.dev/tracking-id': `default/app-${i}:/ConfigMap:demo/cm-${i}` } } }));
    const s = stateOf(...apps, ...maps);
    expect(resourceTree('default/app-7', s).configMaps.map((c) => c.name)).toEqual(['cm-7']);
    s.apply({ type: 'ADDED', kind: 'ConfigMap', object: obj('ConfigMap', 'cm-7b', { meta: { annotations: { 'skiff.dev/tracking-id': 'default/app-7:/ConfigMap:demo/cm-7b' } } }) });
    s.apply({ type: 'DELETED', kind: 'ConfigMap', object: maps[8] });
    expect(resourceTree('default/app-7', s).configMaps.map((c) => c.name)).toEqual(['cm-7', 'cm-7b']);
    expect(resourceTree('default/app-8', s).configMaps).toEqual([]);
  });
});

describe('nodes', () => {
  it.each([
    ['250m', 250],
    ['2', 2000],
    ['1.5', 1500],
    [undefined, 0],
  ])('parseCpu(%s) = %s', (q, m) => expect(parseCpu(q)).toBe(m));

  it.each([
    ['64Mi', 64 * 2 ** 20],
    ['1Gi', 2 ** 30],
    ['1G', 1e9],
    ['512', 512],
    ['1e3', 1000],
    [undefined, 0],
  ])('parseBytes(%s) = %s', (q, b) => expect(parseBytes(q)).toBe(b));

  it('sums the requests of the pods bound to a node, leaving out finished pods', () => {
    const node = obj('Node', 'node-1', { status: { allocatable: { cpu: '4', memory: '8Gi', pods: '110' }, conditions: [{ type: 'Ready', status: 'True' }], nodeInfo: { containerRuntimeVersion: 'containerd://1.6.20' } } });
    const pods = [
      pod('a', 'rs', { node: 'node-1', cpu: '100m', memory: '64Mi' }),
      pod('b', 'rs', { node: 'node-1', cpu: '1', memory: '1Gi' }),
      pod('c', 'rs', { node: 'node-1', cpu: '1', phase: 'Succeeded' }),
      pod('d', 'rs', { node: 'node-2', cpu: '1' }),
      pod('e', 'rs', {}),
    ];
    const byNode = podsByNode(pods);
    expect([...byNode.keys()].sort()).toEqual(['node-1', 'node-2']);
    expect(nodeView(node, byNode.get('node-1')!)).toEqual({
      name: 'node-1',
      ready: 'Ready',
      unschedulable: false,
      cpu: { requested: 1100, allocatable: 4000 },
      memory: { requested: 2 ** 30 + 64 * 2 ** 20, allocatable: 8 * 2 ** 30 },
      pods: 2,
      podCapacity: 110,
      runtime: 'containerd://1.6.20',
    });
  });
});

describe('events and webhooks', () => {
  it('puts warnings first, then the newest, capped', () => {
    const ev = (name: string, type: string, t: string) => obj('Event', name, { type, reason: name, message: 'm', lastTimestamp: t, involvedObject: { kind: 'Pod', name: 'p' } });
    const v = eventsView([ev('old', 'Normal', '2025-01-01T00:00:00Z'), ev('new', 'Normal', '2025-01-03T00:00:00Z'), ev('warn', 'Warning', '2025-01-02T00:00:00Z')], 2);
    expect(v.map((e) => e.reason)).toEqual(['warn', 'new']);
    expect(v[0].object).toBe('Pod/p');
  });

  it('shows the last delivery and failures', () => {
    const w = obj('Webhook', 'hook', { spec: { url: 'https://h/x' }, status: { failures: 2, lastDelivery: { time: 't2', event: 'sync.failed', error: 'ECONNREFUSED' }, recentDeliveries: [{ time: 't1', event: 'sync.succeeded', statusCode: 200 }] } });
    expect(webhookView(w)).toMatchObject({ name: 'hook', failures: 2, last: { ok: false, result: 'ECONNREFUSED' }, recent: [{ ok: true, result: 'HTTP 200' }] });
  });

  it('formats ages', () => {
    const now = Date.parse('2025-01-01T01:00:00Z');
    expect(age('2025-01-01T00:59:30Z', now)).toBe('30s');
    expect(age('2025-01-01T00:00:00Z', now)).toBe('1h');
  });
});
