import { describe, expect, it } from 'vitest';
import { backoffMessage, inBackoff, nextBackoff, shouldRestart, type BackoffEntry } from './crashLoopBackoff.js';

const policy = { baseMs: 10_000, maxMs: 300_000 };

/** A container that crashes as soon as it starts: when does each restart happen? */
function restartTimes(crashes: number): number[] {
  let entry: BackoffEntry | undefined;
  let now = 0;
  const starts: number[] = [];
  for (let i = 0; i < crashes; i++) {
    const finishedAt = now; // crashes immediately
    if (inBackoff(entry, finishedAt, now, policy)) now = finishedAt + entry!.delayMs;
    entry = nextBackoff(entry, now, policy);
    starts.push(now);
  }
  return starts;
}

describe('crash-loop backoff', () => {
  it('restarts at once, then after 10s, 20s, 40s ... capped at 5m', () => {
    const starts = restartTimes(9);
    const waits = starts.map((t, i) => (i === 0 ? t : t - starts[i - 1]));
    expect(waits).toEqual([0, 10_000, 20_000, 40_000, 80_000, 160_000, 300_000, 300_000, 300_000]);
  });

  it.each([
    // entry, finishedAt, now, in backoff?
    [undefined, 0, 0, false],
    [{ delayMs: 10_000, lastUpdateMs: 0 }, 1000, 5000, true],
    [{ delayMs: 10_000, lastUpdateMs: 0 }, 1000, 11_000, false],
    // a container that ran longer than twice the cap starts over
    [{ delayMs: 300_000, lastUpdateMs: 0 }, 700_000, 700_001, false],
  ])('inBackoff(%j, %i, %i) = %s', (entry, finishedAt, now, expected) => {
    expect(inBackoff(entry, finishedAt, now, policy)).toBe(expected);
  });

  it('resets the delay after a long healthy run', () => {
    expect(nextBackoff({ delayMs: 160_000, lastUpdateMs: 0 }, 700_000, policy)).toEqual({ delayMs: 10_000, lastUpdateMs: 700_000 });
  });

  it('says what kubelet says', () => {
    expect(backoffMessage(20_000, 'web', { name: 'web-abc12', namespace: 'default', uid: 'u-1' })).toBe(
      'back-off 20s restarting failed container=web pod=web-abc12_default(u-1)',
    );
  });
});

describe('shouldRestart', () => {
  it.each([
    ['Always', 0, true],
    ['Always', 1, true],
    ['OnFailure', 0, false],
    ['OnFailure', 137, true],
    ['Never', 0, false],
    ['Never', 1, false],
  ] as const)('%s with exit %i: %s', (policyName, code, expected) => {
    expect(shouldRestart(policyName, code)).toBe(expected);
  });
});
