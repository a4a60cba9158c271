import { describe, expect, it } from 'vitest';
import { RESOURCE_TYPES } from './kinds/registry.js';
import type { Kind } from './kinds/kind.js';
import { humanDuration, tableColumnsFor, toTable, type TableRow } from './tables.js';
import type { KubeObject } from './types.js';

const NOW = new Date('2024-06-01T12:00:00Z');
const ago = (ms: number) => new Date(NOW.getTime() - ms).toISOString().replace('.000Z', 'Z');
const S = 1000;
const M = 60 * S;
const H = 60 * M;
const D = 24 * H;

function typeOf(kind: string): Kind {
  return RESOURCE_TYPES.find((r) => r.kind === kind)!;
}

function row(kind: string, obj: Record<string, unknown>): TableRow {
  const table = toTable([obj as KubeObject], typeOf(kind), { now: NOW });
  return (table.rows as TableRow[])[0];
}

describe('humanDuration', () => {
  it.each([
    [0, '0s'],
    [-1500, '0s'],
    [-2500, '<invalid>'],
    [59 * S, '59s'],
    [119 * S, '119s'],
    [120 * S, '2m'],
    [200 * S, '3m20s'],
    [599 * S, '9m59s'],
    [10 * M, '10m'],
    [179 * M, '179m'],
    [3 * H, '3h'],
    [5.5 * H, '5h30m'],
    [8 * H, '8h'],
    [47 * H, '47h'],
    [48 * H, '2d'],
    [51 * H, '2d3h'],
    [8 * D, '8d'],
    [400 * D, '400d'],
    [730 * D, '2y'],
    [750 * D, '2y20d'],
    [9 * 365 * D, '9y'],
  ])('%i ms reads %s', (ms, text) => {
    expect(humanDuration(ms)).toBe(text);
  });
});

const meta = (name: string, age: number, extra: Record<string, unknown> = {}) => ({ name, namespace: 'default', creationTimestamp: ago(age), ...extra });

const podSpec = { containers: [{ name: 'web', image: 'example/web:v1' }], nodeName: 'node-1' };

const running = (extra: Record<string, unknown> = {}) => ({
  phase: 'Running',
  podIP: '10.244.0.5',
  podIPs: [{ ip: '10.244.0.5' }],
  conditions: [{ type: 'Ready', status: 'True' }],
  containerStatuses: [{ name: 'web', ready: true, restartCount: 0, state: { running: { startedAt: ago(200 * S) } } }],
  ...extra,
});

