#!/usr/bin/env node
/**
 * Compiles each app (apps/NAME/src/main.ts) into one ES module, dist/NAME.js with its source map,
 * so `npm start` and the processes `skiff up` starts load plain JavaScript instead of compiling
 * TypeScript under tsx at every start (ADR 021). Then builds the status page (apps/status-page/dist)
 * if it is stale, and the embedded database a new data dir starts from (dist/pglite-template). `npm install` runs this (the root `prepare` script); `npm start` runs it too and
 * it returns at once when dist/ is newer than every file it was built from.
 *
 *   node scripts/build.mjs            build what is stale
 *   node scripts/build.mjs --force    build everything
 *
 * Workspace packages (@skiff/*) are compiled in; every other package stays an import that Node
 * resolves from node_modules at run time, as it does for the sources.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { isBuiltin } from 'node:module';
import { join, relative, sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const DIST = join(ROOT, 'dist');
/** What the last build was made from, and when it started (dist/build.json, written last). */
const STAMP = join(DIST, 'build.json');
/**
 * What shapes dist/ besides the sources esbuild reports: the build, the dependencies, and the
 * database template's migrations (the directory too: its mtime changes when a file is added).
 */
const CONFIG = ['scripts/build.mjs', 'tsconfig.base.json', 'package.json', 'package-lock.json', 'migrations'];
/** Written last by the template's maker (libs/store/src/db/pgliteTemplate.ts). */
const TEMPLATE_MANIFEST = 'dist/pglite-template/skiff-template.json';

/**
 * apps/NAME/src/main.ts -> dist/NAME.js, and what the steps after the compile run: the status
 * page's build and the store's database template (dist/build-*.js). All in dist/ itself: the
 * sources' import.meta.url is written relative to it.
 */
function entryPoints() {
  const apps = readdirSync(join(ROOT, 'apps')).filter((name) => existsSync(join(ROOT, 'apps', name, 'src', 'main.ts')));
  return Object.fromEntries([
    ...apps.sort().map((name) => [name, `apps/${name}/src/main.ts`]),
    // Components that are a second entry point of an app (apps/cli/src/processes.ts COMPONENT_SOURCES).
    ['simulated-nodes', 'apps/node-agent/src/simulate/main.ts'],
    ['build-status-page', 'apps/status-page/src/index.ts'],
    ['build-store', 'libs/store/src/db/pgliteTemplate.ts'],
  ]);
}

/** Whether dist/ was built from the current entry points and no input changed since the build started. */
export function isFresh() {
  let stamp;
  try {
    stamp = JSON.parse(readFileSync(STAMP, 'utf8'));
  } catch {
    return false;
  }
  if (JSON.stringify(stamp.entryPoints) !== JSON.stringify(entryPoints())) return false;
  if (!existsSync(join(ROOT, TEMPLATE_MANIFEST))) return false;
  return [...stamp.inputs, ...CONFIG].every((file) => {
    try {
      return statSync(join(ROOT, file)).mtimeMs < stamp.startedAtMs;
    } catch {
      return false; // an input was removed
    }
  });
}

/**
 * A bundle has one import.meta.url, its own; sources use theirs to find files beside them
 * (migrations/, .proto files, examples-repo/). Each source's import.meta.url becomes its own
 * file's URL, written relative to dist/ so the checkout can move. import.meta.dirname and
 * import.meta.filename stay the bundle's.
 */
const sourceUrls = {
  name: 'source-import-meta-url',
  setup(build) {
    build.onLoad({ filter: /\.ts$/ }, (args) => {
      const text = readFileSync(args.path, 'utf8');
      if (!text.includes('import.meta.url')) return undefined;
      const fromDist = relative(DIST, args.path).split(sep).join('/');
      return { contents: text.replaceAll('import.meta.url', `new URL(${JSON.stringify(fromDist)}, import.meta.url).href`), loader: 'ts' };
    });
  },
};

/**
 * Compiles @skiff/* packages in; every other package stays an import for Node to load. An import
 * that resolves, from the source that makes it, to another copy than the one at the root of
 * node_modules (a workspace's own js-yaml 4 beside the root's js-yaml 3) names that copy's file,
 * relative to dist/: from dist/, Node would find only the root's.
 */
