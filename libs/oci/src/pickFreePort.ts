import { randomInt } from 'node:crypto';
import { createServer } from 'node:net';

/**
 * Below Linux's ephemeral range (32768-60999 by default): ports there are handed out to outgoing
 * connections, ours included, so one could take the port between this probe and the real bind.
 * A random pick rather than a counter so parallel test workers rarely try the same one.
 */
const LOWEST_PORT = 10_000;
const HIGHEST_PORT = 32_767;

/**
 * A TCP port on 127.0.0.1 that was free a moment ago, for servers that cannot be told to listen on
 * port 0 and report what they got. Another process may still take it before the caller binds, so
 * callers retry with a new port when their bind fails.
 */
export async function pickFreePort(attempts = 50): Promise<number> {
  for (let i = 0; i < attempts; i++) {
    const port = randomInt(LOWEST_PORT, HIGHEST_PORT + 1);
    if (await canListen(port)) return port;
  }
  throw new Error(`no free port on 127.0.0.1 between ${LOWEST_PORT} and ${HIGHEST_PORT} after ${attempts} tries`);
}

function canListen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen({ port, host: '127.0.0.1', exclusive: true }, () => server.close(() => resolve(true)));
  });
}
