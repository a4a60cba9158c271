import { describe, expect, it } from 'vitest';
import { leaseDurationSeconds, nodeLease, nodeStatusChanged } from './nodeHeartbeat.js';

describe('node lease', () => {
  it.each([
    [10_000, 40],
    [2000, 8],
    [500, 2],
    [100, 1],
  ])('renewed every %i ms, it lasts %i s', (ms, seconds) => {
    expect(leaseDurationSeconds(ms)).toBe(seconds);
  });

  it('is held by the node, owned by its Node, renewed with a MicroTime', () => {
    expect(nodeLease('node-a', 'uid-1', 8, new Date('2026-11-25T10:00:00Z'))).toEqual({
      apiVersion: 'coordination.k8s.io/v1',
      kind: 'Lease',
      metadata: { name: 'node-a', namespace: 'kube-node-lease', ownerReferences: [{ apiVersion: 'v1', kind: 'Node', name: 'node-a', uid: 'uid-1' }] },
      spec: { holderIdentity: 'node-a', leaseDurationSeconds: 8, renewTime: '2026-11-25T10:00:00.000000Z' },
    });
  });
});

describe('node status changed (what makes a status worth writing before its report is due)', () => {
  const ready = (status: string, heartbeat: string, transition = '2026-11-25T09:00:00Z') => ({ type: 'Ready', status, reason: 'KubeletReady', lastHeartbeatTime: heartbeat, lastTransitionTime: transition });
  const stored = { capacity: { cpu: '4' }, conditions: [ready('True', '2026-11-25T10:00:00Z'), { type: 'NetworkUnavailable', status: 'False' }] };
  it.each([
    ['only heartbeat times moved', { capacity: { cpu: '4' }, conditions: [ready('True', '2026-11-25T10:05:00Z')] }, false],
    ['a condition set by others is theirs', { conditions: [ready('True', '2026-11-25T10:00:10Z')] }, false],
    ['a controller marked the node Unknown', { conditions: [ready('True', '2026-11-25T10:00:10Z')] }, true],
    ['a condition changed', { conditions: [ready('False', '2026-11-25T10:00:10Z', '2026-11-25T10:00:10Z')] }, true],
    ['a condition is new', { conditions: [{ type: 'DiskPressure', status: 'False' }] }, true],
    ['capacity changed', { capacity: { cpu: '8' } }, true],
    ['a field is new', { images: [{ names: ['nginx'], sizeBytes: 1 }] }, true],
  ] as const)('%s', (what, next, changed) => {
    const before = what === 'a controller marked the node Unknown' ? { ...stored, conditions: [ready('Unknown', '2026-11-25T10:00:00Z')] } : stored;
    expect(nodeStatusChanged(before, next as Record<string, unknown>)).toBe(changed);
  });
});
