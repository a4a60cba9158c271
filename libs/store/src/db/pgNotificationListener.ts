import pg from 'pg';
import type { StoreLogger } from './db.js';

const firstRetryMs = 100;
// As the availability probe: watches catch up within about two seconds of the database coming back.
const maxRetryMs = 2_000;

export interface NotificationHandlers {
  onPayload(payload: string): void;
  /** The connection was re-established: notifications sent in between are lost. */
  onReconnect(): void;
  /** The connection stopped answering (half-open); it is being replaced. */
  onSilent(cause: string): void;
  healthCheckIntervalMs: number;
  healthCheckTimeoutMs: number;
  log: StoreLogger;
}

/**
 * One dedicated connection that LISTENs on a channel, re-established with backoff when it drops.
 * A pooled connection would not do: LISTEN belongs to a session, and the pool hands sessions out.
 *
 * A LISTEN connection only ever reads, so a peer that vanished without closing it (a network
 * partition, a stalled proxy) would look like a quiet database forever. So it runs `SELECT 1`
 * every `healthCheckIntervalMs`, and one unanswered for `healthCheckTimeoutMs` replaces it.
 */
export class PgNotificationListener {
  private client: pg.Client | undefined;
  private retryTimer: NodeJS.Timeout | undefined;
  private healthTimer: NodeJS.Timeout | undefined;
  private retryMs = firstRetryMs;
  private closed = false;

  constructor(
    private readonly config: pg.ClientConfig,
    private readonly channel: string,
    private readonly on: NotificationHandlers,
  ) {}

  /** Connects and LISTENs; throws when the first attempt fails. */
  async start(): Promise<void> {
    await this.connect();
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.retryTimer);
    clearTimeout(this.healthTimer);
    const client = this.client;
    this.client = undefined;
    await client?.end().catch(() => {});
  }

  private async connect(): Promise<void> {
    const client = new pg.Client(this.config);
    client.on('notification', (msg) => {
      if (msg.channel === this.channel && msg.payload !== undefined) this.on.onPayload(msg.payload);
    });
    client.on('error', (err) => {
      this.on.log.warn({ err: err.message }, 'store notification connection failed');
      this.dropped(client);
    });
    client.on('end', () => this.dropped(client));
    try {
      await client.connect();
      await client.query(`LISTEN ${this.channel}`);
    } catch (err) {
      await client.end().catch(() => {});
      throw err;
    }
    if (this.closed) {
      await client.end().catch(() => {});
      return;
    }
    this.client = client;
    this.retryMs = firstRetryMs;
    this.scheduleHealthCheck(client);
  }

  private scheduleHealthCheck(client: pg.Client): void {
    this.healthTimer = setTimeout(() => {
      client.query({ text: 'SELECT 1', query_timeout: this.on.healthCheckTimeoutMs } as pg.QueryConfig).then(
        () => {
          if (this.client === client) this.scheduleHealthCheck(client);
        },
        (err: Error) => {
          if (this.client !== client) return;
          this.on.log.warn({ err: err.message }, 'store notification connection did not answer; replacing it');
          this.on.onSilent(`the notification connection did not answer: ${err.message}`);
          this.dropped(client);
        },
      );
    }, this.on.healthCheckIntervalMs);
    this.healthTimer.unref();
  }

  private dropped(client: pg.Client): void {
    if (this.client !== client) return;
    this.client = undefined;
    clearTimeout(this.healthTimer);
    // end() destroys the socket when a query is still waiting for its answer (a silent connection).
    void client.end().catch(() => {});
    this.scheduleReconnect();
  }

  private scheduleReconnect(): void {
    if (this.closed) return;
    this.retryTimer = setTimeout(() => {
      this.connect().then(
        () => {
          if (this.closed) return;
          this.on.log.info({}, 'store notification connection re-established');
          this.on.onReconnect();
        },
        (err: Error) => {
          this.on.log.warn({ err: err.message, retryMs: this.retryMs }, 'store notification connection: reconnect failed');
          this.retryMs = Math.min(this.retryMs * 2, maxRetryMs);
          this.scheduleReconnect();
        },
      );
    }, this.retryMs);
    this.retryTimer.unref();
  }
}
