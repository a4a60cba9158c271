export type { Change, ChangeFilter, ListOptions, ListResult, Store, WritePreconditions } from './types.js';
export type { StoreLogger } from './db/db.js';
export { openStore, defaultCompactIntervalMs, defaultCompactKeepMs, type OpenStoreOptions } from './openStore.js';
export { createTestDatabase, type TestDatabase } from './createTestDatabase.js';
