import { randomBytes } from 'node:crypto';
import pg from 'pg';

export interface TestDatabase {
  /** Connection string of the new, empty database. */
  url: string;
  /** Drops the database, disconnecting anyone still on it. */
  drop(): Promise<void>;
}

export const defaultTestServerUrl = 'postgres://postgres@127.0.0.1:5432/postgres';

/**
 * Creates a fresh, uniquely named database for one test suite on TEST_DATABASE_URL's server
 * (else DATABASE_URL's, else local Postgres). Raw SQL: `CREATE DATABASE` / `DROP DATABASE ...
 * WITH (FORCE)` on the server's maintenance database, one statement each (neither can run inside
 * a transaction); the name is generated here, never taken from input.
 */
export async function createTestDatabase(serverUrl = process.env.TEST_DATABASE_URL || process.env.DATABASE_URL || defaultTestServerUrl): Promise<TestDatabase> {
  const name = `skiff_test_${Date.now().toString(36)}_${randomBytes(4).toString('hex')}`;
  await onServer(serverUrl, (c) => c.query(`CREATE DATABASE ${name}`));
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  let dropped: Promise<void> | undefined;
  return {
    url: url.toString(),
    drop: () => (dropped ??= onServer(serverUrl, (c) => c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)).then(() => {})),
  };
}

async function onServer<T>(serverUrl: string, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: serverUrl });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}