describe('Pod rows match kubectl', () => {
  it.each<[string, Record<string, unknown>, unknown[]]>([
    ['running', { metadata: meta('web-1', 200 * S), spec: podSpec, status: running() }, ['web-1', '1/1', 'Running', '0', '3m20s', '10.244.0.5', 'node-1', '<none>', '<none>']],
    ['pending, unscheduled', { metadata: meta('web-2', 5 * S), spec: { containers: podSpec.containers }, status: { phase: 'Pending' } }, ['web-2', '0/1', 'Pending', '0', '5s', '<none>', '<none>', '<none>', '<none>']],
    [
      'crash looping with a recent restart',
      {
        metadata: meta('web-3', 1 * H),
        spec: podSpec,
        status: running({
          conditions: [{ type: 'Ready', status: 'False' }],
          containerStatuses: [
            {
              name: 'web',
              ready: false,
              restartCount: 5,
              state: { waiting: { reason: 'CrashLoopBackOff' } },
              lastState: { terminated: { exitCode: 1, reason: 'Error', finishedAt: ago(5 * M) } },
            },
          ],
        }),
      },
      ['web-3', '0/1', 'CrashLoopBackOff', '5 (5m ago)', '60m', '10.244.0.5', 'node-1', '<none>', '<none>'],
    ],
    [
      'pulling its image',
      { metadata: meta('web-4', 10 * S), spec: podSpec, status: { phase: 'Pending', containerStatuses: [{ name: 'web', ready: false, restartCount: 0, state: { waiting: { reason: 'ContainerCreating' } } }] } },
      ['web-4', '0/1', 'ContainerCreating', '0', '10s', '<none>', 'node-1', '<none>', '<none>'],
    ],
    [
      'killed without a reason',
      { metadata: meta('web-5', 2 * M), spec: podSpec, status: { phase: 'Running', containerStatuses: [{ name: 'web', restartCount: 0, state: { terminated: { exitCode: 137 } } }] } },
      ['web-5', '0/1', 'ExitCode:137', '0', '2m', '<none>', 'node-1', '<none>', '<none>'],
    ],
    [
      'being deleted',
      { metadata: meta('web-6', 3 * D, { deletionTimestamp: ago(1 * S) }), spec: podSpec, status: running() },
      ['web-6', '1/1', 'Terminating', '0', '3d', '10.244.0.5', 'node-1', '<none>', '<none>'],
    ],
    [
      'on a lost node',
      { metadata: meta('web-7', 3 * D, { deletionTimestamp: ago(1 * S) }), spec: podSpec, status: running({ reason: 'NodeLost' }) },
      ['web-7', '1/1', 'Unknown', '0', '3d', '10.244.0.5', 'node-1', '<none>', '<none>'],
    ],
    [
      'waiting for its first init container',
      {
        metadata: meta('web-8', 30 * S),
        spec: { ...podSpec, initContainers: [{ name: 'migrate', image: 'm' }] },
        status: { phase: 'Pending', initContainerStatuses: [{ name: 'migrate', restartCount: 0, state: { running: {} } }], containerStatuses: [{ name: 'web', state: { waiting: { reason: 'PodInitializing' } } }] },
      },
      ['web-8', '0/1', 'Init:0/1', '0', '30s', '<none>', 'node-1', '<none>', '<none>'],
    ],
    [
      'with a crashing init container',
      {
        metadata: meta('web-9', 30 * S),
        spec: { ...podSpec, initContainers: [{ name: 'a', image: 'a' }, { name: 'b', image: 'b' }] },
        status: {
          phase: 'Pending',
          initContainerStatuses: [
            { name: 'a', restartCount: 0, state: { terminated: { exitCode: 0, reason: 'Completed' } } },
            { name: 'b', restartCount: 2, state: { waiting: { reason: 'CrashLoopBackOff' } }, lastState: { terminated: { exitCode: 1, finishedAt: ago(20 * S) } } },
          ],
        },
      },
      ['web-9', '0/1', 'Init:CrashLoopBackOff', '2 (20s ago)', '30s', '<none>', 'node-1', '<none>', '<none>'],
    ],
    [
      'with a failed init container',
      {
        metadata: meta('web-10', 30 * S),
        spec: { ...podSpec, initContainers: [{ name: 'a', image: 'a' }] },
        status: { phase: 'Pending', initContainerStatuses: [{ name: 'a', restartCount: 0, state: { terminated: { exitCode: 3, reason: 'Error' } } }] },
      },
      ['web-10', '0/1', 'Init:Error', '0', '30s', '<none>', 'node-1', '<none>', '<none>'],
    ],
    [
      'with a started sidecar',
      {
        metadata: meta('web-11', 30 * S),
        spec: { ...podSpec, initContainers: [{ name: 'proxy', image: 'p', restartPolicy: 'Always' }] },
        status: running({
          conditions: [{ type: 'Initialized', status: 'True' }, { type: 'Ready', status: 'True' }],
          initContainerStatuses: [{ name: 'proxy', ready: true, started: true, restartCount: 1, state: { running: {} }, lastState: { terminated: { exitCode: 1, finishedAt: ago(10 * S) } } }],
        }),
      },
      ['web-11', '2/2', 'Running', '1 (10s ago)', '30s', '10.244.0.5', 'node-1', '<none>', '<none>'],
    ],
    [
      'with readiness gates',
      {
        metadata: meta('web-12', 30 * S),
        spec: { ...podSpec, readinessGates: [{ conditionType: 'example.com/lb' }, { conditionType: 'example.com/dns' }] },
        status: running({ nominatedNodeName: 'node-2', conditions: [{ type: 'Ready', status: 'True' }, { type: 'example.com/lb', status: 'True' }] }),
      },
      ['web-12', '1/1', 'Running', '0', '30s', '10.244.0.5', 'node-1', 'node-2', '1/2'],
    ],
  ])('%s', (_name, pod, cells) => {
    expect(row('Pod', { apiVersion: 'v1', kind: 'Pod', ...pod }).cells).toEqual(cells);
  });

  it('marks finished pods Completed, as kubectl uses to dim them', () => {
    const r = row('Pod', {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: meta('job-1', 1 * H),
      spec: { ...podSpec, restartPolicy: 'Never' },
      status: { phase: 'Succeeded', containerStatuses: [{ name: 'web', ready: false, restartCount: 0, state: { terminated: { exitCode: 0, reason: 'Completed' } } }] },
    });
    expect(r.cells.slice(0, 4)).toEqual(['job-1', '0/1', 'Completed', '0']);
    expect(r.conditions).toEqual([{ type: 'Completed', status: 'True', reason: 'Succeeded', message: 'The pod has completed successfully.' }]);
  });
});

