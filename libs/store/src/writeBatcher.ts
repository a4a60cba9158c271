import { ServiceUnavailableError, type KubeObject } from '@skiff/apimachinery';
import type { WriteOutcome, WriteRequest } from './operations/applyWrites.js';
import { serverRejected } from './storeErrors.js';

interface Pending {
  write: WriteRequest;
  resolve(object: KubeObject): void;
  reject(err: unknown): void;
}

export interface BatchLimits {
  maxWrites: number;
  maxBytes: number;
  /** Writes allowed to wait for the running batch; more fail at once with a 503 (a stalled database). */
  maxWaiting: number;
}

export const defaultBatchLimits: BatchLimits = { maxWrites: 128, maxBytes: 4 * 1024 * 1024, maxWaiting: 4096 };

/**
 * Group commit for one store. A write is sent at once when no batch is running; writes that
 * arrive while one runs wait for it and then go together, in arrival order, as the next batch.
 * Every write is serialised at commit anyway (the resourceVersion counter), so a lone write pays
 * no extra latency and concurrent writers share one commit instead of queueing for one each.
 *
 * When a batch fails as a whole with an error the server reported (so it rolled back), its writes
 * are retried one at a time, so one bad write fails alone. After a connection failure the batch
 * may have committed, so its writes fail with that error rather than being applied twice.
 *
 * The queue is bounded (`maxWaiting`): while a batch hangs on a database that stopped answering,
 * further writes fail with a 503 instead of piling up until the connection times out.
 */
export class WriteBatcher {
  private queue: Pending[] = [];
  private running: Promise<void> | undefined;

  constructor(
    private readonly apply: (writes: WriteRequest[]) => Promise<WriteOutcome[]>,
    private readonly limits: BatchLimits = defaultBatchLimits,
  ) {}

  submit(write: WriteRequest): Promise<KubeObject> {
    if (this.queue.length >= this.limits.maxWaiting) {
      return Promise.reject(new ServiceUnavailableError(`the cluster store is not keeping up: ${this.queue.length} writes are waiting`));
    }
    return new Promise<KubeObject>((resolve, reject) => {
      this.queue.push({ write, resolve, reject });
      this.pump();
    });
  }

  /** Resolves once every write submitted so far has settled. */
  async drain(): Promise<void> {
    while (this.running) await this.running;
  }

  private pump(): void {
    if (this.running || this.queue.length === 0) return;
    const batch = this.takeBatch();
    this.running = this.run(batch).finally(() => {
      this.running = undefined;
      this.pump();
    });
  }

  private takeBatch(): Pending[] {
    let bytes = 0;
    let n = 0;
    while (n < this.queue.length && n < this.limits.maxWrites) {
      bytes += this.queue[n].write.json.length;
      if (n > 0 && bytes > this.limits.maxBytes) break;
      n++;
    }
    return this.queue.splice(0, n);
  }

  private async run(batch: Pending[]): Promise<void> {
    let outcomes: WriteOutcome[];
    try {
      outcomes = await this.apply(batch.map((p) => p.write));
    } catch (err) {
      if (batch.length > 1 && serverRejected(err)) {
        for (const p of batch) await this.run([p]);
      } else {
        for (const p of batch) p.reject(err);
      }
      return;
    }
    batch.forEach((p, i) => {
      const outcome = outcomes[i];
      if (outcome.ok) p.resolve(outcome.object);
      else p.reject(outcome.error);
    });
  }
}
