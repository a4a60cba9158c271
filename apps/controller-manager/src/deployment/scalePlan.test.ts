import { describe, expect, it } from 'vitest';
import type { KubeObject } from '@skiff/apimachinery';
import { makeDeployment, makeRS } from '../testing/builders.js';
import { isScalingEvent, planScale } from './scalePlan.js';

const sizes = (actions: { rs: KubeObject; replicas: number }[]) => Object.fromEntries(actions.map((a) => [a.rs.metadata.name, a.replicas]));
const DESIRED = 'deployment.kubernetes.io/desired-replicas';
const MAX = 'deployment.kubernetes.io/max-replicas';

describe('planScale', () => {
  it('gives a lone active set every replica', () => {
    const rs = makeRS('only').replicas(3).annotate(DESIRED, '3').build();
    expect(sizes(planScale(makeDeployment(5), rs, [], 3))).toEqual({ only: 5 });
  });

  it('does nothing when the lone set is already the right size', () => {
    const rs = makeRS('only').replicas(5).build();
    expect(planScale(makeDeployment(5), rs, [], 5)).toEqual([]);
  });

  it('scales old sets to zero once the new one is saturated', () => {
    const next = makeRS('new').replicas(3).available(3).annotate(DESIRED, '3').build();
    const old = makeRS('old').replicas(1).available(1).build();
    expect(sizes(planScale(makeDeployment(3), next, [old], 4))).toEqual({ old: 0 });
  });

  it.each([
    // The worked example in planScale's comment: 10 -> 20 with surge 3, old 8 and new 5.
    [20, 3, 8, 5, 13, { old: 14, new: 9 }],
    // Scaling down 10 -> 5 with surge 3: allowed 8, 5 to remove from 8+5: round(8*8/13)=5, round(5*8/13)=3.
    [5, 3, 8, 5, 13, { old: 5, new: 3 }],
  ] as const)('spreads a change to %i replicas in proportion (surge %i, old %i, new %i)', (replicas, surge, oldSize, newSize, maxReplicas, want) => {
    const d = makeDeployment(replicas, { maxSurge: surge, maxUnavailable: 0 });
    const old = makeRS('old').replicas(oldSize).annotate(MAX, String(maxReplicas)).annotate(DESIRED, '10').created('2026-01-01T00:00:00Z').build();
    const next = makeRS('new').replicas(newSize).annotate(MAX, String(maxReplicas)).annotate(DESIRED, '10').created('2026-01-02T00:00:00Z').build();
    const plan = sizes(planScale(d, next, [old], oldSize + newSize));
    expect(plan).toEqual(want);
  });

  it('sees a scaling event when an active set was sized for another count', () => {
    const rs = makeRS('a').replicas(3).annotate(DESIRED, '3').build();
    expect(isScalingEvent(makeDeployment(3), [rs])).toBe(false);
    expect(isScalingEvent(makeDeployment(4), [rs])).toBe(true);
    expect(isScalingEvent(makeDeployment(4), [makeRS('idle').replicas(0).annotate(DESIRED, '3').build()])).toBe(false);
  });
});
