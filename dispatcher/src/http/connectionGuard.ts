import type { Server } from 'node:http';
import type { Socket } from 'node:net';

/** Connections on which a request authenticated: they keep the ordinary keep-alive time. */
const authenticated = new WeakSet<Socket>();

/** Marks the connection a request came on as authenticated (a valid token, key or session). */
export function markAuthenticated(socket: Socket): void {
  authenticated.add(socket);
}

/**
 * Keeps one client from taking the room of every other: at most `perAddress` connections from one
 * address (further ones are closed at once), and a connection on which nothing authenticated is
 * closed after `unauthenticatedIdleMs` without a request in flight, not after the keep-alive time.
 * Behind a load balancer every connection comes from its address: raise `perAddress` there.
 */
export function guardConnections(server: Server, limits: { perAddress: number; unauthenticatedIdleMs: number }): void {
  const open = new Map<string, number>();
  const idle = new WeakMap<Socket, { inFlight: number; timer: NodeJS.Timeout | undefined }>();
  const startIdle = (socket: Socket) => {
    const state = idle.get(socket);
    if (state === undefined || authenticated.has(socket)) return;
    clearTimeout(state.timer);
    state.timer = setTimeout(() => {
      if (state.inFlight === 0 && !authenticated.has(socket)) socket.destroy();
    }, limits.unauthenticatedIdleMs).unref();
  };
  server.on('connection', (socket: Socket) => {
    const address = socket.remoteAddress ?? 'unknown';
    const count = open.get(address) ?? 0;
    if (count >= limits.perAddress) {
      socket.destroy();
      return;
    }
    open.set(address, count + 1);
    idle.set(socket, { inFlight: 0, timer: undefined });
    socket.on('close', () => {
      clearTimeout(idle.get(socket)?.timer);
      const left = (open.get(address) ?? 1) - 1;
      if (left <= 0) open.delete(address);
      else open.set(address, left);
    });
    // A connection that never sends a request is idle from the start.
    startIdle(socket);
  });
  server.on('request', (req, res) => {
    const socket = req.socket;
    const state = idle.get(socket);
    // Once a request authenticated, the connection keeps the ordinary keep-alive time.
    if (state === undefined || authenticated.has(socket)) return;
    state.inFlight++;
    clearTimeout(state.timer);
    res.once('close', () => {
      state.inFlight--;
      if (state.inFlight === 0) startIdle(socket);
    });
  });
}
