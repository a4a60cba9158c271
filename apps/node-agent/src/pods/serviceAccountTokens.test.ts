import { describe, expect, it } from 'vitest';
import { tokenRefreshAtMs } from './serviceAccountTokens.js';

const HOUR = 3600_000;

describe('tokenRefreshAtMs', () => {
  it.each([
    ['an hour-long token, at 80% of its life', 0, HOUR, 0.8 * HOUR],
    ['a ten-minute token', 1000, 1000 + 600_000, 1000 + 480_000],
    ['a week-long token, after a day', 0, 7 * 24 * HOUR, 24 * HOUR],
  ])('%s', (_, issuedAtMs, expiresAtMs, expected) => {
    expect(tokenRefreshAtMs({ ok: true, token: 't', issuedAtMs, expiresAtMs })).toBe(expected);
  });

  it('has nothing to renew for a token that was not issued', () => {
    expect(tokenRefreshAtMs({ ok: false, message: 'failed' })).toBeUndefined();
  });
});
