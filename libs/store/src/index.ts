export type { Allocation, Change, ChangeFilter, ListOptions, ListResult, Store, WriteOptions, WritePreconditions } from './types.js';
export { AllocationConflictError } from './storeErrors.js';
export type { StoreLogger } from './db/db.js';
export { openStore, defaultCompactIntervalMs, defaultCompactKeepMs, type OpenStoreOptions } from './openStore.js';
export { createTestDatabase, type TestDatabase } from './createTestDatabase.js';
export { defaultPgConnectionOptions, pgConnectionOptionsFromEnv, type PgConnectionOptions } from './db/pgConnectionOptions.js';
export { startFaultProxy, type FaultProxy } from './faultProxy.js';
export { PGLITE_TEMPLATE_DIR } from './db/seedFromPgliteTemplate.js';
