import { existsSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { silentLogger } from './db.js';
import { openPgliteDb } from './pgliteDb.js';
import { migrate, migrationsDir } from '../migrate.js';
import { installedPgliteVersion, MANIFEST, PGLITE_TEMPLATE_DIR, type TemplateManifest } from './seedFromPgliteTemplate.js';

function currentManifest(): TemplateManifest {
  const migrations = readdirSync(migrationsDir).filter((f) => f.endsWith('.sql')).sort();
  return { pgliteVersion: installedPgliteVersion(), migrations };
}

/** Whether `dir` holds a template made by this PGlite with every migration applied. */
export function pgliteTemplateIsCurrent(dir = PGLITE_TEMPLATE_DIR): boolean {
  try {
    return JSON.stringify(JSON.parse(readFileSync(join(dir, MANIFEST), 'utf8'))) === JSON.stringify(currentManifest());
  } catch {
    return false;
  }
}

/**
 * Makes the template: a new PGlite data dir, migrated, then swapped in whole (a store copying
 * the old one meanwhile copies all of it).
 */
export async function makePgliteTemplate(dir = PGLITE_TEMPLATE_DIR): Promise<{ ms: number }> {
  const started = performance.now();
  const tmp = `${dir.replace(/\/$/, '')}.${process.pid}.tmp`;
  rmSync(tmp, { recursive: true, force: true });
  try {
    const db = await openPgliteDb(tmp);
    try {
      await migrate(db, silentLogger);
    } finally {
      await db.close();
    }
    writeFileSync(join(tmp, MANIFEST), JSON.stringify(currentManifest(), null, 2) + '\n');
    const old = `${tmp}-old`;
    if (existsSync(dir)) renameSync(dir, old);
    renameSync(tmp, dir);
    rmSync(old, { recursive: true, force: true });
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
  return { ms: Math.round(performance.now() - started) };
}
