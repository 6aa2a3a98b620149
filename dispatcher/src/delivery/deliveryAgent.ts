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
  /** Told of every refused address, for the operator's log (tenants see no address). */
  onBlocked?: (hostname: string, address: string) => void;
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
    ...(options.ca === undefined ? {} : { ca: options.ca }),
  });
  const connect: buildConnector.connector = (connectOptions, callback) => {
    resolvePublicAddress(connectOptions.hostname, options.pinnedHosts, lookup).then(
      (address) => connectTls({ ...connectOptions, hostname: address, servername: connectOptions.hostname }, callback),
      (error: Error) => {
        if (error instanceof BlockedAddressError && error.address !== undefined)
          options.onBlocked?.(connectOptions.hostname, error.address);
        callback(error, null);
      },
    );
  };
  return new Agent({
    connect,
    connections: options.connectionsPerOrigin ?? 64,
    keepAliveTimeout: 4_000,
    keepAliveMaxTimeout: 60_000,
  });
}
