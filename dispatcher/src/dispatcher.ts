import { join } from 'node:path';
import type { Logger } from 'pino';
import type { Config } from './config';
import type { DispatcherContext } from './context';
import { createApps } from './app';
import { startListeners } from './http/listeners';
import { createSecretBox } from './webhooks/secretBox';
import { createIngestHandler, isIngestRequest } from './ingest/ingestHandler';
import { ObservedShapes } from './contract/observedShapes';
import { createAttemptSender } from './delivery/send/attemptSender';
import { DeliveryWorker } from './delivery/worker/deliveryWorker';
import { WebhookLimits } from './delivery/worker/webhookLimits';
import type { LookupAll } from './delivery/addresses/publicAddress';
import { loadOrCreateInternalToken } from './internalToken';
import { createProductionLogger, type ProductionLogger } from './ops/logger';
import { createMetrics } from './ops/metrics';
import { startTracing, type Tracing } from './ops/tracing';
import { startRetentionJob } from './ops/retention';
import { FailureEmailSender } from './notify/failureEmailSender';
import { RecoveryProber } from './delivery/recovery/recoveryProber';
import { createOutboxFolderMailer, createSmtpMailer, type Mailer } from './notify/mailer';
import { openStore } from './store/openStore';
import type { Store } from './store/store';
import {
  deliverySettingsOf,
  dispatcherIdentity,
  identityPattern,
  peerSettings,
  settingDifferences,
} from './ops/peerSettings';
import { currentHeapLimitMb, heapLimitWarning } from './ops/heapLimit';

/**
 * How often the delivery worker and the failure-email sender look for work nobody told them of:
 * leases a crashed process left, or work whose wake-up was lost. Everything else wakes them at
 * once (an ingest's handoff, a retry's time, a resend, a failed round, another dispatcher's
 * notification), so an idle dispatcher is woken this rarely.
 */
const safetyPollMs = 5_000;

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
  /** The internal API's listener when INTERNAL_PORT is set; otherwise it is `url`. */
  internalUrl: string | undefined;
  internalApiToken: string;
  internalApiTokenSource: 'environment' | 'file' | 'generated';
  internalApiTokenPath: string;
  context: DispatcherContext;
  /** The whole store, for tests and tools that look behind the API. */
  store: Store;
  worker: DeliveryWorker;
  /** Stops taking requests, lets attempts in flight finish, closes the store. */
  close(): Promise<void>;
}

/** Logs each delivery setting in which another dispatcher on the same shared store differs from this one. */
async function warnOfDifferentPeers(store: Store, config: Readonly<Config>, logger: Logger): Promise<void> {
  const own = deliverySettingsOf(config);
  const peers = (await store.connectedDispatchers()).flatMap((identity) => peerSettings(identity) ?? []);
  for (const difference of settingDifferences(own, peers)) logger.warn({ peers: peers.length }, difference);
}

