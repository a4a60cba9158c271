import { describe, expect, it } from 'vitest';
import { makeDaemonPod, makeDaemonSet, makeNode } from '../testing/daemonBuilders.js';
import { computeDaemonSetStatus, sameDaemonSetStatus } from './daemonSetStatus.js';
import { podsByNode } from './managePlan.js';

const NOW = new Date('2026-01-05T00:00:00Z');

describe('computeDaemonSetStatus', () => {
  it('counts per node: desired, current, misscheduled, ready, available, updated, unavailable', () => {
    const ds = makeDaemonSet().nodeSelector({ role: 'x' }).generation(3).build();
    const nodes = [
      makeNode('ready-old').label('role', 'x').build(),
      makeNode('new-not-ready').label('role', 'x').build(),
      makeNode('empty').label('role', 'x').build(),
      makeNode('left').build(),
      makeNode('other').build(),
    ];
    const pods = [
      makeDaemonPod('p1').on('ready-old').hash('h0').ready().build(),
      makeDaemonPod('p2').on('new-not-ready').build(),
      makeDaemonPod('p3').on('left').ready().build(),
    ];
    const { status } = computeDaemonSetStatus(ds, nodes, podsByNode(pods), 'new', NOW, true);
    expect(status).toEqual({
      desiredNumberScheduled: 3,
      currentNumberScheduled: 2,
      numberMisscheduled: 1,
      numberReady: 1,
      numberAvailable: 1,
      numberUnavailable: 2,
      updatedNumberScheduled: 1,
      observedGeneration: 3,
    });
  });

  it('the oldest pod on a node decides, and minReadySeconds defers availability with a requeue time', () => {
    const ds = makeDaemonSet().minReady(60).build();
    const pods = [makeDaemonPod('young').on('a').ready('2026-01-01T00:00:00Z').created('2026-01-02T00:00:00Z').build(), makeDaemonPod('old').on('a').ready('2026-01-04T23:59:30Z').build()];
    const { status, nextAvailableAt } = computeDaemonSetStatus(ds, [makeNode('a').build()], podsByNode(pods), 'new', NOW, true);
    expect(status.numberReady).toBe(1);
    expect(status.numberAvailable).toBe(0);
    expect(nextAvailableAt).toBe(Date.parse('2026-01-05T00:00:30Z'));
  });

  it('keeps the stored observedGeneration when told not to observe, and compares missing counts as zero', () => {
    const ds = makeDaemonSet().generation(2).status({ observedGeneration: 1 }).build();
    const { status } = computeDaemonSetStatus(ds, [], new Map(), 'new', NOW, false);
    expect(status.observedGeneration).toBe(1);
    expect(sameDaemonSetStatus(ds.status, status)).toBe(true);
    expect(sameDaemonSetStatus(ds.status, { ...status, observedGeneration: 2 })).toBe(false);
  });
});
