import { describe, expect, it } from 'vitest';
import { formatGoDuration, microTime, rfc3339 } from './time.js';

describe('formatGoDuration', () => {
  it.each([
    [0, '0s'],
    [250, '250ms'],
    [1000, '1s'],
    [1500, '1.5s'],
    [10_000, '10s'],
    [20_000, '20s'],
    [80_000, '1m20s'],
    [300_000, '5m0s'],
    [3_723_000, '1h2m3s'],
  ])('%i ms -> %s', (ms, text) => {
    expect(formatGoDuration(ms)).toBe(text);
  });
});

describe('timestamps', () => {
  const d = new Date('2026-11-25T10:00:00.123Z');
  it('MicroTime has six fractional digits', () => expect(microTime(d)).toBe('2026-11-25T10:00:00.123000Z'));
  it('Time has whole seconds', () => expect(rfc3339(d)).toBe('2026-11-25T10:00:00Z'));
});
