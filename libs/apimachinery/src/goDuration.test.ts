import { describe, expect, it } from 'vitest';
import { parseGoDuration } from './goDuration.js';

describe('parseGoDuration, as Go\'s time.ParseDuration', () => {
  it.each<[string, number | undefined]>([
    ['30s', 30_000],
    ['5m', 300_000],
    ['1h30m', 5_400_000],
    ['1h0m0s', 3_600_000],
    ['1.5h', 5_400_000],
    ['250ms', 250],
    ['0', 0],
    ['-1m', -60_000],
    ['60', undefined],
    ['5 s', undefined],
    ['5 minutes', undefined],
    ['soon', undefined],
    ['', undefined],
  ])('%s', (text, ms) => expect(parseGoDuration(text)).toBe(ms));
});
