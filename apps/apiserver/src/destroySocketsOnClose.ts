import type { Duplex } from 'node:stream';
import type { FastifyInstance } from 'fastify';

/**
 * Destroys every socket the server accepted when it closes. `forceCloseConnections` destroys only
 * the connections Node's HTTP server still parses: a socket handed to an `upgrade` handler (exec,
 * attach, port-forward) and a TLS handshake in progress are outside that list, and `server.close()`
 * would wait on them until their clients leave.
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
