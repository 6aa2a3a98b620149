import { createServer, type IncomingMessage, type RequestListener, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { listenOrExplain } from '@spir-webhooks/shared-types';
import type { Config } from '../config';
import { guardConnections } from './connectionGuard';

export interface Listeners {
  /** e.g. http://127.0.0.1:8080: the public listener, as reached from this machine. */
  url: string;
  /** The operators' listener (INTERNAL_PORT), when there is one. */
  internalUrl: string | undefined;
  close(): Promise<void>;
}

/** The apps each listener serves: the internal one only when it has a listener of its own. */
export interface ListenerApps {
  public: RequestListener;
  internal: RequestListener | undefined;
}

/**
 * A route served on Node's own request and response, ahead of the app (ingest: every event takes
 * it); `matches` picks its requests.
 */
export interface FastPath {
  matches(req: IncomingMessage): boolean;
  handle: RequestListener;
}

/**
 * One server per listener, each with its limits set on purpose: a whole request (body included)
 * within HTTP_REQUEST_TIMEOUT_SECONDS, headers within HTTP_HEADERS_TIMEOUT_SECONDS, idle
 * keep-alive connections closed after HTTP_KEEP_ALIVE_SECONDS, at most HTTP_MAX_CONNECTIONS; on the
 * public listener, at most HTTP_MAX_CONNECTIONS_PER_ADDRESS from one client (connectionGuard.ts).
 * The fast path runs on whichever listener serves the internal API.
 */
function createListener(config: Readonly<Config>, app: RequestListener, fastPath: FastPath | undefined): Server {
  const server = createServer(
    {
      requestTimeout: config.httpRequestTimeoutMs,
      headersTimeout: Math.min(config.httpHeadersTimeoutMs, config.httpRequestTimeoutMs),
      // How often Node looks for requests over those limits (its default is every 30 s).
      connectionsCheckingInterval: Math.max(100, Math.min(1_000, config.httpRequestTimeoutMs / 4)),
    },
    (req, res) => {
      // Every answer of every route, refusals included, is never sniffed as another type: set
      // once here rather than per router, so that no route (such as /console/session) misses it.
      res.setHeader('x-content-type-options', 'nosniff');
      if (fastPath?.matches(req) === true) fastPath.handle(req, res);
      else void app(req, res);
    },
  );
  server.keepAliveTimeout = config.httpKeepAliveMs;
  server.maxConnections = config.httpMaxConnections;
  return server;
}

function localUrl(server: Server, listenHost: string): string {
  const { port } = server.address() as AddressInfo;
  const host = listenHost === '0.0.0.0' || listenHost === '::' ? '127.0.0.1' : listenHost;
  return `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
}

export async function startListeners(
  config: Readonly<Config>,
  apps: ListenerApps,
  fastPath: FastPath,
): Promise<Listeners> {
  const separate = config.internalListener;
  const publicServer = createListener(config, apps.public, separate === undefined ? fastPath : undefined);
  // The public listener faces every client; the internal one, Spir's core alone (which may hold
  // many connections from one address), behind its own address and token.
  guardConnections(publicServer, {
    perAddress: config.httpMaxConnectionsPerAddress,
    unauthenticatedIdleMs: config.httpUnauthenticatedIdleMs,
    maxConnections: config.httpMaxConnections,
  });
  // The guard holds the public listener's cap: Node's would refuse a newcomer instead of shedding.
  publicServer.maxConnections = Number.POSITIVE_INFINITY;
  const servers = [publicServer];
  await listenOrExplain(publicServer, { port: config.port, host: config.host });
  let internalUrl: string | undefined;
  if (separate !== undefined && apps.internal !== undefined) {
    const internalServer = createListener(config, apps.internal, fastPath);
    servers.push(internalServer);
    await listenOrExplain(internalServer, {
      ...separate,
      portVariable: 'INTERNAL_PORT',
      hostVariable: 'INTERNAL_HOST',
    });
    internalUrl = localUrl(internalServer, separate.host);
  }
  return {
    url: localUrl(publicServer, config.host),
    internalUrl,
    async close() {
      await Promise.all(
        servers.map(
          (server) =>
            new Promise<void>((resolve) => {
              server.close(() => resolve());
              server.closeAllConnections();
            }),
        ),
      );
    },
  };
}