describe('rows of the other kinds match kubectl', () => {
  it.each<[string, string, Record<string, unknown>, unknown[]]>([
    ['Namespace', 'Active', { metadata: { name: 'default', creationTimestamp: ago(5 * D) }, status: { phase: 'Active' } }, ['default', 'Active', '5d']],
    [
      'Node',
      'ready, with roles',
      {
        metadata: { name: 'node-1', creationTimestamp: ago(51 * H), labels: { 'node-role.kubernetes.io/worker': '', 'node-role.kubernetes.io/control-plane': '', 'kubernetes.io/role': 'edge' } },
        status: {
          conditions: [{ type: 'MemoryPressure', status: 'False' }, { type: 'Ready', status: 'True' }],
          addresses: [{ type: 'Hostname', address: 'node-1' }, { type: 'InternalIP', address: '10.0.0.1' }],
          nodeInfo: { kubeletVersion: 'v1.30.0', osImage: 'Ubuntu 22.04', kernelVersion: '6.1.0', containerRuntimeVersion: 'skiff://0.1.0' },
        },
      },
      ['node-1', 'Ready', 'control-plane,edge,worker', '2d3h', 'v1.30.0', '10.0.0.1', '<none>', 'Ubuntu 22.04', '6.1.0', 'skiff://0.1.0'],
    ],
    [
      'Node',
      'cordoned without status',
      { metadata: { name: 'node-2', creationTimestamp: ago(10 * S) }, spec: { unschedulable: true } },
      ['node-2', 'Unknown,SchedulingDisabled', '<none>', '10s', '', '<none>', '<none>', '<unknown>', '<unknown>', '<unknown>'],
    ],
    [
      'Node',
      'not ready',
      { metadata: { name: 'node-3', creationTimestamp: ago(10 * S) }, status: { conditions: [{ type: 'Ready', status: 'Unknown' }] } },
      ['node-3', 'NotReady', '<none>', '10s', '', '<none>', '<none>', '<unknown>', '<unknown>', '<unknown>'],
    ],
    [
      'Service',
      'ClusterIP',
      { metadata: meta('web', 1 * H), spec: { type: 'ClusterIP', clusterIP: '10.96.0.10', clusterIPs: ['10.96.0.10'], selector: { tier: 'front', app: 'web' }, ports: [{ port: 80, protocol: 'TCP' }] } },
      ['web', 'ClusterIP', '10.96.0.10', '<none>', '80/TCP', '60m', 'app=web,tier=front'],
    ],
    [
      'Service',
      'NodePort with two ports',
      { metadata: meta('web', 1 * H), spec: { type: 'NodePort', clusterIP: '10.96.0.11', ports: [{ port: 80, nodePort: 30080, protocol: 'TCP' }, { port: 53, nodePort: 30053, protocol: 'UDP' }] } },
      ['web', 'NodePort', '10.96.0.11', '<none>', '80:30080/TCP,53:30053/UDP', '60m', '<none>'],
    ],
    [
      'Service',
      'LoadBalancer without an address yet',
      { metadata: meta('lb', 1 * M), spec: { type: 'LoadBalancer', clusterIP: '10.96.0.12', ports: [{ port: 443, nodePort: 31443, protocol: 'TCP' }] } },
      ['lb', 'LoadBalancer', '10.96.0.12', '<pending>', '443:31443/TCP', '60s', '<none>'],
    ],
    [
      'Service',
      'LoadBalancer with addresses',
      { metadata: meta('lb', 1 * M), spec: { type: 'LoadBalancer', clusterIP: '10.96.0.12', ports: [{ port: 443, nodePort: 31443, protocol: 'TCP' }] }, status: { loadBalancer: { ingress: [{ ip: '203.0.113.9' }, { hostname: 'lb.example.com' }] } } },
      ['lb', 'LoadBalancer', '10.96.0.12', '203.0.113.9,lb.example.com', '443:31443/TCP', '60s', '<none>'],
    ],
    [
      'Service',
      'ExternalName',
      { metadata: meta('db', 1 * M), spec: { type: 'ExternalName', externalName: 'db.example.com' } },
      ['db', 'ExternalName', '<none>', 'db.example.com', '<none>', '60s', '<none>'],
    ],
    [
      'Service',
      'headless',
      { metadata: meta('web-headless', 1 * M), spec: { type: 'ClusterIP', clusterIP: 'None', selector: { app: 'web' } } },
      ['web-headless', 'ClusterIP', 'None', '<none>', '<none>', '60s', 'app=web'],
    ],
    [
      'Endpoints',
      'more than three',
      { metadata: meta('web', 1 * M), subsets: [{ addresses: [{ ip: '10.0.0.1' }, { ip: '10.0.0.2' }], ports: [{ port: 8080 }, { port: 9090 }] }] },
      ['web', '10.0.0.1:8080,10.0.0.2:8080,10.0.0.1:9090 + 1 more...', '60s'],
    ],
    ['Endpoints', 'none yet', { metadata: meta('web', 1 * M) }, ['web', '<none>', '60s']],
    ['Endpoints', 'headless without ports', { metadata: meta('web', 1 * M), subsets: [{ addresses: [{ ip: 'fd00::1' }] }] }, ['web', 'fd00::1', '60s']],
    ['ConfigMap', 'data and binaryData', { metadata: meta('cfg', 45 * S), data: { a: '1', b: '2' }, binaryData: { c: 'AA==' } }, ['cfg', 3, '45s']],
    ['ConfigMap', 'empty', { metadata: meta('cfg', 45 * S) }, ['cfg', 0, '45s']],
    ['Secret', 'Opaque', { metadata: meta('s', 10 * S), type: 'Opaque', data: { password: 'eA==' } }, ['s', 'Opaque', 1, '10s']],
    [
      'Event',
      'repeated',
      {
        metadata: meta('web-1.17a0', 10 * M),
        involvedObject: { kind: 'Pod', name: 'web-1', namespace: 'default', fieldPath: 'spec.containers{web}' },
        reason: 'BackOff',
        message: 'Back-off restarting failed container\n',
        type: 'Warning',
        source: { component: 'kubelet', host: 'node-1' },
        firstTimestamp: ago(10 * M),
        lastTimestamp: ago(30 * S),
        count: 7,
      },
      ['30s', 'Warning', 'BackOff', 'pod/web-1', 'spec.containers{web}', 'kubelet, node-1', 'Back-off restarting failed container', '10m', 7, 'web-1.17a0'],
    ],
    [
      'Event',
      'new-style, about a kind only',
      { metadata: meta('e', 5 * S), involvedObject: { kind: 'Node' }, reason: 'Starting', type: 'Normal', eventTime: ago(5 * S), reportingComponent: 'skiff-agent' },
      ['5s', 'Normal', 'Starting', 'node', '', 'skiff-agent', '', '5s', 1, 'e'],
    ],
    ['Lease', 'held', { metadata: meta('node-1', 45 * S), spec: { holderIdentity: 'node-1_abc' } }, ['node-1', 'node-1_abc', '45s']],
    ['Lease', 'free', { metadata: meta('leader', 45 * S), spec: {} }, ['leader', '', '45s']],
    [
      'Deployment',
      'just created',
      { metadata: meta('web', 5 * S), spec: { replicas: 2, selector: { matchLabels: { app: 'web' } }, template: { spec: { containers: [{ name: 'web', image: 'example/web:v1' }, { name: 'log', image: 'fluent:2' }] } } } },
      ['web', '0/2', 0, 0, '5s', 'web,log', 'example/web:v1,fluent:2', 'app=web'],
    ],
    [
      'Deployment',
      'rolled out, with selector expressions',
      {
        metadata: meta('api', 3 * D),
        spec: { replicas: 3, selector: { matchLabels: { app: 'api' }, matchExpressions: [{ key: 'env', operator: 'NotIn', values: ['test', 'dev'] }, { key: 'canary', operator: 'DoesNotExist' }] }, template: { spec: { containers: [{ name: 'api', image: 'api:2' }] } } },
        status: { replicas: 3, readyReplicas: 3, updatedReplicas: 3, availableReplicas: 3 },
      },
      ['api', '3/3', 3, 3, '3d', 'api', 'api:2', 'app=api,!canary,env notin (dev,test)'],
    ],
    [
      'ReplicaSet',
      'partly ready',
      { metadata: meta('web-5d4f8', 1 * M), spec: { replicas: 2, selector: { matchLabels: { app: 'web', 'pod-template-hash': '5d4f8' } }, template: { spec: { containers: [{ name: 'web', image: 'example/web:v1' }] } } }, status: { replicas: 2, readyReplicas: 1 } },
      ['web-5d4f8', 2, 2, 1, '60s', 'web', 'example/web:v1', 'app=web,pod-template-hash=5d4f8'],
    ],
    ['ReplicaSet', 'scaled to zero', { metadata: meta('old', 1 * M), spec: { replicas: 0, selector: {}, template: {} } }, ['old', 0, 0, 0, '60s', '', '', '<none>']],
  ])('%s %s', (kind, _name, obj, cells) => {
    expect(row(kind, obj).cells).toEqual(cells);
  });

  it('shows NAME and AGE for kinds without a printer, and <unknown> without a timestamp', () => {
    const widget = { ...typeOf('ConfigMap'), group: 'skiff.dev', kind: 'Widget', printer: undefined };
    const table = toTable(
      [
        { apiVersion: 'skiff.dev/v1alpha1', kind: 'Widget', metadata: { name: 'w', creationTimestamp: ago(30 * S) } },
        { apiVersion: 'skiff.dev/v1alpha1', kind: 'Widget', metadata: { name: 'x' } },
      ],
      widget,
      { now: NOW },
    );
    expect((table.columnDefinitions as { name: string }[]).map((c) => c.name)).toEqual(['Name', 'Age']);
    expect((table.rows as TableRow[]).map((r) => r.cells)).toEqual([
      ['w', '30s'],
      ['x', '<unknown>'],
    ]);
  });
});

