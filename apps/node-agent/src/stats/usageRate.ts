/**
 * CPU usage as a rate: the kubelet (through cAdvisor) reports usageNanoCores as the difference
 * of two cumulative samples over the time between them.
 *
 * Worked example: a container at 12.0 s of cpu, 10 s later at 17.0 s: 5e9 ns / 10 s =
 * 500,000,000 nanocores = 500m, half a core.
 */
export interface CumulativeCpu {
  /** Cumulative cpu time (ns). */
  cpuNs: number;
  /** When it was read (ms since the epoch). */
  at: number;
}

/** Nanocores between two samples; undefined without a usable pair (same instant, or a restarted counter). */
export function usageNanoCores(prev: CumulativeCpu | undefined, cur: CumulativeCpu): number | undefined {
  if (!prev || cur.at <= prev.at || cur.cpuNs < prev.cpuNs) return undefined;
  return Math.round(((cur.cpuNs - prev.cpuNs) * 1000) / (cur.at - prev.at));
}
