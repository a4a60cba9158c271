import { CronExpressionParser } from 'cron-parser';
import { parseGoDuration } from './goDuration.js';

/**
 * CronJob schedules as Kubernetes reads them (robfig/cron's ParseStandard): five fields
 * (minute hour day-of-month month day-of-week), `?` for `*`, month and weekday names, the
 * descriptors `@yearly`/`@annually`/`@monthly`/`@weekly`/`@daily`/`@midnight`/`@hourly` and
 * `@every <duration>`, and a leading `TZ=`/`CRON_TZ=` zone (which validation refuses on new
 * CronJobs, as kube-apiserver does). Syntax errors carry robfig's messages, since they are what
 * kube-apiserver puts in its 422 and the controller in its UnparseableSchedule event; the next
 * activation times come from cron-parser.
 */

export interface CronSchedule {
  /** The first activation strictly after `after`, at a whole second. */
  next(after: Date): Date;
}

export type ParsedSchedule = { ok: true; schedule: CronSchedule } | { ok: false; error: string };

interface FieldBounds {
  min: number;
  max: number;
  names?: Record<string, number>;
}

const MONTHS: Record<string, number> = { jan: 1, feb: 2, mar: 3, apr: 4, may: 5, jun: 6, jul: 7, aug: 8, sep: 9, oct: 10, nov: 11, dec: 12 };
const DAYS: Record<string, number> = { sun: 0, mon: 1, tue: 2, wed: 3, thu: 4, fri: 5, sat: 6 };
const FIELDS: FieldBounds[] = [
  { min: 0, max: 59 },
  { min: 0, max: 23 },
  { min: 1, max: 31 },
  { min: 1, max: 12, names: MONTHS },
  { min: 0, max: 6, names: DAYS },
];

const DESCRIPTORS: Record<string, string> = {
  '@yearly': '0 0 1 1 *',
  '@annually': '0 0 1 1 *',
  '@monthly': '0 0 1 * *',
  '@weekly': '0 0 * * 0',
  '@daily': '0 0 * * *',
  '@midnight': '0 0 * * *',
  '@hourly': '0 * * * *',
};

class FieldError extends Error {}

/** Go's strconv.Atoi on a field token, with robfig's wording around it. */
function parseInt10(token: string): number {
  if (!/^[+-]?\d+$/.test(token)) throw new FieldError(`failed to parse int from ${token}: strconv.Atoi: parsing ${JSON.stringify(token)}: invalid syntax`);
  const n = Number(token);
  if (n < 0) throw new FieldError(`negative number (${n}) not allowed: ${token}`);
  return n;
}

function parseIntOrName(token: string, names: Record<string, number> | undefined): number {
  const named = names?.[token.toLowerCase()];
  return named !== undefined ? named : parseInt10(token);
}

/** robfig's getRange for one comma-separated part of a field. */
function checkRange(expr: string, bounds: FieldBounds): void {
  const rangeAndStep = expr.split('/');
  const lowAndHigh = rangeAndStep[0].split('-');
  const singleDigit = lowAndHigh.length === 1;
  let start: number;
  let end: number;
  if (lowAndHigh[0] === '*' || lowAndHigh[0] === '?') {
    start = bounds.min;
    end = bounds.max;
  } else {
    start = parseIntOrName(lowAndHigh[0], bounds.names);
    if (lowAndHigh.length === 1) end = start;
    else if (lowAndHigh.length === 2) end = parseIntOrName(lowAndHigh[1], bounds.names);
    else throw new FieldError(`too many hyphens: ${expr}`);
  }
  let step = 1;
  if (rangeAndStep.length === 2) {
    step = parseInt10(rangeAndStep[1]);
    if (singleDigit) end = bounds.max;
  } else if (rangeAndStep.length > 2) {
    throw new FieldError(`too many slashes: ${expr}`);
  }
  if (start < bounds.min) throw new FieldError(`beginning of range (${start}) below minimum (${bounds.min}): ${expr}`);
  if (end > bounds.max) throw new FieldError(`end of range (${end}) above maximum (${bounds.max}): ${expr}`);
  if (start > end) throw new FieldError(`beginning of range (${start}) beyond end of range (${end}): ${expr}`);
  if (step === 0) throw new FieldError('step of range should be a positive number: ' + expr);
}

