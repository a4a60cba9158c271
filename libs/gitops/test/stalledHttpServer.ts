import http from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A git remote that stalls, on 127.0.0.1 (tests only). `silent`: accepts every request and never
 * answers. `trickle`: answers 200 and starts a pkt-line of 65531 bytes, sent one byte each
 * `everyMs` (default 200): never idle long enough for a socket timeout, done in hours. `close`
 * cuts the connections it holds.
 */
export async function startStalledHttpServer(mode: 'silent' | 'trickle', everyMs = 200) {
  const requests: string[] = [];
  const timers: NodeJS.Timeout[] = [];
  const server = http.createServer((req, res) => {
    requests.push(req.url ?? '');
    if (mode === 'silent') return;
    res.writeHead(200, { 'content-type': 'application/x-git-upload-pack-advertisement' });
    res.write('ffff');
    timers.push(setInterval(() => res.write('#'), everyMs));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    /** The path and query of each request, in order. */
    requests,
    close: () => {
      timers.forEach(clearInterval);
      server.closeAllConnections();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
