import type { KubeObject } from '@skiff/apimachinery';
import type { EventRecorder } from '@skiff/controller-runtime';
import { RequestRateLimiter } from '@skiff/kube-client';

interface PendingEvent {
  obj: KubeObject;
  type: 'Normal' | 'Warning';
  reason: string;
  message: string;
}

export interface EventQueueOptions {
  /** Events queued at most; past it new ones are dropped (and counted). Default 1000, as client-go's broadcaster. */
  limit?: number;
  /**
   * Events sent per second, and at once after a quiet spell: kube-scheduler's event client has
   * its client connection's qps and burst (50 and 100 by default), so a burst of decisions never
   * turns into as many Event writes competing with the bindings. 0: no limit. Defaults 50 / 100.
   */
  qps?: number;
  burst?: number;
  /** Called for each event dropped because the queue was full. */
  onDrop?: () => void;
}

/**
 * Sends Events one at a time, behind the scheduler's back, as client-go's event broadcaster does:
 * an Event reports a decision and must never slow the next one. They go at most `qps` a second
 * (after a `burst`); under a burst the queue grows and bindings keep the API server's attention;
 * past `limit` queued events new ones are dropped (and counted), rather than holding memory
 * without bound.
 */
export class EventQueue {
  private readonly pending: PendingEvent[] = [];
  private running: Promise<void> | undefined;
  private readonly limit: number;
  private readonly limiter: RequestRateLimiter | undefined;
  /** Set by flush: what is queued goes without waiting for the rate. */
  private flushing = false;
  dropped = 0;

  constructor(
    private readonly recorder: Pick<EventRecorder, 'record'>,
    private readonly opts: EventQueueOptions = {},
  ) {
    this.limit = opts.limit ?? 1000;
    const qps = opts.qps ?? 50;
    this.limiter = qps > 0 ? new RequestRateLimiter(qps, Math.max(1, opts.burst ?? 100)) : undefined;
  }

  record(obj: KubeObject, type: 'Normal' | 'Warning', reason: string, message: string): void {
    if (this.pending.length >= this.limit) {
      this.dropped++;
      this.opts.onDrop?.();
      return;
    }
    this.pending.push({ obj, type, reason, message });
    this.running ??= this.drain();
  }

  /** Resolves once every queued event has been sent, no longer at the rate (or given up on: recording never throws). */
  async flush(): Promise<void> {
    this.flushing = true;
    try {
      while (this.running) await this.running;
    } finally {
      this.flushing = false;
    }
  }

  private async drain(): Promise<void> {
    try {
      for (let e = this.pending.shift(); e; e = this.pending.shift()) {
        if (!this.flushing) await this.limiter?.wait();
        await this.recorder.record(e.obj, e.type, e.reason, e.message);
      }
    } finally {
      this.running = undefined;
    }
  }
}
