import { describe, expect, it } from 'vitest';
import type { HostInfo } from './hostInfo.js';
import { buildNode, nodeCapacity, nodeConditions, reregisteredNode, type NodeConfig } from './nodeObject.js';

const host: HostInfo = { cpus: 8, memoryBytes: 16 * 2 ** 30, architecture: 'amd64', kernelVersion: '6.1.0', osImage: 'Debian', machineID: 'm', systemUUID: 's', bootID: 'b' };
const cfg = (over: Partial<NodeConfig> = {}): NodeConfig => ({
  name: 'node-a',
  podCIDR: '127.16.0.0/16',
  nodeIP: '127.0.0.1',
  port: 10250,
  maxPods: 110,
  labels: { zone: 'eu' },
  isolation: { mode: 'bubblewrap', message: 'sandboxed' },
  simulated: false,
  ...over,
});
const now = new Date('2026-01-01T00:00:00Z');

describe('buildNode', () => {
  const node = buildNode(cfg(), host, now);
  const status = node.status as any;

  it('labels the node as Kubernetes does, plus the configured labels', () => {
    expect(node.metadata.labels).toMatchObject({ 'kubernetes.io/hostname': 'node-a', 'kubernetes.io/os': 'linux', 'kubernetes.io/arch': 'amd64', zone: 'eu' });
    expect(node.metadata.annotations).toEqual({ 'skiff.dev/isolation': 'bubblewrap' });
  });

  it('reports addresses, the daemon endpoint and node info', () => {
    expect(status.addresses).toEqual([{ type: 'InternalIP', address: '127.0.0.1' }, { type: 'Hostname', address: 'node-a' }]);
    expect(status.daemonEndpoints).toEqual({ kubeletEndpoint: { Port: 10250 } });
    expect(status.nodeInfo).toMatchObject({ kubeletVersion: 'v1.32.0-skiff', containerRuntimeVersion: 'process://bubblewrap', operatingSystem: 'linux', architecture: 'amd64' });
    expect(node.spec).toEqual({ podCIDR: '127.16.0.0/16', podCIDRs: ['127.16.0.0/16'] });
  });

  it.each([
    [{}, { cpu: '8', memory: '16777216Ki', pods: '110' }],
    [{ cpu: '4', memory: '8Gi', maxPods: 20 }, { cpu: '4', memory: '8388608Ki', pods: '20' }],
  ] as [Partial<NodeConfig>, Record<string, string>][])('capacity with %j', (over, capacity) => {
    expect(nodeCapacity(cfg(over), host)).toEqual(capacity);
  });

  it.each([
    ['bubblewrap', 'True', 'BubblewrapSandbox'],
    ['none', 'False', 'IsolationUnavailable'],
  ] as const)('Isolated is %s -> %s', (mode, status, reason) => {
    const c = nodeConditions(cfg({ isolation: { mode, message: 'why' } }), now).find((x) => x.type === 'Isolated');
    expect(c).toMatchObject({ status, reason, message: 'why' });
  });

  it('is Ready with a fresh heartbeat, keeping the transition time', () => {
    const first = nodeConditions(cfg(), now);
    const later = nodeConditions(cfg(), new Date('2026-01-01T00:05:00Z'), first).find((c) => c.type === 'Ready')!;
    expect(later).toMatchObject({ status: 'True', reason: 'KubeletReady', lastHeartbeatTime: '2026-01-01T00:05:00Z', lastTransitionTime: '2026-01-01T00:00:00Z' });
  });
});

describe('reregisteredNode', () => {
  const desired = buildNode(cfg(), host, now);
  it('keeps what others added, sets our labels, and changes nothing when all is in place', () => {
    const existing = { ...desired, metadata: { ...desired.metadata, labels: { other: 'x' } }, spec: { podCIDR: '127.16.0.0/16', taints: [{ key: 'k', effect: 'NoSchedule' }] } };
    const next = reregisteredNode(existing, desired)!;
    expect(next.metadata.labels).toMatchObject({ other: 'x', 'kubernetes.io/hostname': 'node-a' });
    expect((next.spec as any).taints).toHaveLength(1);
    expect(reregisteredNode(next, desired)).toBeUndefined();
  });
});
