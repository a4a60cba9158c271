import { describe, expect, it } from 'vitest';
import { makeDeployment } from '../testing/builders.js';
import { maxSurge, maxUnavailable, resolveFenceposts, resolveIntOrPercent } from './fenceposts.js';

describe('resolveIntOrPercent', () => {
  it.each([
    [2, 10, true, 2],
    ['25%', 10, true, 3],
    ['25%', 10, false, 2],
    ['25%', 3, true, 1],
    ['25%', 3, false, 0],
    ['100%', 7, false, 7],
    ['0%', 7, true, 0],
    ['3', 7, true, 3],
    [undefined, 7, true, 0],
  ] as const)('%s of %i (round up %s) is %i', (value, total, up, want) => {
    expect(resolveIntOrPercent(value, total, up)).toBe(want);
  });
});

describe('resolveFenceposts', () => {
  it.each([
    ['25%', '25%', 3, 1, 0],
    ['25%', '25%', 10, 3, 2],
    [0, 0, 5, 0, 1],
    [1, 0, 3, 1, 0],
    ['0%', '10%', 5, 0, 1],
    ['50%', '50%', 1, 1, 0],
  ] as const)('surge %s, unavailable %s of %i -> %i/%i', (s, u, n, surge, unavailable) => {
    expect(resolveFenceposts(s, u, n)).toEqual({ surge, unavailable });
  });

  it('caps maxUnavailable at replicas and is zero for Recreate or zero replicas', () => {
    expect(maxUnavailable(makeDeployment(2, { maxUnavailable: 5, maxSurge: 0 }))).toBe(2);
    expect(maxUnavailable(makeDeployment(0, { maxUnavailable: 1 }))).toBe(0);
    expect(maxUnavailable(makeDeployment(3, { type: 'Recreate' }))).toBe(0);
    expect(maxSurge(makeDeployment(3, { type: 'Recreate' }))).toBe(0);
  });
});
