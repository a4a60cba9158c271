import { cpSync, existsSync, readdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * A new embedded database spends nearly all of a first start in PGlite's initdb (on a loaded
 * 2-core machine: 27 s for initdb and the migrations, against 3 s to copy an initialized data dir
 * and open it). So the build (scripts/build.mjs) makes one, migrated, in dist/pglite-template,
 * and a new data dir starts as a copy of it. Nothing in it is particular to one cluster: the
 * migrations insert only counters that start at fixed values.
 */
export const PGLITE_TEMPLATE_DIR = fileURLToPath(new URL('../../../../dist/pglite-template/', import.meta.url));

/** What a template was made with (MANIFEST in the template dir): a copy is used only while both hold. */
export interface TemplateManifest {
  pgliteVersion: string;
  migrations: string[];
}
export const MANIFEST = 'skiff-template.json';

/** The embedded database of a data dir. */
export function embeddedDatabaseDir(dataDir: string): string {
  return join(dataDir, 'pgdata');
}

/** The installed PGlite's version: a template is used only by the PGlite that made it. */
export function installedPgliteVersion(): string {
  // The package's entry is dist/index.cjs; its package.json is one up (the package exports no ./package.json).
  const pkgJson = join(dirname(createRequire(import.meta.url).resolve('@electric-sql/pglite')), '..', 'package.json');
  return (JSON.parse(readFileSync(pkgJson, 'utf8')) as { version: string }).version;
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
  if (made.pgliteVersion !== installedPgliteVersion()) return false;
  if (existsSync(target) && readdirSync(target).length > 0) return false;
  // Copied beside it, then renamed into place: a copy cut short leaves no half database behind.
  const tmp = `${target.replace(/\/$/, '')}.${process.pid}.tmp`;
  rmSync(tmp, { recursive: true, force: true });
  try {
    cpSync(template, tmp, { recursive: true, filter: (src) => !src.endsWith(MANIFEST) });
    renameSync(tmp, target);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
  return true;
}
