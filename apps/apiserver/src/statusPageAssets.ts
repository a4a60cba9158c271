import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { Logger } from 'pino';

const NOT_BUILT = `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><title>Skiff: status page not built</title></head>
<body style="font:15px system-ui,sans-serif;margin:2rem"><h1>Status page not built</h1>
<p>Run <code>npm run build -w @skiff/status-page</code> and reload. (The API server builds it at start-up when it can; see its log.)</p></body></html>`;

const TYPES: Record<string, string> = {
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.html': 'text/html; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.map': 'application/json',
  '.woff2': 'font/woff2',
};

/**
 * Finds the built page through the @skiff/status-page package, building it first when dist is
 * missing or older than its sources (one log line with how long that took). Returns the dist
 * directory, or undefined when the package or Vite is not there: the page then answers 503.
 */
export async function prepareStatusPage(logger: Pick<Logger, 'info' | 'warn'>, build = true): Promise<string | undefined> {
  let pkg: typeof import('@skiff/status-page');
  try {
    pkg = await import('@skiff/status-page');
  } catch (err) {
    logger.warn({ err: (err as Error).message }, 'status page package not found; / answers 503');
    return undefined;
  }
  if (!build) return pkg.DIST_DIR;
  try {
    const r = await pkg.ensureBuilt();
    if (r.built) logger.info({ ms: r.ms, dir: r.distDir }, `status page built in ${r.ms} ms`);
  } catch (err) {
    // Another process may be building it at this moment; serve whatever dist holds.
    logger.warn({ err: (err as Error).message }, 'building the status page failed; / may answer 503');
  }
  return pkg.DIST_DIR;
}

/**
 * `/` and `/assets/*` from the built page (access is checked by the server's onRequest hook).
 * `onPage` is told when the page is sent: its stream follows once the script has loaded.
 */
export function statusPageRoutes(distDir: string | undefined, onPage?: () => void) {
  const sendIndex = async (reply: FastifyReply) => {
    const html = distDir ? await readFile(join(distDir, 'index.html'), 'utf8').catch(() => undefined) : undefined;
    if (html === undefined) return reply.code(503).header('content-type', 'text/html; charset=utf-8').header('retry-after', '5').send(NOT_BUILT);
    onPage?.();
    return reply.header('content-type', 'text/html; charset=utf-8').header('cache-control', 'no-cache').send(html);
  };
  return async (app: FastifyInstance) => {
    app.get('/', async (_req, reply) => sendIndex(reply));
    app.get('/index.html', async (_req, reply) => sendIndex(reply));
    app.get<{ Params: { file: string } }>('/assets/:file', async (req, reply) => {
      const file = req.params.file;
      // Vite writes hashed, flat names: anything else (a path, '..') is not ours.
      const ext = /^[\w.-]+(\.[a-z0-9]+)$/i.exec(file)?.[1];
      const body = distDir && ext && !file.includes('..') ? await readFile(join(distDir, 'assets', file)).catch(() => undefined) : undefined;
      if (!body) return reply.code(404).header('content-type', 'text/plain').send('not found');
      return reply.header('content-type', TYPES[ext!.toLowerCase()] ?? 'application/octet-stream').header('cache-control', 'public, max-age=31536000, immutable').send(body);
    });
  };
}
