import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { createServer } from 'node:http';
import type { Logger } from 'pino';
import { listenOrExplain } from '@spir-webhooks/shared-types';
import type { Config } from './config';
import type { DispatcherContext } from './context';
import { createApp } from './app';
import { createIngestHandler, isIngestRequest } from './ingest/ingestHandler';
import { createDeliveryAgent } from './delivery/deliveryAgent';
import { DeliveryWorker } from './delivery/deliveryWorker';
import type { LookupAll } from './delivery/publicAddress';
import { loadOrCreateInternalToken } from './internalToken';
import { createProductionLogger, type ProductionLogger } from './ops/logger';
import { createMetrics } from './ops/metrics';
import { startRetentionJob } from './ops/retention';
import { FailureEmailSender } from './notify/failureEmailSender';
import { createOutboxFolderMailer, createSmtpMailer, type Mailer } from './notify/mailer';
import { openStore } from './store/openStore';

/** What tests and embedders may replace; production passes none of them. */
export interface DispatcherOverrides {
  now?: () => number;
  logger?: Logger;
  /** DNS resolution for webhook hosts. */
  lookup?: LookupAll;
  /** Trusted CAs for deliveries in place of Node's own. */
  ca?: string[];
  /** Where failure emails go in place of SMTP_URL or the outbox folder. */
  mailer?: Mailer;
}

export interface RunningDispatcher {
  /** e.g. http://127.0.0.1:8080 */
  url: string;
  internalApiToken: string;
  internalApiTokenSource: 'environment' | 'file' | 'generated';
  internalApiTokenPath: string;
  context: DispatcherContext;
  worker: DeliveryWorker;
  /** Stops taking requests, lets attempts in flight finish, closes the store. */
  close(): Promise<void>;
}

export async function startDispatcher(
  config: Readonly<Config>,
  overrides: DispatcherOverrides = {},
): Promise<RunningDispatcher> {
  const logging: ProductionLogger =
    overrides.logger === undefined
      ? createProductionLogger(config.logLevel)
      : { logger: overrides.logger, flush: () => undefined, close: () => undefined };
  const { logger } = logging;
  if (config.pinnedHosts.size > 0) {
    logger.warn(
      { pinnedHosts: Object.fromEntries(config.pinnedHosts) },
      'WEBHOOK_RESOLVE is set: these hosts skip the public-address check. For development and tests only, never in production.',
    );
  }
  const now = overrides.now ?? Date.now;
  const store = openStore(config);
  const internal = loadOrCreateInternalToken(config.internalApiToken, config.dataDir);
  const metrics = createMetrics(store, now);
  const agent = createDeliveryAgent({
    pinnedHosts: config.pinnedHosts,
    connectTimeoutMs: config.requestTimeoutMs,
    ...(overrides.lookup === undefined ? {} : { lookup: overrides.lookup }),
    ...(overrides.ca === undefined ? {} : { ca: overrides.ca }),
  });
  const worker = new DeliveryWorker({
    store,
    agent,
    now,
    logger,
    metrics,
    policy: {
      retryIntervalMs: config.retryIntervalMs,
      maxRetries: config.maxRetries,
      requestTimeoutMs: config.requestTimeoutMs,
    },
    concurrency: config.deliveryConcurrency,
    perWebhookConcurrency: config.deliveryConcurrencyPerWebhook,
    claimBatchSize: 200,
    pollIntervalMs: 500,
  });
  const context: DispatcherContext = { config, store, now, logger, metrics, agent, worker };

  const mailer =
    overrides.mailer ??
    (config.smtpUrl === undefined
      ? createOutboxFolderMailer(join(config.dataDir, 'outbox'))
      : createSmtpMailer(config.smtpUrl));
  const sender = new FailureEmailSender({
    store,
    mailer,
    from: config.mailFrom,
    now,
    logger,
    metrics,
    retryMs: config.mailRetryMs,
    pollIntervalMs: Math.min(1_000, config.mailRetryMs),
  });
  const stopRetention = startRetentionJob({ store, now, logger, retentionMs: config.retentionMs });

  const ingest = createIngestHandler(context, internal.token);
  const app = createApp(context, internal.token, ingest);
  const server = createServer((req, res) => {
    if (isIngestRequest(req)) ingest(req, res);
    else void app(req, res);
  });
  await listenOrExplain(server, { port: config.port, host: config.host });
  server.keepAliveTimeout = 65_000;
  worker.start();
  sender.start();
  const { port } = server.address() as AddressInfo;
  const host = config.host === '0.0.0.0' || config.host === '::' ? '127.0.0.1' : config.host;
  logger.info({ port, host: config.host, store: store.engine, sqlitePath: config.sqlitePath }, 'dispatcher listening');
  logging.flush();

  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${port}`,
    internalApiToken: internal.token,
    internalApiTokenSource: internal.source,
    internalApiTokenPath: internal.path,
    context,
    worker,
    async close() {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      stopRetention();
      await worker.stop();
      await sender.stop();
      mailer.close();
      await agent.close();
      await store.close();
      logging.close();
    },
  };
}
