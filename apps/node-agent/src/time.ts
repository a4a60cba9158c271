/** The agent's clock; injected so status computation and backoff can be tested without waiting. */
export type Clock = () => Date;

export const systemClock: Clock = () => new Date();

/** metav1.Time: RFC 3339 with second precision, as Kubernetes serialises timestamps. */
export function rfc3339(d: Date): string {
  return d.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** metav1.MicroTime (Lease renewTime): six fractional digits, e.g. `2026-11-25T10:00:00.000000Z`. */
export function microTime(d: Date): string {
  return d.toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}

/**
 * A duration as Go's time.Duration prints it, which is what kubelet messages show:
 * 10000 -> "10s", 80000 -> "1m20s", 300000 -> "5m0s", 250 -> "250ms", 1500 -> "1.5s".
 */
export function formatGoDuration(ms: number): string {
  if (ms === 0) return '0s';
  if (ms < 1000) return `${ms}ms`;
  const totalSeconds = ms / 1000;
  const hours = Math.floor(totalSeconds / 3600);
  const minutes = Math.floor((totalSeconds % 3600) / 60);
  const seconds = +(totalSeconds % 60).toFixed(3);
  if (hours > 0) return `${hours}h${minutes}m${seconds}s`;
  if (minutes > 0) return `${minutes}m${seconds}s`;
  return `${seconds}s`;
}
