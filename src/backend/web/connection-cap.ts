/**
 * Bounds the connections to `bpf-lab serve` that have not shown the token, so
 * another local user holding thousands of half-sent requests open cannot use
 * up serve's open files and lock the owner out. When the cap is reached, the
 * oldest untrusted connection is closed, never the new one, so the owner's next
 * connection always gets in. A connection becomes trusted once a request on it
 * passed the Bearer check; trusted ones (keep-alive, the live stream) are never
 * closed here.
 */
import type { Server } from 'node:http';
import type { Socket } from 'node:net';

/** How many untrusted connections serve keeps open at once. */
export const DEFAULT_UNTRUSTED_CAP = 256;
/** How long a client may take to send a request's headers, and the whole request. */
export const HEADERS_TIMEOUT_MS = 10_000;
export const REQUEST_TIMEOUT_MS = 30_000;

/**
 * Sets the server's timeouts and caps its untrusted connections; returns trust(),
 * which the router calls once a request on a socket passed the Bearer check.
 */
export function capUntrusted(server: Server, cap = DEFAULT_UNTRUSTED_CAP): (socket: Socket) => void {
  server.headersTimeout = HEADERS_TIMEOUT_MS;
  server.requestTimeout = REQUEST_TIMEOUT_MS;
  // A Set keeps insertion order: its first entry is the oldest untrusted connection.
  const untrusted = new Set<Socket>();
  server.on('connection', (socket: Socket) => {
    untrusted.add(socket);
    socket.once('close', () => untrusted.delete(socket));
    while (untrusted.size > cap) {
      const oldest = untrusted.values().next().value as Socket;
      untrusted.delete(oldest);
      oldest.destroy();
    }
  });
  return (socket) => { untrusted.delete(socket); };
}
