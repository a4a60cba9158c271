const UNIT_MS: Record<string, number> = { ns: 1e-6, us: 1e-3, µs: 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
const DURATION = /^(?:\d+(?:\.\d+)?(?:ns|us|µs|ms|s|m|h))+$/;
const PART = /(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/g;

/**
 * Milliseconds in a Go `time.Duration` string as Flux's `interval` fields take them: `30s`, `5m`,
 * `1h30m`, `1.5h`. Undefined for anything else (a bare number has no unit in Go, so it is refused).
 */
export function parseGoDuration(text: string): number | undefined {
  if (!DURATION.test(text)) return undefined;
  let ms = 0;
  for (const [, value, unit] of text.matchAll(PART)) ms += Number(value) * UNIT_MS[unit];
  return ms;
}
