import { describe, expect, it } from 'vitest';
import type { KubeObject } from '@skiff/apimachinery';
import { nodeHealth } from './nodeHealth.js';

const NOW = new Date('2024-01-01T12:00:30Z');

function node(heartbeat?: string): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name: 'n', creationTimestamp: '2024-01-01T11:00:00Z' },
    status: heartbeat ? { conditions: [{ type: 'Ready', status: 'True', lastHeartbeatTime: heartbeat }] } : {},
  };
}
function lease(renewTime: string): KubeObject {
  return { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name: 'n', namespace: 'kube-node-lease' }, spec: { renewTime } };
}

describe('nodeHealth (grace 40 s, now 12:00:30)', () => {
  it.each<[string, KubeObject, KubeObject | undefined, { stale: boolean; staleInMs: number; lastHeartbeat: string }]>([
    ['lease renewed 30 s ago', node(), lease('2024-01-01T12:00:00.000000Z'), { stale: false, staleInMs: 10_001, lastHeartbeat: '2024-01-01T12:00:00.000Z' }],
    ['lease renewed 41 s ago', node(), lease('2024-01-01T11:59:49.000000Z'), { stale: true, staleInMs: 0, lastHeartbeat: '2024-01-01T11:59:49.000Z' }],
    ['the lease wins over an old status heartbeat', node('2024-01-01T11:00:00Z'), lease('2024-01-01T12:00:20.000000Z'), { stale: false, staleInMs: 30_001, lastHeartbeat: '2024-01-01T12:00:20.000Z' }],
    ['no lease: the Ready heartbeat', node('2024-01-01T12:00:10Z'), undefined, { stale: false, staleInMs: 20_001, lastHeartbeat: '2024-01-01T12:00:10.000Z' }],
    ['no lease, old Ready heartbeat', node('2024-01-01T11:00:00Z'), undefined, { stale: true, staleInMs: 0, lastHeartbeat: '2024-01-01T11:00:00.000Z' }],
    ['never heard from: its creation', node(), undefined, { stale: true, staleInMs: 0, lastHeartbeat: '2024-01-01T11:00:00.000Z' }],
  ])('%s', (_what, n, l, expected) => {
    const h = nodeHealth(n, l, NOW, 40_000);
    expect({ stale: h.stale, staleInMs: h.staleInMs, lastHeartbeat: h.lastHeartbeat.toISOString() }).toEqual(expected);
  });
});
