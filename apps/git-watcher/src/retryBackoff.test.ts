import { describe, expect, it } from 'vitest';
import { mayRetry, retryDelayMs } from './retryBackoff.js';

describe('retry backoff', () => {
  it('doubles from 5s up to the 3m cap by default', () => {
    expect([0, 1, 2, 3, 4, 5, 6, 7].map((n) => retryDelayMs({}, n) / 1000)).toEqual([5, 10, 20, 40, 80, 160, 180, 180]);
    expect([0, 1, 2].map((n) => retryDelayMs({ backoff: { duration: '1s', factor: 3, maxDuration: '5s' } }, n) / 1000)).toEqual([1, 3, 5]);
  });

  it.each<[Parameters<typeof mayRetry>[0], number, boolean]>([
    [undefined, 0, false],
    [{}, 0, false],
    [{ limit: 2 }, 1, true],
    [{ limit: 2 }, 2, false],
    [{ limit: -1 }, 100, true],
  ])('mayRetry(%j, %d) = %s', (strategy, count, expected) => {
    expect(mayRetry(strategy, count)).toBe(expected);
  });
});
