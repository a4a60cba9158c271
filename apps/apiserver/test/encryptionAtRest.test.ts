import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseEncryptionConfig, type RunningApiServer } from '../src/index.js';
import { createBackend, kubectlFor, selfSignedCert, startTestServer, type TestBackend } from './harness.js';

const KEY1 = randomBytes(32).toString('base64');
const KEY2 = randomBytes(32).toString('base64');

function config(...providers: string[]): string {
  return `apiVersion: apiserver.config.k8s.io/v1
kind: EncryptionConfiguration
resources:
- resources: [secrets]
  providers:
${providers.map((p) => `  - ${p}`).join('\n')}
`;
}
const aesgcm = (name: string, secret: string) => `aesgcm: {keys: [{name: ${name}, secret: '${secret}'}]}`;
const IDENTITY = 'identity: {}';

/**
 * Encryption at rest, as a user of kube-apiserver's --encryption-provider-config meets it: the
 * database never holds a Secret's value, kubectl reads it as always, old plaintext stays readable
 * through identity, and keys rotate by rewriting the Secrets.
 */
describe('encryption at rest (--encryption-provider-config)', () => {
  let backend: TestBackend;
  let dir: string;
  let tls: { cert: string; key: string };
  let server: RunningApiServer | undefined;
  let db: pg.Client;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'skiff-encryption-'));
    tls = selfSignedCert(dir);
    backend = await createBackend('postgres');
    db = new pg.Client({ connectionString: backend.databaseUrl });
    await db.connect();
  });
  afterAll(async () => {
    await server?.close();
    await db?.end();
    await backend?.dispose();
    rmSync(dir, { recursive: true, force: true });
  });

  /** (Re)starts the API server on the same database with `yaml` as its encryption config (none when undefined). */
  const restart = async (yaml?: string) => {
    await server?.close();
    server = undefined;
    const parsed = yaml === undefined ? undefined : parseEncryptionConfig(yaml);
    if (parsed && !parsed.ok) throw new Error(parsed.errors.join('\n'));
    server = await startTestServer(backend, { tls, encryption: parsed?.config });
    return kubectlFor(dir, server, tls.cert);
  };
  /** The stored object and every change-log entry of a Secret, as the database holds them. */
  const stored = async (name: string) => {
    const rows = await db.query<{ object: string }>(
      `SELECT object::text AS object FROM objects WHERE resource = 'secrets' AND name = $1 UNION ALL SELECT object::text FROM changes WHERE resource = 'secrets' AND name = $1`,
      [name],
    );
    return rows.rows.map((r) => r.object);
  };
  const decoded = async (kubectl: Awaited<ReturnType<typeof restart>>, name: string) => {
    const r = await kubectl(['get', 'secret', name, '-o', 'jsonpath={.data.password}']);
    expect(r.code, r.out).toBe(0);
    return Buffer.from(r.stdout, 'base64').toString('utf8');
  };

  it('stores Secrets sealed with the first provider and serves them decoded', async () => {
    const kubectl = await restart(config(aesgcm('key1', KEY1), IDENTITY));
    const created = await kubectl(['create', 'secret', 'generic', 'db', '--from-literal=password=hunter2', '--dry-run=client', '-o', 'json']);
    writeFileSync(join(dir, 'db.json'), created.stdout);
    expect((await kubectl(['apply', '-f', join(dir, 'db.json')])).code).toBe(0);
    expect((await kubectl(['label', 'secret', 'db', 'tier=backend'])).code).toBe(0);

    const rows = await stored('db');
    expect(rows.length).toBe(3); // the object and two changes
    for (const row of rows) {
      expect(row).toContain('"encrypted": "k8s:enc:aesgcm:v1:key1:');
      expect(row).not.toContain('hunter2');
      expect(row).not.toContain(Buffer.from('hunter2').toString('base64'));
      // kubectl apply's last-applied annotation carries the value too: it is sealed with the rest.
      expect(row).not.toContain('last-applied-configuration');
    }
    expect(await decoded(kubectl, 'db')).toBe('hunter2');
    const listed = await kubectl(['get', 'secrets', '-l', 'tier=backend', '-o', 'jsonpath={.items[*].metadata.name}']);
    expect(listed.stdout).toBe('db');
    // Watches read the change log: their events come decrypted too.
    const changes = await server!.store.changesSince('0', { resource: 'secrets', namespace: 'default' });
    expect(changes.filter((c) => c.key.name === 'db').map((c) => (c.object as { data?: Record<string, string> }).data?.password)).toEqual([
      Buffer.from('hunter2').toString('base64'),
      Buffer.from('hunter2').toString('base64'),
    ]);
  });

  it('reads Secrets written before encryption through identity, and refuses them without it', async () => {
    let kubectl = await restart();
    expect((await kubectl(['create', 'secret', 'generic', 'old', '--from-literal=password=plain-before'])).code).toBe(0);
    expect((await stored('old'))[0]).toContain(Buffer.from('plain-before').toString('base64'));

    kubectl = await restart(config(aesgcm('key1', KEY1), IDENTITY));
    expect(await decoded(kubectl, 'old')).toBe('plain-before');

    kubectl = await restart(config(aesgcm('key1', KEY1)));
    const refused = await kubectl(['get', 'secret', 'old']);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toMatch(/Internal error occurred: no matching prefix found/);
    // Other Secrets still read.
    expect(await decoded(kubectl, 'db')).toBe('hunter2');
  });

  it('rotates keys: a new first key, then rewriting every Secret, re-encrypts them all', async () => {
    let kubectl = await restart(config(aesgcm('key2', KEY2), aesgcm('key1', KEY1), IDENTITY));
    expect(await decoded(kubectl, 'db')).toBe('hunter2');
    expect((await stored('db'))[0]).toContain('k8s:enc:aesgcm:v1:key1:');

    // Kubernetes' documented step: read every Secret and write it back unchanged.
    const all = await kubectl(['get', 'secrets', '-A', '-o', 'json']);
    writeFileSync(join(dir, 'all.json'), all.stdout);
    const replaced = await kubectl(['replace', '-f', join(dir, 'all.json'), '--validate=false']);
    expect(replaced.code, replaced.out).toBe(0);
    for (const name of ['db', 'old']) expect([name, (await stored(name))[0]]).toEqual([name, expect.stringContaining('k8s:enc:aesgcm:v1:key2:')]);

    // key1 and identity can go now.
    kubectl = await restart(config(aesgcm('key2', KEY2)));
    expect(await decoded(kubectl, 'db')).toBe('hunter2');
    expect(await decoded(kubectl, 'old')).toBe('plain-before');
  });

  it('seals with secretbox too', async () => {
    const kubectl = await restart(config(`secretbox: {keys: [{name: box1, secret: '${KEY1}'}]}`, aesgcm('key2', KEY2)));
    expect((await kubectl(['create', 'secret', 'generic', 'boxed', '--from-literal=password=in-a-box'])).code).toBe(0);
    expect((await stored('boxed'))[0]).toContain('k8s:enc:secretbox:v1:box1:');
    expect(await decoded(kubectl, 'boxed')).toBe('in-a-box');
    expect(await decoded(kubectl, 'db')).toBe('hunter2');
  });

  it('binds an aesgcm value to its Secret: one copied onto another does not open', async () => {
    const kubectl = await restart(config(aesgcm('key2', KEY2)));
    expect((await kubectl(['create', 'secret', 'generic', 'target', '--from-literal=password=mine'])).code).toBe(0);
    // Someone with write access to the database copies db's sealed value (same key) onto target.
    await db.query(
      `UPDATE objects SET object = jsonb_set(object, '{encrypted}', (SELECT object -> 'encrypted' FROM objects WHERE resource = 'secrets' AND name = 'db'))
       WHERE resource = 'secrets' AND name = 'target'`,
    );
    const r = await kubectl(['get', 'secret', 'target']);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('Internal error occurred: secrets "target" does not decrypt with key k8s:enc:aesgcm:v1:key2:');
    expect(await decoded(kubectl, 'db')).toBe('hunter2');
  });
});

describe('parseEncryptionConfig', () => {
  it.each([
    ['a wrong kind', 'apiVersion: v1\nkind: ConfigMap\n', 'expected apiVersion apiserver.config.k8s.io/v1, kind EncryptionConfiguration'],
    ['a short aesgcm key', config(aesgcm('k', Buffer.alloc(7).toString('base64'))), 'resources[0].providers[0].aesgcm.keys[0].secret: Invalid value: aesgcm keys are base64 of 16, 24, 32 bytes; this is 7'],
    ['an unknown provider', config('kms: {name: x}'), 'resources[0].providers[0]: Unsupported value: "kms": supported values: "aesgcm", "secretbox", "identity"'],
    ['no providers', 'apiVersion: apiserver.config.k8s.io/v1\nkind: EncryptionConfiguration\nresources: [{resources: [secrets]}]\n', 'resources[0].providers: Required value: at least one provider'],
  ])('refuses %s', (_name, text, error) => {
    const r = parseEncryptionConfig(text);
    expect(r.ok ? [] : r.errors).toContain(error);
  });
});
