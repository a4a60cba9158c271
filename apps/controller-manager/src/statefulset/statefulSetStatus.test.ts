import { describe, expect, it } from 'vitest';
import { makeSet, makeStatefulPod } from '../testing/statefulSetBuilders.js';
import { computeReplicaStatus, sameStatefulSetStatus, statefulSetStatus } from './statefulSetStatus.js';

const NOW = new Date('2026-01-01T01:00:00Z');

describe('computeReplicaStatus', () => {
  const set = makeSet(3).build();
  it('counts created, ready, available, current and updated pods; terminating pods are replicas but neither current nor updated', () => {
    const pods = [
      makeStatefulPod(set, 0, 'r1').ready().build(),
      makeStatefulPod(set, 1, 'r2').ready('2026-01-01T00:59:50Z').build(),
      makeStatefulPod(set, 2, 'r2').ready().terminating().build(),
      { ...makeStatefulPod(set, 3, 'r2').build(), status: {} },
    ];
    const s = computeReplicaStatus(pods, 30, 'r1', 'r2', NOW);
    expect(s).toEqual({ replicas: 3, readyReplicas: 3, availableReplicas: 2, currentReplicas: 1, updatedReplicas: 1, nextAvailableAt: Date.parse('2026-01-01T01:00:20Z') });
  });
});

describe('statefulSetStatus', () => {
  const counts = (updated: number, ready: number, replicas = 3) => ({ replicas, readyReplicas: ready, availableReplicas: ready, currentReplicas: 3 - updated, updatedReplicas: updated });
  it.each<[string, ReturnType<typeof makeSet>, ReturnType<typeof counts>, string]>([
    ['rolling update in progress: current stays', makeSet(3), counts(2, 3), 'r1'],
    ['all updated and ready: the update revision becomes current', makeSet(3), counts(3, 3), 'r2'],
    ['all updated, one not ready: not yet', makeSet(3), counts(3, 2), 'r1'],
    ['OnDelete never completes by itself', makeSet(3).onDelete(), counts(3, 3), 'r1'],
  ])('%s', (_, set, c, current) => {
    const s = statefulSetStatus(set.build(), c, 'r1', 'r2', 0);
    expect(s.currentRevision).toBe(current);
    expect(s).toMatchObject({ observedGeneration: 1, updateRevision: 'r2', collisionCount: 0 });
  });

  it('sameStatefulSetStatus: equal counts are equal, a missing zero is zero, a changed revision is not equal', () => {
    const s = statefulSetStatus(makeSet(3).build(), counts(3, 3), 'r1', 'r2', 0);
    expect(sameStatefulSetStatus(structuredClone(s), s)).toBe(true);
    expect(sameStatefulSetStatus({ ...s, collisionCount: undefined }, s)).toBe(true);
    expect(sameStatefulSetStatus({ ...s, updateRevision: 'r3' }, s)).toBe(false);
    expect(sameStatefulSetStatus(undefined, s)).toBe(false);
  });
});
