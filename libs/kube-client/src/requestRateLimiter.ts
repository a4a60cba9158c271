/**
 * A client's request rate, as client-go's (`--kube-api-qps`, `--kube-api-burst`): up to `burst`
 * requests go at once, then one every 1/qps seconds; a request over the rate waits its turn
 * rather than failing. Kept as the theoretical arrival time of the next request (GCRA), so no
 * timer runs while the client is idle.
 *
 * Example: qps 10 (100 ms apart), burst 3, five requests at t=0: three go at 0, the fourth at
 * 100 ms, the fifth at 200 ms; after a quiet second, three go at once again.
 */
export class RequestRateLimiter {
  private readonly intervalMs: number;
  /** When the next request would go if requests came exactly at the rate. */
  private tat = -Infinity;

  constructor(
    qps: number,
    private readonly burst: number,
    private readonly now: () => number = () => performance.now(),
  ) {
    if (!(qps > 0) || !(burst >= 1)) throw new Error(`a request rate needs qps > 0 and burst >= 1 (got ${qps}, ${burst})`);
    this.intervalMs = 1000 / qps;
  }

  /** How long the request asked for now must wait (ms); its turn is taken. */
  reserve(): number {
    const t = this.now();
    const tat = Math.max(this.tat, t);
    const sendAt = Math.max(t, tat - (this.burst - 1) * this.intervalMs);
    this.tat = tat + this.intervalMs;
    return sendAt - t;
  }

  async wait(): Promise<void> {
    const ms = this.reserve();
    if (ms > 0) await new Promise((r) => setTimeout(r, ms));
  }
}
