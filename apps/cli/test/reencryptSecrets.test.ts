import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseEncryptionConfig, startApiServer, type RunningApiServer } from '@skiff/apiserver';
import { ApiClient, resourceType } from '@skiff/kube-client';
import { createTestDatabase, type TestDatabase } from '@skiff/store';
import { reencryptSecrets } from '../src/reencryptSecrets.js';

const TOKEN = 'reencrypt-admin';
const KEYS = { old: randomBytes(32).toString('base64'), new: randomBytes(32).toString('base64') };

function encryption(...keys: (keyof typeof KEYS)[]) {
  const r = parseEncryptionConfig(`apiVersion: apiserver.config.k8s.io/v1
kind: EncryptionConfiguration
resources:
- resources: [secrets]
  providers:
  - aesgcm: {keys: [${keys.map((k) => `{name: ${k}, secret: '${KEYS[k]}'}`).join(', ')}]}
`);
  if (!r.ok) throw new Error(r.errors.join('\n'));
  return r.config;
}

describe('skiff secrets reencrypt', () => {
  let database: TestDatabase;
  let db: pg.Client;
  let server: RunningApiServer | undefined;
  const start = async (...keys: (keyof typeof KEYS)[]) => {
    await server?.close();
    server = await startApiServer({ databaseUrl: database.url, port: 0, tokens: { [TOKEN]: { name: 'admin', groups: ['system:masters'] } }, logger: pino({ level: 'silent' }), buildStatusPage: false, encryption: encryption(...keys) });
    return new ApiClient({ server: server.url, token: TOKEN });
  };
  const keyNames = async () =>
    (await db.query<{ key: string }>(`SELECT split_part(object ->> 'encrypted', ':', 5) AS key FROM objects WHERE resource = 'secrets' ORDER BY namespace, name`)).rows.map((r) => r.key);

  beforeAll(async () => {
    database = await createTestDatabase();
    db = new pg.Client({ connectionString: database.url });
    await db.connect();
  });
  afterAll(async () => {
    await server?.close();
    await db?.end();
    await database?.drop();
  });

  it('rewrites every Secret, page by page, with the first key, and changes nothing else', async () => {
    let client = await start('old');
    for (let i = 0; i < 5; i++) {
      await client.create(resourceType('secrets'), { apiVersion: 'v1', kind: 'Secret', metadata: { name: `s${i}`, namespace: i % 2 ? 'kube-system' : 'default' }, stringData: { value: `v${i}` } });
    }
    expect(await keyNames()).toEqual(['old', 'old', 'old', 'old', 'old']);

    client = await start('new', 'old');
    expect(await reencryptSecrets(client, 2)).toEqual({ rewritten: 5, skipped: 0 });
    expect(await keyNames()).toEqual(['new', 'new', 'new', 'new', 'new']);

    // The old key can go: everything reads with the new one alone, unchanged.
    client = await start('new');
    const s3 = await client.get(resourceType('secrets'), 'kube-system', 's3');
    expect(Buffer.from((s3.data as Record<string, string>).value!, 'base64').toString()).toBe('v3');
    // A second run finds nothing stale: unchanged writes are no writes.
    const versions = async () => (await client.list(resourceType('secrets'))).items.map((s) => s.metadata.resourceVersion);
    const before = await versions();
    expect(await reencryptSecrets(client)).toEqual({ rewritten: 5, skipped: 0 });
    expect(await versions()).toEqual(before);
  });
});
