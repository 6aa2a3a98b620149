import { createSecureContext } from 'node:tls';
import { Agent, buildConnector } from 'undici';
import { BlockedAddressError, resolvePublicAddress, systemLookup, type LookupAll } from './publicAddress';

export interface DeliveryAgentOptions {
  /** Host name → address pins from WEBHOOK_RESOLVE; these skip the public-address check. */
  pinnedHosts: ReadonlyMap<string, string>;
  /** Connect limit in milliseconds (the whole attempt is bounded separately). */
  connectTimeoutMs: number;
  /** DNS resolution; tests pass their own resolver. */
  lookup?: LookupAll;
  /** Trusted CAs in place of Node's own (tests in one process use a throwaway CA). */
  ca?: string[];
  /** Connections kept per origin. */
  connectionsPerOrigin?: number;
  /** Told why each host was refused (its address, or its DNS error), for the operator's log only. */
  onBlocked?: (hostname: string, detail: string) => void;
}

/**
 * The HTTP agent every attempt goes through: keep-alive pools per origin, redirects never
 * followed (undici follows none without its redirect interceptor), and a connector that
 * resolves the host itself, refuses non-public addresses and connects to the address it
 * checked, with the original name kept for SNI and certificate verification. An IP-literal
 * host never reaches a socket.
 */
export function createDeliveryAgent(options: DeliveryAgentOptions): Agent {
  const lookup = options.lookup ?? systemLookup;
  const connectTls = buildConnector({
    timeout: options.connectTimeoutMs,
    // One TLS context for every connection: without it each handshake builds its own from the CA
    // list, which the profile showed as a fifth of a sending thread's time with 200 endpoints.
    secureContext: createSecureContext(options.ca === undefined ? {} : { ca: options.ca }),
    // TLS sessions are resumed for this many hosts (undici keeps 100).
    maxCachedSessions: 5_000,
  });
  const connect: buildConnector.connector = (connectOptions, callback) => {
    resolvePublicAddress(connectOptions.hostname, options.pinnedHosts, lookup).then(
      (address) => connectTls({ ...connectOptions, hostname: address, servername: connectOptions.hostname }, callback),
      (error: Error) => {
        if (error instanceof BlockedAddressError && error.operatorDetail !== undefined)
          options.onBlocked?.(connectOptions.hostname, error.operatorDetail);
        callback(error, null);
      },
    );
  };
  return new Agent({
    connect,
    connections: options.connectionsPerOrigin ?? 64,
    // An endpoint's Keep-Alive hint is honoured up to 15 s: connections opened for a burst are
    // closed soon after, rather than held for a minute by every endpoint.
    keepAliveTimeout: 4_000,
    keepAliveMaxTimeout: 15_000,
  });
}