describe('the Table object', () => {
  const pods: KubeObject[] = [
    { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'a', namespace: 'default', resourceVersion: '7', uid: 'u1', creationTimestamp: ago(S) }, spec: podSpec },
    { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'b', namespace: 'default', resourceVersion: '9', uid: 'u2', creationTimestamp: ago(S) }, spec: podSpec },
  ];

  it('is a meta.k8s.io/v1 Table with the list metadata and PartialObjectMetadata rows', () => {
    const table = toTable(pods, typeOf('Pod'), { now: NOW, resourceVersion: '12', continue: 'tok' });
    expect(table.apiVersion).toBe('meta.k8s.io/v1');
    expect(table.kind).toBe('Table');
    expect(table.metadata).toEqual({ resourceVersion: '12', continue: 'tok' });
    const rows = table.rows as TableRow[];
    expect(rows).toHaveLength(2);
    expect(rows[0].object).toEqual({ apiVersion: 'meta.k8s.io/v1', kind: 'PartialObjectMetadata', metadata: pods[0].metadata });
  });

  it('carries whole objects, or none, when asked', () => {
    expect((toTable(pods, typeOf('Pod'), { now: NOW, includeObject: 'Object' }).rows as TableRow[])[1].object).toEqual(pods[1]);
    expect((toTable(pods, typeOf('Pod'), { now: NOW, includeObject: 'None' }).rows as TableRow[])[1]).not.toHaveProperty('object');
  });

  it('uses a single object’s resourceVersion and can leave out the headers', () => {
    const table = toTable([pods[0]], typeOf('Pod'), { now: NOW, noHeaders: true });
    expect(table.metadata).toEqual({ resourceVersion: '7' });
    expect(table).not.toHaveProperty('columnDefinitions');
  });

  it.each<[string, string[], string[]]>([
    ['Namespace', ['Name', 'Status', 'Age'], []],
    ['Node', ['Name', 'Status', 'Roles', 'Age', 'Version'], ['Internal-IP', 'External-IP', 'OS-Image', 'Kernel-Version', 'Container-Runtime']],
    ['Pod', ['Name', 'Ready', 'Status', 'Restarts', 'Age'], ['IP', 'Node', 'Nominated Node', 'Readiness Gates']],
    ['Service', ['Name', 'Type', 'Cluster-IP', 'External-IP', 'Port(s)', 'Age'], ['Selector']],
    ['Endpoints', ['Name', 'Endpoints', 'Age'], []],
    ['ConfigMap', ['Name', 'Data', 'Age'], []],
    ['Secret', ['Name', 'Type', 'Data', 'Age'], []],
    ['Event', ['Last Seen', 'Type', 'Reason', 'Object', 'Message'], ['Subobject', 'Source', 'First Seen', 'Count', 'Name']],
    ['Lease', ['Name', 'Holder', 'Age'], []],
    ['Deployment', ['Name', 'Ready', 'Up-to-date', 'Available', 'Age'], ['Containers', 'Images', 'Selector']],
    ['ReplicaSet', ['Name', 'Desired', 'Current', 'Ready', 'Age'], ['Containers', 'Images', 'Selector']],
    ['Application', ['Name', 'Sync', 'Health', 'Revision', 'Age'], ['Repo', 'Path', 'Target']],
    ['Webhook', ['Name', 'URL', 'Events', 'Last Delivery', 'Age'], []],
  ])('%s columns: %j, wide adds %j', (kind, normal, wide) => {
    const columns = tableColumnsFor(typeOf(kind));
    expect(columns.filter((c) => c.priority === 0).map((c) => c.name)).toEqual(normal);
    expect(columns.filter((c) => c.priority === 1).map((c) => c.name)).toEqual(wide);
    for (const c of columns) expect(Object.keys(c).sort()).toEqual(['description', 'format', 'name', 'priority', 'type']);
    expect(columns.filter((c) => c.format === 'name').map((c) => c.name)).toEqual(['Name']);
  });

  it('has one cell per column for every kind', () => {
    for (const type of RESOURCE_TYPES) {
      const table = toTable([{ apiVersion: 'v1', kind: type.kind, metadata: { name: 'x' } }], type, { now: NOW });
      expect((table.rows as TableRow[])[0].cells).toHaveLength((table.columnDefinitions as unknown[]).length);
    }
  });
});

