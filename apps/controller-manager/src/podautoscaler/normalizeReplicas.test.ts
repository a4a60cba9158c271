import { describe, expect, it } from 'vitest';
import type { HPAScalingRules } from 'kubernetes-types/autoscaling/v2.js';
import {
  normalizeWithBehavior,
  normalizeWithoutBehavior,
  scaleDownLimitWithRules,
  scaleUpLimitWithRules,
  storeScaleEvent,
  type TimestampedRecommendation,
  type TimestampedScaleEvent,
} from './normalizeReplicas.js';

const NOW = 1_000_000_000;
const rec = (recommendation: number, secondsAgo: number): TimestampedRecommendation => ({ recommendation, timestamp: NOW - secondsAgo * 1000 });
const ev = (replicaChange: number, secondsAgo: number): TimestampedScaleEvent => ({ replicaChange, timestamp: NOW - secondsAgo * 1000, outdated: false });

/** Kubernetes' defaults: up {Pods 4, Percent 100} per 15 s, no window; down 100 % per 15 s, 300 s window. */
const UP: Required<HPAScalingRules> = { stabilizationWindowSeconds: 0, selectPolicy: 'Max', policies: [{ type: 'Pods', value: 4, periodSeconds: 15 }, { type: 'Percent', value: 100, periodSeconds: 15 }] };
const DOWN: Required<HPAScalingRules> = { stabilizationWindowSeconds: 300, selectPolicy: 'Max', policies: [{ type: 'Percent', value: 100, periodSeconds: 15 }] };

describe('normalizeWithoutBehavior', () => {
  it.each([
    // name, current, desired, min, max, history, want, ableToScale reason, limited reason
    ['steady', 3, 3, 1, 10, [], 3, 'ReadyForNewScale', 'DesiredWithinRange'],
    ['scale up within 2x', 3, 5, 1, 10, [], 5, 'ReadyForNewScale', 'DesiredWithinRange'],
    ['scale up beyond max(2x, 4)', 2, 9, 1, 10, [], 4, 'ReadyForNewScale', 'ScaleUpLimit'],
    ['scale up beyond max', 3, 9, 1, 5, [], 5, 'ReadyForNewScale', 'TooManyReplicas'],
    ['scale down held by a recent higher recommendation', 5, 2, 1, 10, [rec(5, 120)], 5, 'ScaleDownStabilized', 'DesiredWithinRange'],
    ['scale down once the window passed', 5, 2, 1, 10, [rec(5, 301)], 2, 'ReadyForNewScale', 'DesiredWithinRange'],
    ['below min', 3, 0, 2, 10, [], 2, 'ReadyForNewScale', 'TooFewReplicas'],
  ] as const)('%s', (_n, current, desired, min, max, history, want, able, limited) => {
    const got = normalizeWithoutBehavior({ currentReplicas: current, desiredReplicas: desired, minReplicas: min, maxReplicas: max, recommendations: [...history], stabilizationWindowMs: 300_000, now: NOW });
    expect(got.desiredReplicas).toBe(want);
    expect(got.ableToScale.reason).toBe(able);
    expect(got.scalingLimited.reason).toBe(limited);
  });

  it('records the recommendation, reusing an expired slot', () => {
    const got = normalizeWithoutBehavior({ currentReplicas: 3, desiredReplicas: 4, minReplicas: 1, maxReplicas: 10, recommendations: [rec(7, 400), rec(3, 10)], stabilizationWindowMs: 300_000, now: NOW });
    expect(got.recommendations).toEqual([rec(4, 0), rec(3, 10)]);
  });
});

