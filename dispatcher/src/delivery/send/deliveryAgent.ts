import { Socket } from 'node:net';
import { createSecureContext, TLSSocket } from 'node:tls';
import { Agent, buildConnector } from 'undici';
import { BlockedAddressError, resolvePublicAddress, systemLookup, type LookupAll } from '../addresses/publicAddress';
import { ConnectionCap, defaultDeliveryConnections } from './connectionCap';
import { originPoolFactory } from './originPools';

export interface DeliveryAgentOptions {
  /** Host name → address pins from WEBHOOK_RESOLVE; these skip the public-address check. */
  pinnedHosts: ReadonlyMap<string, string>;
  /** Connect limit in milliseconds (the whole attempt is bounded separately). */
  connectTimeoutMs: number;
  /** DNS resolution; tests pass their own resolver. */
  lookup?: LookupAll;
  /** Trusted CAs in place of Node's own (tests in one process use a throwaway CA). */
  ca?: string[];
  /** Connections kept per origin (an HTTP/2 one carries many requests at once). */
  connectionsPerOrigin?: number;
  /** Connections open at once to every origin together (this agent's share of DELIVERY_CONNECTIONS). */
  totalConnections?: number;
  /** Offer HTTP/2 in ALPN (origins that choose it get multiplexed connections); true unless set. */
  http2?: boolean;
  /** Told why each host was refused (its address, or its DNS error), for the operator's log only. */
  onBlocked?: (hostname: string, detail: string) => void;
}

const maxCachedSessions = 5_000;
const defaultConnectionsPerOrigin = 64;
// An endpoint's Keep-Alive hint is honoured up to this (and an idle HTTP/2 connection kept as long).
const keepAliveMaxTimeoutMs = 15_000;

/**
 * The newest TLS session of each host, held strongly. undici's session cache holds its sessions
 * through WeakRefs, so a garbage collection between two connections to a host (minutes apart, as
 * Spir's traffic mostly is) lost the session, and every new connection paid a full handshake and
 * certificate check. Holding the same objects here keeps undici's references alive.
 */
class HeldSessions {
  private readonly byHost = new Map<string, Buffer>();

  constructor(private readonly max: number) {}

  holdFrom(hostname: string, socket: TLSSocket): void {
    socket.on('session', (session: Buffer) => {
      this.byHost.delete(hostname);
      if (this.byHost.size >= this.max) this.byHost.delete(this.byHost.keys().next().value!);
      this.byHost.set(hostname, session);
    });
  }
}

/**
 * The HTTP agent every attempt goes through: keep-alive pools per origin, redirects never
 * followed (undici follows none without its redirect interceptor), and a connector that
 * resolves the host itself, refuses non-public addresses and connects to the address it
 * checked, with the original name kept for SNI and certificate verification. An IP-literal
 * host never reaches a socket. Every connection, HTTP/2 or HTTP/1.1, goes through that
 * connector, and holds one of `totalConnections` places from before its check until it closes.
 */
export function createDeliveryAgent(options: DeliveryAgentOptions): Agent {
  const lookup = options.lookup ?? systemLookup;
  const sessions = new HeldSessions(maxCachedSessions);
  const cap = new ConnectionCap(options.totalConnections ?? defaultDeliveryConnections, options.connectTimeoutMs);
  const connectTls = buildConnector({
    timeout: options.connectTimeoutMs,
    // One TLS context for every connection: without it each handshake builds its own from the CA
    // list, which showed in a sending thread's profile (bench/history.md, "Behind the comments").
    secureContext: createSecureContext(options.ca === undefined ? {} : { ca: options.ca }),
    // TLS sessions are resumed for this many hosts (undici keeps 100).
    maxCachedSessions,
    // ALPN offers h2 beside http/1.1; the origin's server chooses (originPools.ts).
    allowH2: options.http2 ?? true,
  });
  const connect: buildConnector.connector = (connectOptions, callback) => {
    cap
      .take()
      .then(async (release) => {
        let socket: unknown;
        try {
          const address = await resolvePublicAddress(connectOptions.hostname, options.pinnedHosts, lookup);
          // undici's connector returns the socket it opened (its type says void): held from the
          // start, since a TLS 1.2 server's session comes before the handshake ends.
          socket = connectTls(
            { ...connectOptions, hostname: address, servername: connectOptions.hostname },
            (...result) => {
              if (result[0] !== null) release();
              callback(...result);
            },
          );
        } catch (error) {
          release();
          throw error;
        }
        if (socket instanceof TLSSocket) sessions.holdFrom(connectOptions.hostname, socket);
        cap.holdUntilClosed(socket instanceof Socket ? socket : null, release);
      })
      .catch((error: Error) => {
        if (error instanceof BlockedAddressError && error.operatorDetail !== undefined)
          options.onBlocked?.(connectOptions.hostname, error.operatorDetail);
        callback(error, null);
      });
  };
  return new Agent({
    connect,
    factory: originPoolFactory({
      idleMs: keepAliveMaxTimeoutMs,
      holdLimitMs: options.connectTimeoutMs,
      onConnected: (socket, connection) => cap.track(socket, connection),
    }),
    connections: options.connectionsPerOrigin ?? defaultConnectionsPerOrigin,
    // An endpoint's Keep-Alive hint is honoured up to 15 s: connections opened for a burst are
    // closed soon after, rather than held for a minute by every endpoint.
    keepAliveTimeout: 4_000,
    keepAliveMaxTimeout: keepAliveMaxTimeoutMs,
  });
}
