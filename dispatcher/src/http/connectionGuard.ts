import { isIPv6 } from 'node:net';
import type { Server } from 'node:http';
import type { Socket } from 'node:net';

/** Connections on which a request authenticated: they keep the ordinary keep-alive time. */
const authenticated = new WeakSet<Socket>();

/** Marks the connection a request came on as authenticated (a valid token, key or session). */
export function markAuthenticated(socket: Socket): void {
  authenticated.add(socket);
}

/** Past this share of the cap, a new connection sheds the oldest idle one that never authenticated. */
const shedFrom = 0.9;

/**
 * The client a connection counts against: its IPv4 address, or the /64 of its IPv6 address, since
 * one IPv6 subscriber is handed a whole /64 (an IPv4-mapped address counts as its IPv4 one).
 */
export function clientOf(address: string): string {
  if (!isIPv6(address)) return address;
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped !== null) return mapped[1]!;
  const [head = '', tail = ''] = address.toLowerCase().split('%')[0]!.split('::');
  const left = head === '' ? [] : head.split(':');
  const right = address.includes('::') ? (tail === '' ? [] : tail.split(':')) : [];
  const groups = address.includes('::')
    ? [...left, ...Array<string>(8 - left.length - right.length).fill('0'), ...right]
    : left;
  return `${groups
    .slice(0, 4)
    .map((group) => Number.parseInt(group, 16).toString(16))
    .join(':')}::/64`;
}

/**
 * Keeps one client from taking the room of every other, and many clients from locking out the
 * rest:
 * - at most `perAddress` connections from one client (clientOf: an IPv6 /64 is one client);
 *   further ones are closed at once;
 * - a connection on which nothing authenticated is closed after `unauthenticatedIdleMs` without
 *   a request in flight, not after the keep-alive time;
 * - at most `maxConnections` in all (this guard holds the cap, not Node's `maxConnections`, which
 *   would refuse the newcomer): near the cap, each new connection closes the oldest one that is
 *   idle and never authenticated, so a client that sends a request is served while those that
 *   only hold sockets make room. Only when nothing can be shed is the newcomer closed.
 * Behind a load balancer every connection comes from its address: raise `perAddress` there.
 */
export function guardConnections(
  server: Server,
  limits: { perAddress: number; unauthenticatedIdleMs: number; maxConnections: number },
): void {
  const perClient = new Map<string, number>();
  // Every open connection in arrival order (a Set iterates in insertion order): the oldest first.
  const open = new Set<Socket>();
  const idle = new WeakMap<Socket, { inFlight: number; timer: NodeJS.Timeout | undefined }>();
  const sheddable = (socket: Socket) => idle.get(socket)?.inFlight === 0 && !authenticated.has(socket);
  const shedOldestIdle = (): boolean => {
    for (const socket of open) {
      if (!sheddable(socket)) continue;
      socket.destroy();
      return true;
    }
    return false;
  };
  const startIdle = (socket: Socket) => {
    const state = idle.get(socket);
    if (state === undefined || authenticated.has(socket)) return;
    clearTimeout(state.timer);
    state.timer = setTimeout(() => {
      if (sheddable(socket)) socket.destroy();
    }, limits.unauthenticatedIdleMs).unref();
  };
  server.on('connection', (socket: Socket) => {
    const client = clientOf(socket.remoteAddress ?? 'unknown');
    const count = perClient.get(client) ?? 0;
    if (count >= limits.perAddress) {
      socket.destroy();
      return;
    }
    if (open.size >= Math.floor(limits.maxConnections * shedFrom) && !shedOldestIdle()) {
      if (open.size >= limits.maxConnections) {
        socket.destroy();
        return;
      }
    }
    perClient.set(client, count + 1);
    open.add(socket);
    idle.set(socket, { inFlight: 0, timer: undefined });
    socket.on('close', () => {
      open.delete(socket);
      clearTimeout(idle.get(socket)?.timer);
      const left = (perClient.get(client) ?? 1) - 1;
      if (left <= 0) perClient.delete(client);
      else perClient.set(client, left);
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
