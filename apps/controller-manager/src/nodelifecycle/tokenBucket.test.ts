import { describe, expect, it } from 'vitest';
import { TokenBucket } from './tokenBucket.js';

describe('TokenBucket', () => {
  it('starts full, then gives one token per 1/qps seconds, never holding more than the burst', () => {
    const b = new TokenBucket(0.1, 0);
    expect(b.tryTake(0)).toBe(true);
    expect(b.tryTake(0)).toBe(false);
    expect(b.tryTake(3000)).toBe(false);
    expect(b.msUntil(1, 3000)).toBe(7000);
    expect(b.msUntil(2, 3000)).toBe(17_000);
    expect(b.tryTake(9999)).toBe(false);
    expect(b.tryTake(10_000)).toBe(true);
    // A long quiet spell earns one token, not ten.
    expect(b.tryTake(110_000)).toBe(true);
    expect(b.tryTake(110_000)).toBe(false);
  });

  it('counts a token earned in small steps as a token despite float error', () => {
    const b = new TokenBucket(0.1, 0);
    b.tryTake(0);
    // Ten refills of 0.1 add up to 0.9999999999999999 in floats.
    for (let t = 1000; t < 10_000; t += 1000) expect(b.tryTake(t)).toBe(false);
    expect(b.tryTake(10_000)).toBe(true);
  });

  it('never gives a token at rate 0, and keeps what it earned when the rate changes', () => {
    const b = new TokenBucket(0, 0);
    expect(b.tryTake(0)).toBe(false);
    expect(b.msUntil(1, 0)).toBe(Infinity);
    b.setRate(1, 5000);
    expect(b.tryTake(5000)).toBe(true);
    b.setRate(0.5, 5500); // half a token earned at 1/s
    expect(b.msUntil(1, 5500)).toBe(1000);
    expect(b.tryTake(6499)).toBe(false);
    expect(b.tryTake(6500)).toBe(true);
  });
});
