import type { KubeObject } from '@skiff/apimachinery';
import type { EventRecorder } from '@skiff/controller-runtime';

interface PendingEvent {
  obj: KubeObject;
  type: 'Normal' | 'Warning';
  reason: string;
  message: string;
}

/**
 * Sends Events one at a time, behind the scheduler's back, as client-go's event broadcaster does:
 * an Event reports a decision and must never slow the next one. Under a burst the queue grows
 * and bindings keep the API server's attention; past `limit` queued events new ones are dropped
 * (and counted), rather than holding memory without bound.
 */
export class EventQueue {
  private readonly pending: PendingEvent[] = [];
  private running: Promise<void> | undefined;
  dropped = 0;

  constructor(
    private readonly recorder: Pick<EventRecorder, 'record'>,
    private readonly limit = 1000,
  ) {}

  record(obj: KubeObject, type: 'Normal' | 'Warning', reason: string, message: string): void {
    if (this.pending.length >= this.limit) {
      this.dropped++;
      return;
    }
    this.pending.push({ obj, type, reason, message });
    this.running ??= this.drain();
  }

  /** Resolves once every queued event has been sent (or given up on: recording never throws). */
  async flush(): Promise<void> {
    while (this.running) await this.running;
  }

  private async drain(): Promise<void> {
    try {
      for (let e = this.pending.shift(); e; e = this.pending.shift()) await this.recorder.record(e.obj, e.type, e.reason, e.message);
    } finally {
      this.running = undefined;
    }
  }
}
