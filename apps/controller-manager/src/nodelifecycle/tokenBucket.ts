/**
 * A token bucket on an injected clock (ms since the epoch): `qps` tokens a second, holding at most
 * `burst`, full at the start (rate 0 gives nothing, full or not). Kubernetes rate-limits node evictions with one of burst 1, so the
 * first node goes at once and the next after 1/qps seconds.
 *
 * Example: qps 0.1, burst 1, created at t=0: take at 0 -> yes; take at 3 s -> no (0.3 tokens),
 * msUntil(1) -> 7000; take at 10 s -> yes.
 */
export class TokenBucket {
  private tokens: number;
  private last: number;

  constructor(
    private qps: number,
    nowMs: number,
    private readonly burst = 1,
  ) {
    this.tokens = burst;
    this.last = nowMs;
  }

  get rate(): number {
    return this.qps;
  }

  /** A new rate from now on; tokens earned so far at the old rate are kept. */
  setRate(qps: number, nowMs: number): void {
    this.refill(nowMs);
    this.qps = qps;
  }

  /** Takes a token if there is one; at rate 0 there never is (Kubernetes' never-accepting limiter). */
  tryTake(nowMs: number): boolean {
    this.refill(nowMs);
    if (this.qps <= 0) return false;
    // Tolerates float error: 10 s at 0.1/s is 1 token even if it adds up to 0.9999999.
    if (this.tokens < 1 - 1e-9) return false;
    this.tokens = Math.max(0, this.tokens - 1);
    return true;
  }

  /** How long until `n` tokens will have been there to take (each taken as it comes); Infinity at rate 0. */
  msUntil(n: number, nowMs: number): number {
    this.refill(nowMs);
    if (this.qps <= 0) return Infinity;
    const missing = n - this.tokens;
    if (missing <= 1e-9) return 0;
    return Math.ceil((missing / this.qps) * 1000);
  }

  private refill(nowMs: number): void {
    if (nowMs <= this.last) return;
    this.tokens = Math.min(this.burst, this.tokens + ((nowMs - this.last) / 1000) * this.qps);
    this.last = nowMs;
  }
}
