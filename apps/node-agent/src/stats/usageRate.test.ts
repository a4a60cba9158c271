import { describe, expect, it } from 'vitest';
import { usageNanoCores } from './usageRate.js';

describe('usageNanoCores', () => {
  it.each([
    ['half a core over 10 s', { cpuNs: 12e9, at: 0 }, { cpuNs: 17e9, at: 10_000 }, 500_000_000],
    ['two cores over 2 s', { cpuNs: 0, at: 1000 }, { cpuNs: 4e9, at: 3000 }, 2_000_000_000],
    ['idle', { cpuNs: 5e9, at: 0 }, { cpuNs: 5e9, at: 10_000 }, 0],
    ['no earlier sample', undefined, { cpuNs: 5e9, at: 10_000 }, undefined],
    ['the counter went back (a process left the container)', { cpuNs: 5e9, at: 0 }, { cpuNs: 4e9, at: 10_000 }, undefined],
    ['same instant', { cpuNs: 5e9, at: 10 }, { cpuNs: 6e9, at: 10 }, undefined],
  ] as const)('%s', (_n, prev, cur, want) => {
    expect(usageNanoCores(prev, cur)).toBe(want);
  });
});
