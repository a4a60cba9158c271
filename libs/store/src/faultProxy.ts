import { createServer, connect, type Server, type Socket } from 'node:net';

/**
 * A TCP proxy on 127.0.0.1 in front of a database, for tests of what the store does when the
 * database fails; the database itself is never touched.
 */
export interface FaultProxy {
  readonly port: number;
  /** `databaseUrl` with its host and port replaced by the proxy's. */
  url(databaseUrl: string): string;
  /** Down: every proxied connection is reset and new ones are refused. */
  cut(): Promise<void>;
  /** Half-open: connections stay open (and new ones are accepted) but nothing gets through either way. */
  blackhole(): void;
  /** The connections open now go silent as in `blackhole`; new ones are forwarded (a half-open peer). */
  silenceOpenConnections(): void;
  /**
   * Forwards again. Silent connections lost bytes, so they are reset, as a peer that reappears
   * after a partition resets the connections it no longer knows.
   */
  restore(): Promise<void>;
  close(): Promise<void>;
}

interface Pair {
  client: Socket;
  upstream: Socket | undefined;
  /** Nothing gets through this pair any more (a blackhole, or silenced). */
  silent: boolean;
}

/** Starts a proxy on an ephemeral port of 127.0.0.1 that forwards to `target` (default local Postgres). */
export async function startFaultProxy(target = { host: '127.0.0.1', port: 5432 }): Promise<FaultProxy> {
  let mode: 'forward' | 'blackhole' | 'cut' = 'forward';
  const pairs = new Set<Pair>();
  const destroy = (p: Pair) => {
    pairs.delete(p);
    p.client.destroy();
    p.upstream?.destroy();
  };

  const accept = (client: Socket) => {
    const pair: Pair = { client, upstream: undefined, silent: mode === 'blackhole' };
    pairs.add(pair);
    client.on('error', () => destroy(pair));
    client.on('close', () => destroy(pair));
    if (pair.silent) return;
    const upstream = connect(target);
    pair.upstream = upstream;
    upstream.on('error', () => destroy(pair));
    upstream.on('close', () => destroy(pair));
    const forward = (from: Socket, to: Socket) =>
      from.on('data', (chunk) => {
        if (mode === 'forward' && !pair.silent) to.write(chunk);
      });
    forward(client, upstream);
    forward(upstream, client);
  };

  let server: Server = createServer(accept);
  const listen = (port: number) =>
    new Promise<number>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => {
        server.off('error', reject);
        resolve((server.address() as { port: number }).port);
      });
    });
  const stopListening = () => new Promise<void>((resolve) => server.close(() => resolve()));
  const port = await listen(0);

  return {
    port,
    url: (databaseUrl) => {
      const u = new URL(databaseUrl);
      u.hostname = '127.0.0.1';
      u.port = String(port);
      return u.toString();
    },
    cut: async () => {
      mode = 'cut';
      const closed = stopListening();
      for (const p of [...pairs]) destroy(p);
      await closed;
    },
    blackhole: () => {
      mode = 'blackhole';
      for (const p of pairs) p.silent = true;
    },
    silenceOpenConnections: () => {
      for (const p of pairs) p.silent = true;
    },
    restore: async () => {
      if (mode === 'cut') {
        server = createServer(accept);
        await listen(port);
      }
      for (const p of [...pairs]) if (p.silent) destroy(p);
      mode = 'forward';
    },
    close: async () => {
      mode = 'cut';
      const closed = server.listening ? stopListening() : Promise.resolve();
      for (const p of [...pairs]) destroy(p);
      await closed;
    },
  };
}
