import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { openDb, openStoreOnDb } from '../src/openStore.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** A migrated, empty PGlite data dir; each test copies it (initdb in WASM takes seconds). */
    pgliteTemplate: string;
  }
}

export default async function setup(project: TestProject): Promise<() => void> {
  const dir = mkdtempSync(join(tmpdir(), 'skiff-store-template-'));
  const store = await openStoreOnDb(await openDb({ dataDir: dir }), { compactIntervalMs: 0 });
  await store.close();
  project.provide('pgliteTemplate', dir);
  return () => rmSync(dir, { recursive: true, force: true });
}