describe('skiff.dev rows', () => {
  const source = { repoURL: 'https://git.example.com/team/shop.git', targetRevision: 'main', path: 'deploy' };

  it.each<[string, Record<string, unknown>, unknown[]]>([
    [
      'a synced, healthy Application',
      { metadata: meta('shop', 90 * S), spec: { source }, status: { sync: { status: 'Synced', revision: '3f2a9c1d8e7b6a5f4e3d2c1b0a9f8e7d6c5b4a39' }, health: { status: 'Healthy' } } },
      ['shop', 'Synced', 'Healthy', '3f2a9c1', '90s', 'https://git.example.com/team/shop.git', 'deploy', 'main'],
    ],
    ['an Application not yet compared', { metadata: meta('new', 5 * S), spec: { source } }, ['new', 'Unknown', 'Unknown', '<none>', '5s', 'https://git.example.com/team/shop.git', 'deploy', 'main']],
  ])('Application: %s', (_name, obj, cells) => {
    expect(row('Application', obj).cells).toEqual(cells);
  });

  it.each<[string, Record<string, unknown>, unknown[]]>([
    ['all events, never delivered', { metadata: meta('all', 2 * M), spec: { url: 'https://h.example/x' } }, ['all', 'https://h.example/x', 'all', '<none>', '2m']],
    ['two events, last delivery 200', { metadata: meta('two', 2 * M), spec: { url: 'https://h.example/x', events: ['sync.failed', 'sync.succeeded'] }, status: { lastDelivery: { statusCode: 200 } } }, ['two', 'https://h.example/x', 2, 200, '2m']],
    ['a failed delivery', { metadata: meta('err', 2 * M), spec: { url: 'https://h.example/x' }, status: { lastDelivery: { error: 'connect ECONNREFUSED' } } }, ['err', 'https://h.example/x', 'all', 'connect ECONNREFUSED', '2m']],
  ])('Webhook: %s', (_name, obj, cells) => {
    expect(row('Webhook', obj).cells).toEqual(cells);
  });
});
