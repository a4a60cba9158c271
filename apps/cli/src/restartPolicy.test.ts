import { describe, expect, it } from 'vitest';
import { isCrashLooping, nextRestartDelay } from './restartPolicy.js';

describe('nextRestartDelay', () => {
  it.each([
    { previous: undefined, ranMs: 10, expected: 1000 },
    { previous: 1000, ranMs: 10, expected: 2000 },
    { previous: 8000, ranMs: 59_000, expected: 16_000 },
    { previous: 16_000, ranMs: 10, expected: 30_000 },
    { previous: 30_000, ranMs: 10, expected: 30_000 },
    { previous: 30_000, ranMs: 60_000, expected: 1000 },
  ])('after a wait of $previous ms and a run of $ranMs ms: $expected ms', ({ previous, ranMs, expected }) => {
    expect(nextRestartDelay(previous, ranMs)).toBe(expected);
  });
});

describe('isCrashLooping', () => {
  const now = 1_000_000;
  it.each([
    { restarts: [], expected: false },
    { restarts: [now - 10_000, now - 5000], expected: false },
    { restarts: [now - 20_000, now - 10_000, now - 5000], expected: true },
    // The oldest restart left the five-minute window.
    { restarts: [now - 300_000, now - 10_000, now - 5000], expected: false },
  ])('restarts at $restarts: $expected', ({ restarts, expected }) => {
    expect(isCrashLooping(restarts, now)).toBe(expected);
  });
});
