import { cpSync, existsSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { silentLogger } from './db.js';
import { openPgliteDb } from './pgliteDb.js';
import { migrate, migrationsDir } from '../migrate.js';

/**
 * A new embedded database spends nearly all of a first start in PGlite's initdb (on a loaded
 * 2-core machine: 27 s for initdb and the migrations, against 3 s to copy an initialized data dir
 * and open it). So the build (scripts/build.mjs) makes one, migrated, in dist/pglite-template,
 * and a new data dir starts as a copy of it. Nothing in it is particular to one cluster: the
 * migrations insert only counters that start at fixed values.
 */
export const PGLITE_TEMPLATE_DIR = fileURLToPath(new URL('../../../../dist/pglite-template/', import.meta.url));

/** What a template was made with (MANIFEST in the template dir): a copy is used only while both hold. */
interface TemplateManifest {
  pgliteVersion: string;
  migrations: string[];
}
const MANIFEST = 'skiff-template.json';

function currentManifest(): TemplateManifest {
  // The package's entry is dist/index.cjs; its package.json is one up (the package exports no ./package.json).
  const pkgJson = join(dirname(createRequire(import.meta.url).resolve('@electric-sql/pglite')), '..', 'package.json');
  const pgliteVersion = (JSON.parse(readFileSync(pkgJson, 'utf8')) as { version: string }).version;
  const migrations = readdirSync(migrationsDir).filter((f) => f.endsWith('.sql')).sort();
  return { pgliteVersion, migrations };
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

/**
 * Seeds an empty PGlite data dir from the template, when there is a template made by this PGlite.
 * A template older than the migrations is still a good start: the store applies the rest.
 * Returns whether it copied.
 */
export function seedFromPgliteTemplate(target: string, template = PGLITE_TEMPLATE_DIR): boolean {
  if (existsSync(join(target, 'PG_VERSION'))) return false;
  let made: TemplateManifest;
  try {
    made = JSON.parse(readFileSync(join(template, MANIFEST), 'utf8')) as TemplateManifest;
  } catch {
    return false;
  }
  if (made.pgliteVersion !== currentManifest().pgliteVersion) return false;
  if (existsSync(target) && readdirSync(target).length > 0) return false;
  cpSync(template, target, { recursive: true, filter: (src) => !src.endsWith(MANIFEST) });
  return true;
}
