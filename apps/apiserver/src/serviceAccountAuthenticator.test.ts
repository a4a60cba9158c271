import { serviceAccountGroups } from '@skiff/apimachinery';
import { createTestDatabase, openStore, type Store, type TestDatabase } from '@skiff/store';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serviceAccountTokenAuthenticator } from './serviceAccountAuthenticator.js';
import { serviceAccountClaims, ServiceAccountTokenKeys } from './serviceAccountTokens.js';

describe('serviceAccountTokenAuthenticator', () => {
  let db: TestDatabase;
  let store: Store;
  beforeAll(async () => {
    db = await createTestDatabase();
    store = await openStore({ databaseUrl: db.url });
  });
  afterAll(async () => {
    await store?.close();
    await db?.drop();
  });

  it('refuses a token it accepted before, once it expired or its ServiceAccount is gone', async () => {
    const key = { group: '', resource: 'serviceaccounts', namespace: 'team', name: 'builder' };
    const sa = await store.create(key, { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'builder', namespace: 'team' } });
    const keys = new ServiceAccountTokenKeys();
    const issued = new Date('2026-12-05T12:00:00Z');
    const token = await keys.sign(serviceAccountClaims(keys.issuer, keys.apiAudiences, issued, 600, { namespace: 'team', serviceaccount: { name: 'builder', uid: sa.metadata.uid! } }));
    let now = new Date(issued.getTime() + 1_000);
    const authenticate = serviceAccountTokenAuthenticator(keys, store, () => now);
    const user = { name: 'system:serviceaccount:team:builder', groups: serviceAccountGroups('team') };

    expect(await authenticate(token)).toEqual(user);
    expect(await authenticate(token)).toEqual(user);
    // Before its nbf (a clock that went back) and at its exp, the remembered verification does not count.
    now = new Date(issued.getTime() - 1_000);
    expect(await authenticate(token)).toBeUndefined();
    now = new Date(issued.getTime() + 600_000);
    expect(await authenticate(token)).toBeUndefined();
    now = new Date(issued.getTime() + 599_000);
    expect(await authenticate(token)).toEqual(user);
    await store.delete(key);
    expect(await authenticate(token)).toBeUndefined();
  });
});
