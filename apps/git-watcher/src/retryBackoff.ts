import { parseGoDuration } from '@skiff/apimachinery';
import type { RetryStrategy } from './applicationSpec.js';

/**
 * How long to wait before retry number `retryCount + 1`, as Argo CD computes it: duration x
 * factor^retryCount, capped at maxDuration (defaults 5s, 2, 3m). Example: 5s, factor 2 -> 5s, 10s,
 * 20s, 40s, 80s, 160s, then 180s every time.
 */
export function retryDelayMs(strategy: RetryStrategy, retryCount: number): number {
  const base = parseGoDuration(strategy.backoff?.duration ?? '5s') ?? 5000;
  const factor = strategy.backoff?.factor ?? 2;
  const max = parseGoDuration(strategy.backoff?.maxDuration ?? '3m') ?? 180_000;
  return Math.min(base * factor ** retryCount, max);
}

/** Whether a failed operation that has been retried `retryCount` times may be retried again (a negative limit: always). */
export function mayRetry(strategy: RetryStrategy | undefined, retryCount: number): boolean {
  if (!strategy) return false;
  const limit = strategy.limit ?? 0;
  return limit < 0 || retryCount < limit;
}