describe('normalizeWithBehavior', () => {
  it.each([
    // name, current, desired, history, scaleUp, scaleDown, want, ableToScale, limited
    ['scale up, default policies: 2 -> 6 (+4 pods beats +100 %)', 2, 10, [], UP, DOWN, 6, 'ReadyForNewScale', 'ScaleUpLimit'],
    ['scale up, select Min: 2 -> 4', 2, 10, [], { ...UP, selectPolicy: 'Min' }, DOWN, 4, 'ReadyForNewScale', 'ScaleUpLimit'],
    ['scale up disabled', 2, 10, [], { ...UP, selectPolicy: 'Disabled' }, DOWN, 2, 'ReadyForNewScale', 'ScaleUpLimit'],
    ['scale down held by the 300 s window', 4, 1, [rec(4, 200), rec(2, 100)], UP, DOWN, 4, 'ScaleDownStabilized', 'DesiredWithinRange'],
    ['scale down after the window: to the highest left', 4, 1, [rec(4, 301), rec(2, 100)], UP, DOWN, 2, 'ScaleDownStabilized', 'DesiredWithinRange'],
    ['scale down with no window', 4, 1, [rec(4, 5)], UP, { ...DOWN, stabilizationWindowSeconds: 0 }, 1, 'ReadyForNewScale', 'DesiredWithinRange'],
    ['scale down limited to 1 pod per period', 4, 1, [], UP, { ...DOWN, stabilizationWindowSeconds: 0, policies: [{ type: 'Pods', value: 1, periodSeconds: 60 }] }, 3, 'ReadyForNewScale', 'ScaleDownLimit'],
    ['scale up held by an up window', 2, 6, [rec(3, 30)], { ...UP, stabilizationWindowSeconds: 60 }, DOWN, 3, 'ScaleUpStabilized', 'DesiredWithinRange'],
    ['above max', 8, 20, [], UP, DOWN, 10, 'ReadyForNewScale', 'TooManyReplicas'],
  ] as const)('%s', (_n, current, desired, history, up, down, want, able, limited) => {
    const got = normalizeWithBehavior({
      currentReplicas: current,
      desiredReplicas: desired,
      minReplicas: 1,
      maxReplicas: 10,
      scaleUp: up as Required<HPAScalingRules>,
      scaleDown: down as Required<HPAScalingRules>,
      recommendations: [...history],
      scaleUpEvents: [],
      scaleDownEvents: [],
      now: NOW,
    });
    expect(got.desiredReplicas).toBe(want);
    expect(got.ableToScale.reason).toBe(able);
    expect(got.scalingLimited.reason).toBe(limited);
    expect(got.scalingLimited.limited).toBe(limited !== 'DesiredWithinRange');
  });
});

describe('scale limits from past events', () => {
  it.each([
    // 5 replicas after adding 2 in the last 15 s: Pods 4 -> 3+4 = 7, Percent 100 -> ceil(3*2) = 6.
    ['Max', [ev(2, 10)], 7],
    ['Min', [ev(2, 10)], 6],
    // Events older than the period do not count: 5+4 = 9 vs 10.
    ['Max', [ev(2, 20)], 10],
    ['Disabled', [], 5],
  ] as const)('scale-up %s with %j -> %i', (select, events, want) => {
    expect(scaleUpLimitWithRules(5, [...events], [], { ...UP, selectPolicy: select }, NOW)).toBe(want);
  });

  it.each([
    // 10 replicas: Percent 50 -> 5, Pods 3 -> 7; Max picks the bigger change.
    ['Max', [], 5],
    ['Min', [], 7],
    // 2 removed in the period: measured from 12 -> Percent 6, Pods 9.
    ['Max', [ev(2, 30)], 6],
  ] as const)('scale-down %s with %j -> %i', (select, events, want) => {
    const rules: Required<HPAScalingRules> = { stabilizationWindowSeconds: 0, selectPolicy: select, policies: [{ type: 'Percent', value: 50, periodSeconds: 60 }, { type: 'Pods', value: 3, periodSeconds: 60 }] };
    expect(scaleDownLimitWithRules(10, [], [...events], rules, NOW)).toBe(want);
  });

  it('stores events, marking and reusing outdated ones', () => {
    const events = { up: [ev(1, 100), ev(2, 5)], down: [] };
    const got = storeScaleEvent(events, { scaleUp: UP, scaleDown: DOWN }, 3, 6, NOW);
    expect(got.up).toEqual([ev(3, 0), ev(2, 5)]);
    expect(storeScaleEvent(events, { scaleUp: UP, scaleDown: DOWN }, 6, 4, NOW).down).toEqual([ev(2, 0)]);
    expect(storeScaleEvent(events, { scaleUp: UP, scaleDown: DOWN }, 4, 4, NOW)).toBe(events);
  });
});
