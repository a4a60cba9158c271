import { describe, expect, it } from 'vitest';
import { leaseDurationSeconds, nodeLease } from './nodeHeartbeat.js';

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
