const GO_DURATION = /^(\d+(\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h)/;
const UNIT_MS: Record<string, number> = { ns: 1e-6, us: 1e-3, µs: 1e-3, μs: 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/**
 * Milliseconds in a Go `time.Duration` string, as Go's time.ParseDuration reads it (`30s`, `1h30m`,
 * `1.5h`, `0`); undefined for anything else (a bare number other than 0 has no unit in Go).
 */
export function parseGoDuration(text: string): number | undefined {
  let rest = text;
  let sign = 1;
  if (rest.startsWith('-') || rest.startsWith('+')) {
    sign = rest[0] === '-' ? -1 : 1;
    rest = rest.slice(1);
  }
  if (rest === '0') return 0;
  if (!rest) return undefined;
  let total = 0;
  while (rest) {
    const m = GO_DURATION.exec(rest);
    if (!m) return undefined;
    total += Number(m[1]) * UNIT_MS[m[3]];
    rest = rest.slice(m[0].length);
  }
  return sign * total;
}