/** cron-parser understands names only in their three-letter form: numbers go to it instead. */
function normalizeField(field: string, bounds: FieldBounds): string {
  if (!bounds.names) return field.replace(/\?/g, '*');
  return field.replace(/\?/g, '*').replace(/[A-Za-z]+/g, (name) => String(bounds.names![name.toLowerCase()]));
}

/** `@every d` fires every d (at least a second, in whole seconds) after the time it is asked about. */
function everySchedule(delayMs: number): CronSchedule {
  const delay = Math.max(1000, delayMs - (delayMs % 1000));
  return { next: (after) => new Date(Math.floor(after.getTime() / 1000) * 1000 + delay) };
}

function cronSchedule(fields: string[], tz: string): CronSchedule {
  const expression = fields.map((f, i) => normalizeField(f, FIELDS[i])).join(' ');
  // Parsed once here so that a spec cron-parser cannot read fails now, not at the first next().
  CronExpressionParser.parse(expression, { tz, currentDate: new Date(0) });
  return {
    next(after) {
      const it = CronExpressionParser.parse(expression, { tz, currentDate: new Date(Math.floor(after.getTime() / 1000) * 1000) });
      return it.next().toDate();
    },
  };
}

/**
 * Parses a CronJob schedule. `timeZone` (the CronJob's spec.timeZone) applies unless the spec
 * names its own zone; without either, schedules are read in UTC (the zone kube-controller-manager
 * runs in, in its images).
 */
export function parseCronSchedule(spec: string, timeZone?: string): ParsedSchedule {
  let text = spec.trim();
  if (!text) return { ok: false, error: 'empty spec string' };
  let tz = timeZone ?? 'UTC';
  if (text.startsWith('TZ=') || text.startsWith('CRON_TZ=')) {
    const space = text.indexOf(' ');
    const zone = text.slice(text.indexOf('=') + 1, space < 0 ? undefined : space);
    if (!isKnownTimeZone(zone)) return { ok: false, error: `provided bad location ${zone}: unknown time zone ${zone}` };
    tz = zone;
    text = space < 0 ? '' : text.slice(space).trim();
  }
  if (text.startsWith('@')) {
    if (text.startsWith('@every ')) {
      const d = parseGoDuration(text.slice('@every '.length));
      if (d === undefined) return { ok: false, error: `failed to parse duration ${text}: time: invalid duration ${JSON.stringify(text.slice('@every '.length))}` };
      return { ok: true, schedule: everySchedule(d) };
    }
    const expanded = DESCRIPTORS[text.toLowerCase()];
    if (!expanded) return { ok: false, error: `unrecognized descriptor: ${text}` };
    text = expanded;
  }
  const fields = text.split(/\s+/).filter(Boolean);
  if (fields.length !== 5) return { ok: false, error: `expected exactly 5 fields, found ${fields.length}: [${fields.join(' ')}]` };
  try {
    fields.forEach((f, i) => f.split(',').forEach((part) => checkRange(part, FIELDS[i])));
    return { ok: true, schedule: cronSchedule(fields, tz) };
  } catch (err) {
    return { ok: false, error: (err as Error).message };
  }
}

/** A zone Go's time.LoadLocation would find: an IANA name this runtime knows, or UTC. */
export function isKnownTimeZone(zone: string): boolean {
  if (!zone || zone.toLowerCase() === 'local') return false;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

/**
 * `t` as Go's time.RFC3339 writes it in `timeZone`: seconds precision, `Z` for UTC, otherwise
 * the zone's offset (`2024-11-27T10:12:00+01:00`). The CronJob controller stamps Jobs with it.
 */
export function formatRFC3339InZone(t: Date, timeZone = 'UTC'): string {
  const seconds = new Date(Math.floor(t.getTime() / 1000) * 1000);
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat('en-US', { timeZone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit' })
      .formatToParts(seconds)
      .map((p) => [p.type, p.value]),
  );
  const wall = Date.UTC(Number(parts.year), Number(parts.month) - 1, Number(parts.day), Number(parts.hour), Number(parts.minute), Number(parts.second));
  const offsetMin = Math.round((wall - seconds.getTime()) / 60_000);
  const local = `${parts.year}-${parts.month}-${parts.day}T${parts.hour}:${parts.minute}:${parts.second}`;
  if (offsetMin === 0) return `${local}Z`;
  const sign = offsetMin > 0 ? '+' : '-';
  const abs = Math.abs(offsetMin);
  return `${local}${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
}