const externalPackages = {
  name: 'external-packages',
  setup(build) {
    const rootModules = join(ROOT, 'node_modules') + sep;
    build.onResolve({ filter: /^[^./]/ }, async (args) => {
      if (args.path.startsWith('@skiff/') || args.pluginData === 'external-packages') return undefined;
      if (isBuiltin(args.path)) return { path: args.path, external: true };
      const found = await build.resolve(args.path, { kind: args.kind, resolveDir: args.resolveDir, pluginData: 'external-packages' });
      if (found.errors.length > 0) return { errors: found.errors };
      if (found.path.startsWith(rootModules)) return { path: args.path, external: true };
      return { path: relative(DIST, found.path).split(sep).join('/'), external: true };
    });
  },
};

/** Compiles every entry point; returns the source files it read. */
async function compile() {
  const { build: esbuild, stop } = await import('esbuild');
  const result = await esbuild({
    absWorkingDir: ROOT,
    entryPoints: entryPoints(),
    outdir: DIST,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    // Code reached only through import() (a CLI command's module, what `skiff up` needs once the
    // API server is started) is its own chunk, loaded when imported, with the packages it imports.
    splitting: true,
    chunkNames: 'chunk-[hash]',
    sourcemap: true,
    // Sources name the files the map points at; a stack trace needs no copy of them.
    sourcesContent: false,
    // processes.ts starts the other components from dist/ when this is defined.
    define: { SKIFF_BUNDLED: 'true' },
    plugins: [externalPackages, sourceUrls],
    metafile: true,
    write: false,
    logLevel: 'warning',
  });
  // Its service process would otherwise live as long as this one (scripts/start.mjs runs the CLI here).
  await stop();
  mkdirSync(DIST, { recursive: true });
  // Each file is swapped in whole: a process starting meanwhile reads the old one or the new one.
  for (const file of result.outputFiles) {
    const tmp = `${file.path}.${process.pid}.tmp`;
    writeFileSync(tmp, file.contents);
    renameSync(tmp, file.path);
  }
  // Chunks are named by their content: those of earlier builds are gone from this one's output.
  const written = new Set(result.outputFiles.map((file) => file.path));
  for (const name of readdirSync(DIST)) {
    if (/^chunk-\w+\.js(\.map)?$/.test(name) && !written.has(join(DIST, name))) rmSync(join(DIST, name), { force: true });
  }
  return Object.keys(result.metafile.inputs);
}

const took = (startedMs) => `${Date.now() - startedMs} ms`;

/**
 * Builds what is stale (everything with `force`), saying on stderr what it built: the bundles,
 * the status page, the database template. Returns at once when dist/build.json is current.
 */
export async function ensureCompiled({ force = false } = {}) {
  const startedAtMs = Date.now();
  if (!force && isFresh()) return;
  const inputs = await compile();
  console.error(`skiff: compiled ${inputs.length} files into ${relative(process.cwd(), DIST) || '.'}/ in ${took(startedAtMs)}`);
  let stepMs = Date.now();
  // The status page checks its own sources (a no-op when apps/status-page/dist is current).
  const { ensureBuilt } = await import(pathToFileURL(join(DIST, 'build-status-page.js')).href);
  if ((await ensureBuilt({ force })).built) console.error(`skiff: built the status page into apps/status-page/dist/ in ${took(stepMs)}`);
  stepMs = Date.now();
  const store = await import(pathToFileURL(join(DIST, 'build-store.js')).href);
  if (force || !store.pgliteTemplateIsCurrent()) {
    await store.makePgliteTemplate();
    console.error(`skiff: made the embedded database new data dirs start from (dist/pglite-template) in ${took(stepMs)}`);
  }
  writeFileSync(STAMP, JSON.stringify({ startedAtMs, entryPoints: entryPoints(), inputs }, null, 2) + '\n');
}

/** ensureCompiled, or a message on stderr and exit 1 when the build fails. */
export async function ensureCompiledOrExit(opts) {
  try {
    await ensureCompiled(opts);
  } catch (err) {
    console.error(`skiff: build failed: ${err instanceof Error ? err.stack : err}`);
    // A half-started PGlite may hold the event loop open: fail now.
    process.exit(1);
  }
}

if (process.argv[1] && pathToFileURL(process.argv[1]).href === import.meta.url) {
  await ensureCompiledOrExit({ force: process.argv.includes('--force') });
}
