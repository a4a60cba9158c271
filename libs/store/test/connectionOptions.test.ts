import { ServiceUnavailableError } from '@skiff/apimachinery';
import { afterEach, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../src/createTestDatabase.js';
import type { Db } from '../src/db/db.js';
import { pgConnectionOptionsFromEnv } from '../src/db/pgConnectionOptions.js';
import { openDb } from '../src/openStore.js';

describe('pgConnectionOptionsFromEnv', () => {
  it.each([
    [{}, {}],
    [{ SKIFF_PG_CONNECT_TIMEOUT_MS: '2500' }, { connectTimeoutMs: 2500 }],
    [{ SKIFF_PG_STATEMENT_TIMEOUT_MS: '60000', SKIFF_PG_IDLE_TIMEOUT_MS: '' }, { statementTimeoutMs: 60000 }],
    [{ SKIFF_PG_KEEPALIVE_DELAY_MS: '1000', SKIFF_PG_HEALTH_CHECK_INTERVAL_MS: '750' }, { keepAliveInitialDelayMs: 1000, healthCheckIntervalMs: 750 }],
  ])('%j reads as %j', (env, expected) => {
    expect(pgConnectionOptionsFromEnv(env)).toEqual(expected);
  });

  it.each(['0', '-5', '1.5', '5s'])('refuses %j', (value) => {
    expect(() => pgConnectionOptionsFromEnv({ SKIFF_PG_STATEMENT_TIMEOUT_MS: value })).toThrow(/SKIFF_PG_STATEMENT_TIMEOUT_MS: expected a positive number of milliseconds/);
  });
});

describe('Postgres connection options', () => {
  let database: TestDatabase | undefined;
  let db: Db | undefined;
  afterEach(async () => {
    await db?.close();
    await database?.drop();
  });

  it('sets statement_timeout on pooled connections, and a statement past it fails with a 503', async () => {
    database = await createTestDatabase();
    db = await openDb({ databaseUrl: database.url, postgres: { statementTimeoutMs: 300 } });
    expect(await db.query({ text: 'SHOW statement_timeout' })).toEqual([{ statement_timeout: '300ms' }]);
    const started = Date.now();
    await expect(db.query({ text: 'SELECT pg_sleep(5)' })).rejects.toBeInstanceOf(ServiceUnavailableError);
    expect(Date.now() - started).toBeLessThan(3_000);
    // A slow statement says nothing about the database being reachable: the next one runs.
    expect(await db.query({ text: 'SELECT 1 AS one' })).toEqual([{ one: 1 }]);
  });
});
