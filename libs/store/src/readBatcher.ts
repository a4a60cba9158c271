/**
 * Batches concurrent point reads, as the write batcher batches writes: up to `maxInFlight` reads
 * run at once, each sent as soon as a slot is free; reads that arrive while every slot is busy wait
 * and then go together as one statement. A lone read pays no extra latency; a burst of N reads
 * costs about N / maxBatch round trips instead of N, and leaves the pool's other connections to
 * writes and lists.
 *
 * Still linearizable: a read is sent after it was asked for, and one statement reads one snapshot
 * taken when it starts, so every read sees every write committed before it was asked for.
 */
export interface ReadBatchLimits {
  maxInFlight: number;
  maxBatch: number;
}

export const defaultReadBatchLimits: ReadBatchLimits = { maxInFlight: 4, maxBatch: 256 };

interface Pending<K, V> {
  key: K;
  resolve(value: V | undefined): void;
  reject(err: unknown): void;
}

export class ReadBatcher<K, V> {
  private queue: Pending<K, V>[] = [];
  private inFlight = 0;

  constructor(
    /** Reads one key (the cheaper statement when alone). */
    private readonly readOne: (key: K) => Promise<V | undefined>,
    /** Reads many keys in one statement; answers in the keys' order. */
    private readonly readMany: (keys: K[]) => Promise<(V | undefined)[]>,
    private readonly limits: ReadBatchLimits = defaultReadBatchLimits,
  ) {}

  get(key: K): Promise<V | undefined> {
    return new Promise((resolve, reject) => {
      this.queue.push({ key, resolve, reject });
      this.pump();
    });
  }

  private pump(): void {
    while (this.inFlight < this.limits.maxInFlight && this.queue.length > 0) {
      const batch = this.queue.splice(0, this.limits.maxBatch);
      this.inFlight++;
      void this.run(batch).finally(() => {
        this.inFlight--;
        this.pump();
      });
    }
  }

  private async run(batch: Pending<K, V>[]): Promise<void> {
    try {
      const values = batch.length === 1 ? [await this.readOne(batch[0].key)] : await this.readMany(batch.map((p) => p.key));
      batch.forEach((p, i) => p.resolve(values[i]));
    } catch (err) {
      for (const p of batch) p.reject(err);
    }
  }
}
