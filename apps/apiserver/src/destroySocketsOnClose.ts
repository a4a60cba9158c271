import type { Duplex } from 'node:stream';
import type { FastifyInstance } from 'fastify';

/**
 * Destroys every socket the server accepted when it closes. `forceCloseConnections` destroys only
 * the connections Node's HTTP server knows when it runs: a socket handed to an `upgrade` handler
 * (exec, attach, port-forward) is outside that list, and so is a TLS connection whose handshake was
 * still going on. Such a connection then sits idle with no request until the headers timeout, and
 * `server.close()` waits for it: after `kubectl logs -f` was killed, the close hung this way (two
 * TLS connections open, no byte of a request read on either).
 */
export function destroySocketsOnClose(app: FastifyInstance): void {
  const sockets = new Set<Duplex>();
  const track = (socket: Duplex) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  };
  // `connection` gives the TCP socket; over TLS, `secureConnection` gives the TLS socket on it.
  app.server.on('connection', track);
  app.server.on('secureConnection', track);
  app.addHook('preClose', async () => {
    for (const socket of sockets) socket.destroy();
  });
}
