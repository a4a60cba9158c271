import { randomBytes } from 'node:crypto';
import { createServer, request, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A stand-in for a registry behind a token server (Docker Hub, GHCR, Harbor): answers 401 with a
 * `Bearer` challenge, issues tokens at /token for the given credentials, and passes requests that
 * carry a token on to a real registry. The Host header is passed on unchanged, so the upload
 * Locations the registry returns point back at this proxy.
 */
export async function startBearerTokenProxy(options: { upstream: string; username: string; password: string }): Promise<{
  host: string;
  stop(): Promise<void>;
}> {
  const upstream = new URL(options.upstream);
  const expectedBasic = `Basic ${Buffer.from(`${options.username}:${options.password}`).toString('base64')}`;
  const tokens = new Set<string>();
  let realm = '';

  const server = createServer((req, res) => {
    if (req.url?.startsWith('/token')) return issueToken(req, res);
    const token = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
    if (token === undefined || !tokens.has(token)) {
      res.writeHead(401, {
        'content-type': 'application/json',
        'www-authenticate': `Bearer realm="${realm}",service="skiff-test",scope="repository:hello:pull"`,
      });
      res.end(JSON.stringify({ errors: [{ code: 'UNAUTHORIZED', message: 'authentication required' }] }));
      return;
    }
    const headers = { ...req.headers };
    delete headers.authorization;
    const forwarded = request({ hostname: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers }, (upstreamRes) => {
      res.writeHead(upstreamRes.statusCode ?? 502, upstreamRes.headers);
      upstreamRes.pipe(res);
    });
    forwarded.on('error', () => res.destroy());
    req.pipe(forwarded);
  });

  function issueToken(req: IncomingMessage, res: ServerResponse): void {
    if (req.headers.authorization !== expectedBasic) {
      res.writeHead(401, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ errors: [{ code: 'UNAUTHORIZED', message: 'bad credentials' }] }));
      return;
    }
    const token = randomBytes(16).toString('hex');
    tokens.add(token);
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ token }));
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const host = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  realm = `http://${host}/token`;
  return {
    host,
    stop: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
