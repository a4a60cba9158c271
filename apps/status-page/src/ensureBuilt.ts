import { existsSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The package directory: index.html, web/ (the page's sources), dist/ (the built page). */
export const PACKAGE_DIR = fileURLToPath(new URL('..', import.meta.url));
export const DIST_DIR = join(PACKAGE_DIR, 'dist');

/** What the built page is made from: a change to any of these makes dist stale. */
const SOURCES = ['index.html', 'vite.config.ts', 'package.json', 'web'];

function newestMtime(path: string): number {
  if (!existsSync(path)) return 0;
  const st = statSync(path);
  if (!st.isDirectory()) return st.mtimeMs;
  let newest = st.mtimeMs;
  for (const entry of readdirSync(path)) newest = Math.max(newest, newestMtime(join(path, entry)));
  return newest;
}

/** Whether dist/ holds a build newer than every source file (dist/index.html is written last). */
export function isBuilt(packageDir = PACKAGE_DIR): boolean {
  const index = join(packageDir, 'dist', 'index.html');
  if (!existsSync(index)) return false;
  const built = statSync(index).mtimeMs;
  return SOURCES.every((s) => newestMtime(join(packageDir, s)) <= built);
}

export interface EnsureBuiltResult {
  built: boolean;
  ms: number;
  distDir: string;
}

/**
 * Builds the page with Vite unless dist/ is already newer than every source. The build goes to a
 * temporary directory first and is then swapped in, so a server reading dist/ meanwhile (or a
 * second process building at the same time) never sees a half-written page.
 */
export async function ensureBuilt(opts: { packageDir?: string; force?: boolean } = {}): Promise<EnsureBuiltResult> {
  const packageDir = opts.packageDir ?? PACKAGE_DIR;
  const distDir = join(packageDir, 'dist');
  const started = performance.now();
  if (!opts.force && isBuilt(packageDir)) return { built: false, ms: 0, distDir };
  const { build } = await import('vite');
  const tmp = join(packageDir, `.dist-${process.pid}-${Date.now()}`);
  try {
    await build({ root: packageDir, configFile: join(packageDir, 'vite.config.ts'), logLevel: 'warn', build: { outDir: tmp, emptyOutDir: true } });
    const old = `${tmp}-old`;
    if (existsSync(distDir)) renameSync(distDir, old);
    renameSync(tmp, distDir);
    rmSync(old, { recursive: true, force: true });
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
  return { built: true, ms: Math.round(performance.now() - started), distDir };
}
