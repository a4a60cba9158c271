import { ServiceUnavailableError } from '@skiff/apimachinery';
import { isConnectionFailure, isStatementTimeout } from '../storeErrors.js';
import type { StoreLogger } from './db.js';

const firstProbeMs = 100;
const maxProbeMs = 2_000;

function unavailable(cause: string): ServiceUnavailableError {
  return new ServiceUnavailableError(`the cluster store is unavailable: ${cause}`);
}

/**
 * Whether Postgres answers, so that a request fails fast with a 503 while it does not instead of
 * each one waiting out its own connect or statement timeout.
 *
 * A statement that fails because its connection failed marks the database unreachable. From then
 * on statements fail at once, statements still waiting are abandoned (they may yet commit, as after
 * any connection failure), `onUnreachable` runs (the caller drops its pooled connections, which may
 * be half-open), and a probe retries with backoff until the database answers again.
 */
export class DbAvailability {
  private unreachable: string | undefined;
  private readonly waiting = new Set<(err: Error) => void>();
  private probeTimer: NodeJS.Timeout | undefined;
  private probeMs = firstProbeMs;
  private closed = false;

  constructor(
    /** Resolves when a fresh connection to the database answers a query. */
    private readonly probe: () => Promise<void>,
    private readonly onUnreachable: () => void,
    private readonly log: StoreLogger,
  ) {}

  /** Runs one statement (or transaction) against the database, translating a lost database to a 503. */
  async run<T>(statement: () => Promise<T>): Promise<T> {
    if (this.unreachable !== undefined) throw unavailable(this.unreachable);
    let abandon!: (err: Error) => void;
    const abandoned = new Promise<never>((_resolve, reject) => {
      abandon = reject;
    });
    this.waiting.add(abandon);
    try {
      return await Promise.race([statement(), abandoned]);
    } catch (err) {
      if (err instanceof ServiceUnavailableError) throw err;
      if (isStatementTimeout(err)) throw unavailable((err as Error).message);
      if (!isConnectionFailure(err)) throw err;
      this.markUnreachable((err as Error).message);
      throw unavailable((err as Error).message);
    } finally {
      this.waiting.delete(abandon);
    }
  }

  /** Something other than a statement found the database unreachable (a silent LISTEN connection). */
  markUnreachable(cause: string): void {
    if (this.unreachable !== undefined || this.closed) return;
    this.unreachable = cause;
    this.log.warn({ err: cause }, 'the cluster store is unreachable; failing requests until it answers');
    const err = unavailable(cause);
    for (const abandon of this.waiting) abandon(err);
    this.waiting.clear();
    this.onUnreachable();
    this.probeMs = firstProbeMs;
    this.scheduleProbe();
  }

  /** A fresh connection just answered (the LISTEN connection came back): stop failing statements. */
  markReachable(): void {
    if (this.unreachable === undefined) return;
    clearTimeout(this.probeTimer);
    this.unreachable = undefined;
    this.log.info({}, 'the cluster store is reachable again');
  }

  close(): void {
    this.closed = true;
    clearTimeout(this.probeTimer);
  }

  private scheduleProbe(): void {
    this.probeTimer = setTimeout(() => {
      this.probe().then(
        () => this.markReachable(),
        (err: Error) => {
          if (this.unreachable === undefined || this.closed) return;
          this.log.warn({ err: err.message, retryMs: this.probeMs }, 'the cluster store is still unreachable');
          this.probeMs = Math.min(this.probeMs * 2, maxProbeMs);
          this.scheduleProbe();
        },
      );
    }, this.probeMs);
    this.probeTimer.unref();
  }
}
