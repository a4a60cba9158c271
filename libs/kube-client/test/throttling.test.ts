import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { TooManyRequestsError } from '@skiff/apimachinery';
import { ApiClient, resourceType } from '../src/index.js';

const CM = resourceType('configmaps');
const throttled = { kind: 'Status', apiVersion: 'v1', status: 'Failure', reason: 'TooManyRequests', message: 'too many requests, please try again later', code: 429 };

/** An HTTP server that answers 429 (Retry-After: 0) to the first `throttle` requests, then the ConfigMap. */
async function serve(throttle: number): Promise<{ server: Server; url: string; seen: () => number }> {
  let seen = 0;
  const server = createServer((req, res) => {
    seen++;
    if (seen <= throttle) {
      res.writeHead(429, { 'content-type': 'application/json', 'retry-after': '0' }).end(JSON.stringify(throttled));
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c', namespace: 'default' } }));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen: () => seen };
}

describe('a throttled client (429 with Retry-After)', () => {
  let server: Server | undefined;
  afterEach(() => new Promise<void>((r) => (server ? server.close(() => r()) : r())));

  it('sends the request again after Retry-After, as client-go does', async () => {
    const s = await serve(3);
    server = s.server;
    const got = await new ApiClient({ server: s.url, token: 't' }).get(CM, 'default', 'c');
    expect(got.metadata.name).toBe('c');
    expect(s.seen()).toBe(4);
  });

  it('gives up after 10 retries with the server\'s TooManyRequests', async () => {
    const s = await serve(1000);
    server = s.server;
    await expect(new ApiClient({ server: s.url, token: 't' }).get(CM, 'default', 'c')).rejects.toBeInstanceOf(TooManyRequestsError);
    expect(s.seen()).toBe(11);
  });
});
