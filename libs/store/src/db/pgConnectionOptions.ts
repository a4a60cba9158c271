import type pg from 'pg';

/** How the store's Postgres connections guard against a database that fails or goes silent. */
export interface PgConnectionOptions {
  /** Give up connecting (or waiting for a free pooled connection) after this long. */
  connectTimeoutMs: number;
  /**
   * The server cancels any statement running longer (`statement_timeout`). The client gives up on
   * an answer `connectTimeoutMs` after that, for a server that never received the statement.
   */
  statementTimeoutMs: number;
  /** Close pooled connections idle this long. */
  idleTimeoutMs: number;
  /** TCP keepalive probes start after the socket is idle this long. */
  keepAliveInitialDelayMs: number;
  /**
   * The LISTEN connection runs `SELECT 1` this often; an answer missing for `connectTimeoutMs`
   * means the connection is half-open: it is replaced and the store is marked unavailable.
   */
  healthCheckIntervalMs: number;
}

export const defaultPgConnectionOptions: PgConnectionOptions = {
  connectTimeoutMs: 5_000,
  statementTimeoutMs: 30_000,
  idleTimeoutMs: 30_000,
  keepAliveInitialDelayMs: 10_000,
  healthCheckIntervalMs: 5_000,
};

const envNames: Record<keyof PgConnectionOptions, string> = {
  connectTimeoutMs: 'SKIFF_PG_CONNECT_TIMEOUT_MS',
  statementTimeoutMs: 'SKIFF_PG_STATEMENT_TIMEOUT_MS',
  idleTimeoutMs: 'SKIFF_PG_IDLE_TIMEOUT_MS',
  keepAliveInitialDelayMs: 'SKIFF_PG_KEEPALIVE_DELAY_MS',
  healthCheckIntervalMs: 'SKIFF_PG_HEALTH_CHECK_INTERVAL_MS',
};

/** The options set in `env` (SKIFF_PG_*_MS, positive integers); throws on a value that is not one. */
export function pgConnectionOptionsFromEnv(env: NodeJS.ProcessEnv): Partial<PgConnectionOptions> {
  const opts: Partial<PgConnectionOptions> = {};
  for (const [key, name] of Object.entries(envNames) as [keyof PgConnectionOptions, string][]) {
    const raw = env[name];
    if (raw === undefined || raw === '') continue;
    const value = Number(raw);
    if (!Number.isInteger(value) || value <= 0) throw new Error(`${name}: expected a positive number of milliseconds, got ${JSON.stringify(raw)}`);
    opts[key] = value;
  }
  return opts;
}

/** The `pg` client settings for one connection of the store. */
export function pgClientConfig(connectionString: string, applicationName: string, o: PgConnectionOptions): pg.ClientConfig {
  return {
    connectionString,
    application_name: applicationName,
    connectionTimeoutMillis: o.connectTimeoutMs,
    statement_timeout: o.statementTimeoutMs,
    query_timeout: o.statementTimeoutMs + o.connectTimeoutMs,
    keepAlive: true,
    keepAliveInitialDelayMillis: o.keepAliveInitialDelayMs,
  };
}

/** The pool settings: every connection as `pgClientConfig`, idle ones closed after `idleTimeoutMs`. */
export function pgPoolConfig(connectionString: string, o: PgConnectionOptions): pg.PoolConfig {
  return { ...pgClientConfig(connectionString, 'skiff-store', o), idleTimeoutMillis: o.idleTimeoutMs };
}
