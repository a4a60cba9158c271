import { TokenBucket } from './tokenBucket.js';
import { zoneStates, type EvictionRates, type NodeReadiness } from './zoneStates.js';

/** How often a NotReady node held back by the rate (or by a disruption) is looked at again: zone states change with other nodes. */
export const ZONE_RECHECK_MS = 5000;

export type NoExecuteDecision = { noExecute: true } | { noExecute: false; retryInMs: number };

/** One zone's line of NotReady nodes waiting for their NoExecute taints, in arrival order, and its bucket. */
class ZoneQueue {
  readonly waiting = new Set<string>();

  constructor(readonly bucket: TokenBucket) {}

  /** Keeps waiting only the nodes still NotReady here (the others recovered, left or moved zone). */
  retain(notReady: ReadonlySet<string>): void {
    for (const name of this.waiting) if (!notReady.has(name)) this.waiting.delete(name);
  }

  /**
   * The node at the front goes when a token is there; the k-th in line is told to come back when
   * k more tokens will have come (sooner if the line moves: the recheck caps it).
   */
  take(name: string, nowMs: number): NoExecuteDecision {
    this.waiting.add(name);
    const position = [...this.waiting].indexOf(name);
    if (position === 0 && this.bucket.tryTake(nowMs)) {
      this.waiting.delete(name);
      return { noExecute: true };
    }
    return { noExecute: false, retryInMs: Math.max(1, Math.min(this.bucket.msUntil(position + 1, nowMs), ZONE_RECHECK_MS)) };
  }
}

/**
 * Which NotReady nodes may get their NoExecute taint (and so start losing pods) now: Kubernetes'
 * zoneNoExecuteTainter. Per zone, a token bucket at the zone's eviction rate (see zoneStates) lets
 * NotReady nodes through one at a time, in the order they asked; NoSchedule taints are not limited.
 * A node that already carries its NoExecute taint keeps it, unless every zone is fully disrupted:
 * then no node may have one, so nothing is evicted until some node is Ready again.
 *
 * State lives in this process: a restarted controller manager starts with full buckets, as
 * kube-controller-manager does.
 */
export class ZoneNoExecuteTainter {
  private readonly queues = new Map<string, ZoneQueue>();

  constructor(private readonly rates: EvictionRates) {}

  /** `nodes`: every node with its current readiness, `name` among them (NotReady). */
  decide(name: string, nodes: readonly NodeReadiness[], alreadyTainted: boolean, nowMs: number): NoExecuteDecision {
    const { zones, allFullyDisrupted } = zoneStates(nodes, this.rates);
    for (const [zone, queue] of this.queues) {
      const summary = zones.get(zone);
      if (!summary) this.queues.delete(zone);
      else {
        queue.retain(summary.notReady);
        if (queue.bucket.rate !== summary.rate) queue.bucket.setRate(summary.rate, nowMs);
      }
    }
    if (allFullyDisrupted) return { noExecute: false, retryInMs: ZONE_RECHECK_MS };
    if (alreadyTainted) return { noExecute: true };
    const zone = nodes.find((n) => n.name === name)?.zone ?? '';
    const summary = zones.get(zone);
    if (!summary) return { noExecute: false, retryInMs: ZONE_RECHECK_MS };
    let queue = this.queues.get(zone);
    if (!queue) this.queues.set(zone, (queue = new ZoneQueue(new TokenBucket(summary.rate, nowMs))));
    return queue.take(name, nowMs);
  }
}
