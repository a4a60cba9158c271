import type { RetryStrategy } from './applicationSpec.js';

const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** A Go duration as Argo CD writes them ("5s", "3m", "1h30m", "500ms"); undefined when it is not one. */
export function parseDuration(text: string): number | undefined {
  const parts = [...text.trim().matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h)/g)];
  if (!parts.length || parts.map((p) => p[0]).join('') !== text.trim()) return undefined;
  return parts.reduce((ms, p) => ms + Number(p[1]) * UNITS[p[2]], 0);
}

/**
 * How long to wait before retry number `retryCount + 1`, as Argo CD computes it: duration x
 * factor^retryCount, capped at maxDuration (defaults 5s, 2, 3m). Example: 5s, factor 2 -> 5s, 10s,
 * 20s, 40s, 80s, 160s, then 180s every time.
 */
export function retryDelayMs(strategy: RetryStrategy, retryCount: number): number {
  const base = parseDuration(strategy.backoff?.duration ?? '5s') ?? 5000;
  const factor = strategy.backoff?.factor ?? 2;
  const max = parseDuration(strategy.backoff?.maxDuration ?? '3m') ?? 180_000;
  return Math.min(base * factor ** retryCount, max);
}

/** Whether a failed operation that has been retried `retryCount` times may be retried again (a negative limit: always). */
export function mayRetry(strategy: RetryStrategy | undefined, retryCount: number): boolean {
  if (!strategy) return false;
  const limit = strategy.limit ?? 0;
  return limit < 0 || retryCount < limit;
}
