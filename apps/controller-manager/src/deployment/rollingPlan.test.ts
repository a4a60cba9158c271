import { describe, expect, it } from 'vitest';
import type { KubeObject } from '@skiff/apimachinery';
import { makeDeployment, makeRS } from '../testing/builders.js';
import { planNewReplicaSet, planOldReplicaSets, planRollingStep, newReplicaSetReplicas } from './rollingPlan.js';

const sizes = (actions: { rs: KubeObject; replicas: number }[]) => Object.fromEntries(actions.map((a) => [a.rs.metadata.name, a.replicas]));

describe('newReplicaSetReplicas (how far the new set may grow)', () => {
  it.each([
    // replicas, surge, unavailable, old size, new size, want
    [3, 1, 0, 3, 0, 1],
    [3, 1, 0, 3, 1, 1],
    [3, 1, 0, 2, 1, 2],
    [10, 3, 2, 10, 0, 3],
    [10, '25%', '25%', 10, 0, 3],
    [3, 0, 1, 3, 0, 0],
    [3, 0, 1, 2, 0, 1],
    [5, 5, 0, 5, 0, 5],
  ] as const)('%i replicas, surge %s, unavailable %s, old %i, new %i -> %i', (replicas, surge, unavailable, oldSize, newSize, want) => {
    const d = makeDeployment(replicas, { maxSurge: surge, maxUnavailable: unavailable });
    const old = makeRS('old').replicas(oldSize).available(oldSize).build();
    const next = makeRS('new').replicas(newSize).build();
    expect(newReplicaSetReplicas(d, [old, next], next)).toBe(want);
  });

  it('is all replicas at once for Recreate', () => {
    expect(newReplicaSetReplicas(makeDeployment(4, { type: 'Recreate' }), [], makeRS('new').build())).toBe(4);
  });
});

describe('planOldReplicaSets (how far old sets may shrink)', () => {
  it.each([
    // maxUnavailable 0 / maxSurge 1, 3 replicas: the new pod must be available first.
    ['new pod not yet available', 3, 1, 0, { old: [3, 3] }, [1, 0], {}],
    ['new pod available', 3, 1, 0, { old: [3, 3] }, [1, 1], { old: 2 }],
    ['two new available', 3, 1, 0, { old: [2, 2] }, [2, 2], { old: 1 }],
    ['last old pod', 3, 1, 0, { old: [1, 1] }, [3, 3], { old: 0 }],
    // maxUnavailable 1, surge 0: one old pod may go before anything new is ready.
    ['unavailable budget', 3, 0, 1, { old: [3, 3] }, [0, 0], { old: 2 }],
    // Unhealthy old pods go first; they serve nobody. Nothing moves while the new pod is unavailable.
    ['unhealthy old pods wait for the new pod', 3, 1, 0, { old: [3, 1] }, [1, 0], {}],
    ['unhealthy old pods first', 3, 1, 0, { old: [3, 1] }, [1, 1], { old: 2 }],
    // 10 replicas, maxUnavailable 2, surge 3: old 10 all available, new 3 not -> 13-8-3 = 2.
    ['worked example', 10, 3, 2, { old: [10, 10] }, [3, 0], { old: 8 }],
  ] as const)('%s', (_, replicas, surge, unavailable, oldSpec, [newSize, newAvail], want) => {
    const d = makeDeployment(replicas, { maxSurge: surge, maxUnavailable: unavailable });
    const old = makeRS('old').replicas(oldSpec.old[0]).available(oldSpec.old[1]).build();
    const next = makeRS('new').replicas(newSize).available(newAvail).build();
    expect(sizes(planOldReplicaSets(d, [old, next], [old], next))).toEqual(want);
  });

  it('scales the oldest of several old sets first', () => {
    const d = makeDeployment(4, { maxSurge: 0, maxUnavailable: 2 });
    const older = makeRS('older').replicas(2).available(2).created('2026-01-01T00:00:00Z').build();
    const old = makeRS('old').replicas(2).available(2).created('2026-01-02T00:00:00Z').build();
    const next = makeRS('new').replicas(0).build();
    expect(sizes(planOldReplicaSets(d, [older, old, next], [older, old], next))).toEqual({ older: 0 });
  });

  it('does not count pods above an old set\'s size as available (its status may lag)', () => {
    const d = makeDeployment(3, { maxSurge: 1, maxUnavailable: 0 });
    // Scaled to 2 a moment ago; the status still says 3 available.
    const old = makeRS('old').replicas(2).available(3).build();
    const next = makeRS('new').replicas(2).available(1).build();
    expect(planOldReplicaSets(d, [old, next], [old], next)).toEqual([]);
  });
});

describe('planRollingStep: a 3-replica rollout with maxSurge 1, maxUnavailable 0 never drops below 3 available', () => {
  it('walks from old to new one pod at a time', () => {
    const d = makeDeployment(3, { maxSurge: 1, maxUnavailable: 0 });
    let old = makeRS('old').replicas(3).available(3).build();
    let next = makeRS('new').replicas(0).build();
    const trail: string[] = [];
    for (let i = 0; i < 20; i++) {
      const step = planRollingStep(d, next, [old]);
      if (step.phase === 'wait') {
        // The kubelet makes the new pods available; then the controller looks again.
        const n = (next.spec as { replicas: number }).replicas;
        if ((next.status as { availableReplicas: number }).availableReplicas === n && (old.spec as { replicas: number }).replicas === 0) break;
        next = makeRS('new').replicas(n).available(n).build();
        continue;
      }
      for (const a of step.actions) {
        if (a.rs.metadata.name === 'new') next = makeRS('new').replicas(a.replicas).available((next.status as { availableReplicas: number }).availableReplicas).build();
        else old = makeRS('old').replicas(a.replicas).available(Math.min(a.replicas, (old.status as { availableReplicas: number }).availableReplicas)).build();
      }
      const available = (old.status as { availableReplicas: number }).availableReplicas + (next.status as { availableReplicas: number }).availableReplicas;
      expect(available).toBeGreaterThanOrEqual(3);
      trail.push(`${step.phase}:${(old.spec as { replicas: number }).replicas}/${(next.spec as { replicas: number }).replicas}`);
    }
    expect(trail).toEqual(['scale-up:3/1', 'scale-down:2/1', 'scale-up:2/2', 'scale-down:1/2', 'scale-up:1/3', 'scale-down:0/3']);
  });

  it('shrinks a new set that is larger than replicas', () => {
    const d = makeDeployment(2);
    const next = makeRS('new').replicas(5).available(5).build();
    expect(sizes([planNewReplicaSet(d, [next], next)!])).toEqual({ new: 2 });
  });
});
