import { describe, expect, it } from 'vitest';
import { formatRFC3339InZone, parseCronSchedule } from './cronSchedule.js';

const next = (spec: string, after: string, tz?: string) => {
  const p = parseCronSchedule(spec, tz);
  if (!p.ok) throw new Error(p.error);
  return p.schedule.next(new Date(after)).toISOString();
};

describe('parseCronSchedule: robfig ParseStandard semantics', () => {
  it.each([
    ['every minute', '*/1 * * * *', '2026-01-01T10:00:30Z', '2026-01-01T10:01:00.000Z'],
    ['strictly after an activation', '*/1 * * * *', '2026-01-01T10:01:00Z', '2026-01-01T10:02:00.000Z'],
    ['@hourly', '@hourly', '2026-01-01T10:00:00Z', '2026-01-01T11:00:00.000Z'],
    ['weekday names', '0 9 * * MON-FRI', '2026-01-03T10:00:00Z', '2026-01-05T09:00:00.000Z'],
    ['month names', '0 0 1 FEB *', '2026-01-03T10:00:00Z', '2026-02-01T00:00:00.000Z'],
    ['? is *', '0 0 ? * *', '2026-01-03T10:00:00Z', '2026-01-04T00:00:00.000Z'],
    ['@every', '@every 1h30m', '2026-01-01T10:00:00.700Z', '2026-01-01T11:30:00.000Z'],
  ])('%s', (_, spec, after, want) => {
    expect(next(spec, after)).toBe(want);
  });

  it('reads the schedule in the CronJob time zone', () => {
    // 09:00 in Berlin in January is 08:00 UTC.
    expect(next('0 9 * * *', '2026-01-05T00:00:00Z', 'Europe/Berlin')).toBe('2026-01-05T08:00:00.000Z');
  });

  it.each([
    ['', 'empty spec string'],
    ['* * * *', 'expected exactly 5 fields, found 4: [* * * *]'],
    ['0 * * * * *', 'expected exactly 5 fields, found 6: [0 * * * * *]'],
    ['60 * * * *', 'end of range (60) above maximum (59): 60'],
    ['* * 0 * *', 'beginning of range (0) below minimum (1): 0'],
    ['* * * * 7', 'end of range (7) above maximum (6): 7'],
    ['5-2 * * * *', 'beginning of range (5) beyond end of range (2): 5-2'],
    ['*/0 * * * *', 'step of range should be a positive number: */0'],
    ['L * * * *', 'failed to parse int from L: strconv.Atoi: parsing "L": invalid syntax'],
    ['@fortnightly', 'unrecognized descriptor: @fortnightly'],
  ])('refuses %j: %s', (spec, error) => {
    expect(parseCronSchedule(spec)).toEqual({ ok: false, error });
  });
});

describe('formatRFC3339InZone', () => {
  it.each([
    ['2026-01-05T08:00:00.500Z', 'UTC', '2026-01-05T08:00:00Z'],
    ['2026-01-05T08:00:00Z', 'Europe/Berlin', '2026-01-05T09:00:00+01:00'],
    ['2026-07-05T08:00:00Z', 'America/New_York', '2026-07-05T04:00:00-04:00'],
  ])('%s in %s', (t, tz, want) => {
    expect(formatRFC3339InZone(new Date(t), tz)).toBe(want);
  });
});
