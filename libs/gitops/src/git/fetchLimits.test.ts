import { describe, expect, it } from 'vitest';
import { fetchLimitMessage, fetchLimits, DEFAULT_FETCH_LIMITS } from './fetchLimits.js';

describe('fetchLimitMessage', () => {
  it.each([
    [{ limit: 'timeout', ms: 120_000 } as const, 'the fetch timed out after 120 s (the git watcher'],
    [{ limit: 'timeout', ms: 1_500 } as const, 'the fetch timed out after 1.5 s ('],
    [{ limit: 'idle', ms: 30_000 } as const, 'the fetch timed out after 30 s without data from the remote'],
    [{ limit: 'size', bytes: 256 * 2 ** 20 } as const, "the repository's packfile exceeds 256 MiB;"],
    [{ limit: 'size', bytes: 64 << 10 } as const, "the repository's packfile exceeds 0.06 MiB;"],
  ])('%o reads "%s..."', (exceeded, start) => {
    expect(fetchLimitMessage(exceeded).startsWith(start)).toBe(true);
  });
});

describe('fetchLimits', () => {
  it('fills what is unset from the defaults', () => {
    expect(fetchLimits({ idleTimeoutMs: 500 })).toEqual({ ...DEFAULT_FETCH_LIMITS, idleTimeoutMs: 500 });
    expect(DEFAULT_FETCH_LIMITS).toEqual({ timeoutMs: 120_000, idleTimeoutMs: 30_000, maxBytes: 268_435_456 });
  });
});