export async function startDispatcher(
  config: Readonly<Config>,
  overrides: DispatcherOverrides = {},
): Promise<RunningDispatcher> {
  // Assigned once the logger exists; the logger's mixin reads it.
  // eslint-disable-next-line prefer-const
  let tracing: Tracing | undefined;
  // Log lines carry the ids of the span they are written in (only when tracing is on: the mixin runs per line).
  const traceIds = config.tracing === undefined ? undefined : () => tracing?.logFields() ?? {};
  const logging: ProductionLogger =
    overrides.logger === undefined
      ? createProductionLogger(config.logLevel, traceIds)
      : { logger: overrides.logger, flush: () => undefined, close: () => undefined };
  const { logger } = logging;
  tracing = startTracing(config.tracing, logger);
  if (config.pinnedHosts.size > 0) {
    logger.warn(
      { pinnedHosts: Object.fromEntries(config.pinnedHosts) },
      'WEBHOOK_RESOLVE is set: these hosts skip the public-address check. For development and tests only, never in production.',
    );
  }
  const now = overrides.now ?? Date.now;
  const store = await openStore(config, {
    name: dispatcherIdentity(deliverySettingsOf(config)),
    peersLike: identityPattern,
  });
  const secretBox = createSecretBox(config.secretsKey);
  // Seals secrets stored before SECRETS_KEY was set; refuses a store this key cannot open.
  const resealed = await store.webhooks.rewriteWebhookSecrets((stored) => secretBox.reseal(stored));
  if (!secretBox.encrypting) {
    logger.warn('SECRETS_KEY is not set: webhook secrets are stored unencrypted. Set it in production.');
  } else if (resealed > 0) {
    logger.info({ webhooks: resealed }, 'sealed the webhook secrets stored before SECRETS_KEY was set');
  }
  const internal = loadOrCreateInternalToken(config.internalApiToken, config.dataDir);
  const metrics = createMetrics(store, now);
  const attemptSender = createAttemptSender({
    threads: config.deliveryThreads,
    timeoutMs: config.requestTimeoutMs,
    pinnedHosts: config.pinnedHosts,
    connectTimeoutMs: config.requestTimeoutMs,
    totalConnections: config.deliveryConnections,
    onBlocked: (hostname, detail) =>
      logger.warn({ hostname, detail }, 'refused a webhook host that has no public address'),
    onThreadFailure: (reason) =>
      logger.error({ reason }, 'a delivery thread failed; its attempts in flight count as failed and are retried'),
    ...(overrides.lookup === undefined ? {} : { lookup: overrides.lookup }),
    ...(overrides.ca === undefined ? {} : { ca: overrides.ca }),
  });
  const mailer =
    overrides.mailer ??
    (config.smtpUrl === undefined
      ? createOutboxFolderMailer(join(config.dataDir, 'outbox'))
      : createSmtpMailer(config.smtpUrl));
  const sender = new FailureEmailSender({
    outbox: store.outbox,
    failing: store.failing,
    mailer,
    from: config.mailFrom,
    consoleBaseUrl: config.consoleBaseUrl,
    now,
    logger,
    metrics,
    retryMs: config.mailRetryMs,
    pollIntervalMs: safetyPollMs,
    failureDigestMs: config.failureDigestMs,
    recoveryProbeMs: config.recoveryProbeMs,
  });
  const worker = new DeliveryWorker({
    queue: store.queue,
    openSecret: (stored) => secretBox.open(stored),
    sender: attemptSender,
    now,
    logger,
    metrics,
    policy: {
      retryIntervalMs: config.retryIntervalMs,
      maxRetries: config.maxRetries,
      requestTimeoutMs: config.requestTimeoutMs,
    },
    concurrency: config.deliveryConcurrency,
    webhookLimits: new WebhookLimits(config.deliveryConcurrencyPerWebhook),
    firstSecondConcurrency: config.deliveryConcurrencyFirstSecond,
    claimBatchSize: 200,
    pollIntervalMs: safetyPollMs,
    failuresRecorded: () => sender.wake(),
    tracing,
  });
  const prober = new RecoveryProber({
    failing: store.failing,
    now,
    logger,
    recoveryProbeMs: config.recoveryProbeMs,
    probesStarted: () => worker.wake(),
  });
  const observedShapes = new ObservedShapes(store.shapes, logger);
  const context: DispatcherContext = {
    config,
    storeStatus: store,
    teams: store.teams,
    sessions: store.sessions,
    webhooks: store.webhooks,
    events: store.events,
    deliveries: store.deliveries,
    shapes: store.shapes,
    failing: store.failing,
    now,
    logger,
    metrics,
    sender: attemptSender,
    worker,
    secretBox,
    observedShapes,
    tracing,
  };

  const stopRetention = startRetentionJob({
    retention: store.retention,
    failing: store.failing,
    now,
    logger,
    retentionMs: config.retentionMs,
  });

  const ingest = createIngestHandler(context, internal.token);
  // Console links point at this dispatcher's own address unless CONSOLE_BASE_URL says otherwise.
  let publicUrl = '';
  let internalUrl = '';
  // A spent link's page tells a developer how to get another one (when CONSOLE_LOGIN_URL is unset).
  const newLinkHelp = {
    internalUrl: () => internalUrl,
    tokenPath: internal.source === 'environment' ? undefined : internal.path,
  };
  const listeners = await startListeners(
    config,
    createApps(context, internal.token, ingest, () => publicUrl, newLinkHelp),
    { matches: isIngestRequest, handle: ingest },
  );
  publicUrl = listeners.url;
  internalUrl = listeners.internalUrl ?? listeners.url;
  worker.start();
  sender.start();
  prober.start();
  observedShapes.start();
  // A shared store tells this dispatcher when another one stored work it did not take itself.
  await store.onWorkDue((work) => (work === 'deliveries' ? worker.wake() : sender.wake()));
  logger.info(
    {
      url: listeners.url,
      internalUrl: listeners.internalUrl,
      store: store.engine,
      deliveryThreads: config.deliveryThreads,
      heapLimitMb: currentHeapLimitMb(),
    },
    'dispatcher listening',
  );
  const heapWarning = heapLimitWarning(config.deliveryConcurrency);
  if (heapWarning !== undefined) logger.warn(heapWarning);
  await warnOfDifferentPeers(store, config, logger);
  logging.flush();

  return {
    url: listeners.url,
    internalUrl: listeners.internalUrl,
    internalApiToken: internal.token,
    internalApiTokenSource: internal.source,
    internalApiTokenPath: internal.path,
    context,
    store,
    worker,
    async close() {
      await listeners.close();
      stopRetention();
      await prober.stop();
      await worker.stop();
      await sender.stop();
      await observedShapes.stop();
      mailer.close();
      await attemptSender.close();
      // After the worker: its last attempts' spans are ended, and exported now.
      await tracing?.shutdown();
      await store.close();
      logging.close();
    },
  };
}
