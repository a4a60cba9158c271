import { describe, expect, it } from 'vitest';
import { RequestRateLimiter } from './requestRateLimiter.js';

describe('RequestRateLimiter', () => {
  it('lets a burst through at once, then one request per 1/qps, and a full burst again after a quiet spell', () => {
    let now = 0;
    const limiter = new RequestRateLimiter(10, 3, () => now);
    expect(Array.from({ length: 5 }, () => limiter.reserve())).toEqual([0, 0, 0, 100, 200]);
    now = 1300;
    expect(Array.from({ length: 4 }, () => limiter.reserve())).toEqual([0, 0, 0, 100]);
  });

  it('spaces requests evenly at burst 1', () => {
    let now = 0;
    const limiter = new RequestRateLimiter(4, 1, () => now);
    expect([limiter.reserve(), limiter.reserve()]).toEqual([0, 250]);
    now = 250;
    expect(limiter.reserve()).toBe(250);
  });

  it('refuses a rate that would never let a request through', () => {
    expect(() => new RequestRateLimiter(0, 1)).toThrow(/qps > 0/);
    expect(() => new RequestRateLimiter(5, 0)).toThrow(/burst >= 1/);
  });
});
