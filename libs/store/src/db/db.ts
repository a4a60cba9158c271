/**
 * The little the store needs from a database, so the same SQL runs on Postgres (`pg`) and on
 * embedded PGlite.
 */

export interface SqlQuery {
  /** Set on hot statements: Postgres prepares them once per connection. */
  name?: string;
  text: string;
  values?: unknown[];
}

export interface Queryable {
  /** One statement with parameters; returns its rows. */
  query<Row>(q: SqlQuery): Promise<Row[]>;
  /** A script of one or more statements, without parameters. */
  exec(script: string): Promise<void>;
}

export interface Db extends Queryable {
  readonly backend: 'postgres' | 'pglite';
  /** Runs `fn` in one transaction on one connection: commits when it resolves, rolls back when it throws. */
  transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T>;
  /**
   * Delivers NOTIFY payloads on `channel` until the returned function is called. When the
   * listening connection had to be re-established (notifications may have been lost in between),
   * `onReconnect` is called.
   */
  listen(channel: string, onPayload: (payload: string) => void, onReconnect: () => void): Promise<() => Promise<void>>;
  close(): Promise<void>;
}

export interface StoreLogger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

export const silentLogger: StoreLogger = { info() {}, warn() {}, error() {} };
