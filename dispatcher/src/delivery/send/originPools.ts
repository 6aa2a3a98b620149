import type { Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import type { TLSSocket } from 'node:tls';
import { Client, errors, Pool, type Dispatcher, type buildConnector } from 'undici';
import type { TrackedConnection } from './connectionCap';

/**
 * Requests given to one HTTP/2 connection at once. The server's SETTINGS_MAX_CONCURRENT_STREAMS
 * decides how many of them run (commonly 100 to 250); Node's HTTP/2 client holds the rest on the
 * connection until streams close. undici opens another connection to the origin only past this,
 * and while that one is being opened every request arriving opens one more (a client that has
 * not connected yet counts as busy), so this is set above what a busy origin holds in flight.
 */
const streamsPerConnection = 256;

const maxOriginsRemembered = 10_000;

/** A client that remembers when it was last given a request, so an idle HTTP/2 connection can be closed. */
class DeliveryClient extends Client {
  lastDispatchAt = performance.now();

  override dispatch(options: Dispatcher.DispatchOptions, handler: Dispatcher.DispatchHandler): boolean {
    this.lastDispatchAt = performance.now();
    return super.dispatch(options, handler);
  }
}

/**
 * An origin's pool that opens one connection at a time while it would only add handshakes:
 * while nothing tells what the origin's server speaks, and while an origin that speaks h2 opens
 * another connection. Otherwise undici opened a connection per request in flight (a client that
 * has not connected yet counts as busy, so each next request opens one more), each a TLS
 * handshake, for a first burst to an origin that multiplexes or whenever its connections were
 * full. What waits goes on once that connection is open or failed, or after `holdLimitMs`.
 * HTTP/1.1 origins are never held: each of their requests needs a connection of its own.
 */
class OriginPool extends Pool {
  /** Requests held, or undefined when none is; the first one of a probe is not held. */
  private held: [Dispatcher.DispatchOptions, Dispatcher.DispatchHandler][] | undefined;
  /** Connections of this origin being opened. */
  opening = 0;

  constructor(
    origin: string | URL,
    options: Pool.Options,
    /** Whether the origin's latest connection chose h2; undefined if nothing tells. */
    private readonly speaksH2: () => boolean | undefined,
    private readonly holdLimitMs: number,
  ) {
    super(origin, options);
  }

  override dispatch(options: Dispatcher.DispatchOptions, handler: Dispatcher.DispatchHandler): boolean {
    if (this.held !== undefined) {
      this.held.push([options, handler]);
      return true;
    }
    const h2 = this.speaksH2();
    if (h2 === true && this.opening > 0) {
      this.hold([[options, handler]]);
      return true;
    }
    // A probe: this request's connection finds out what the origin speaks.
    if (h2 === undefined && this.stats.connected === 0) this.hold([]);
    return super.dispatch(options, handler);
  }

  /** A connection opened, or failed to: what waited goes on. */
  opened(): void {
    const held = this.held;
    if (held === undefined) return;
    this.held = undefined;
    // Once the connection's client has taken up its state (until then the pool sees it busy and
    // would open a connection per request again).
    setImmediate(() => {
      for (const [options, handler] of held) super.dispatch(options, handler);
    });
  }

  private hold(first: [Dispatcher.DispatchOptions, Dispatcher.DispatchHandler][]): void {
    const held = first;
    this.held = held;
    setTimeout(() => {
      if (this.held === held) this.opened();
    }, this.holdLimitMs).unref();
  }
}

/**
 * Each origin's pool, as undici's Agent builds it, but with clients that use what the origin's
 * server chose in ALPN. undici runs one request at a time per connection (`pipelining` 1) unless
 * told otherwise, HTTP/2 included, so a pool opened a connection per request in flight even to an
 * origin that multiplexes. Here a connection that chose `h2` carries up to `streamsPerConnection`
 * requests at once; one that chose HTTP/1.1 keeps one at a time (never pipelined: a customer's
 * server may not take it, and one slow answer would hold the others). An origin's next
 * connections start as its latest one chose.
 *
 * undici never closes an idle HTTP/2 connection (its keep-alive timeouts are HTTP/1.1's): one
 * that has had no request for `idleMs` and has none in flight is closed here, as HTTP/1.1's are.
 */
export function originPoolFactory(options: {
  idleMs: number;
  /** How long requests wait for a connection being opened to an origin (OriginPool). */
  holdLimitMs: number;
  /** Told of each connection, with how to tell it is idle and close it (the cap may, for another). */
  onConnected: (socket: Socket, connection: TrackedConnection) => void;
}): (origin: string | URL, options: object) => Dispatcher {
  // Origin → whether its latest connection chose h2, the oldest forgotten first.
  const speaksH2 = new Map<string, boolean>();
  const remember = (origin: string, h2: boolean) => {
    speaksH2.delete(origin);
    if (speaksH2.size >= maxOriginsRemembered) speaksH2.delete(speaksH2.keys().next().value!);
    speaksH2.set(origin, h2);
  };
  const clientFor = (origin: URL, clientOptions: ClientOptions, pool: OriginPool) => {
    const key = origin.origin;
    const client: DeliveryClient = new DeliveryClient(origin, {
      ...clientOptions,
      pipelining: speaksH2.get(key) === true ? streamsPerConnection : 1,
      connect: (connectOptions, callback) => {
        pool.opening++;
        clientOptions.connect(connectOptions, (...result) => {
          pool.opening--;
          callback(...result);
          const [error, socket] = result;
          if (error === null && socket !== null && socket !== undefined) {
            const h2 = (socket as TLSSocket).alpnProtocol === 'h2';
            remember(key, h2);
            client.pipelining = h2 ? streamsPerConnection : 1;
            if (h2) closeWhenIdle(client, socket, options.idleMs);
            options.onConnected(socket, {
              isIdle: () => client.stats.size === 0,
              close: () => closeQuietly(socket),
            });
          }
          pool.opened();
        });
      },
    });
    return client;
  };
  return (origin, poolOptions) => {
    const key = new URL(origin).origin;
    const pool: OriginPool = new OriginPool(
      origin,
      {
        ...poolOptions,
        factory: (poolOrigin, clientOptions) => clientFor(poolOrigin, clientOptions as ClientOptions, pool),
      },
      () => speaksH2.get(key),
      options.holdLimitMs,
    );
    return pool;
  };
}

type ClientOptions = Client.Options & { connect: buildConnector.connector };

function closeWhenIdle(client: DeliveryClient, socket: Socket, idleMs: number): void {
  const timer = setInterval(
    () => {
      if (client.stats.size === 0 && performance.now() - client.lastDispatchAt >= idleMs) closeQuietly(socket);
    },
    Math.max(100, idleMs / 4),
  ).unref();
  socket.once('close', () => clearInterval(timer));
}

/**
 * Closes a connection undici holds. With an error of its "informational" kind: undici's HTTP/2
 * session handler reads the socket's error when the socket closed first, and threw without one;
 * an informational error fails no request still queued for the client.
 */
function closeQuietly(socket: Socket): void {
  socket.destroy(new errors.InformationalError('idle connection closed by the dispatcher'));
}
