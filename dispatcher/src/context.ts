import type { Logger } from 'pino';
import type { Config } from './config';
import type { ObservedShapes } from './contract/observedShapes';
import type { AttemptSender } from './delivery/send/attemptSenderTypes';
import type { Metrics } from './ops/metrics';
import type { Tracing } from './ops/tracing';
import type { SecretBox } from './webhooks/secretBox';
import type { FailingStore } from './store/failingStore';
import type { ClaimedDelivery, DeliveryHandoff } from './store/storeQueueTypes';
import type {
  DeliveriesStore,
  EventsStore,
  SessionsStore,
  ShapesStore,
  Store,
  TeamsStore,
  WebhooksStore,
} from './store/store';

/** What every part of a running dispatcher is handed; there are no globals. */
export interface DispatcherContext {
  config: Readonly<Config>;
  /** Whether the store answers, and which engine it is (the readiness check). */
  storeStatus: Pick<Store, 'engine' | 'ping'>;
  /** The store's parts the routes and ingest use (store/store.ts); the worker, sender and purge get theirs. */
  teams: TeamsStore;
  sessions: SessionsStore;
  webhooks: WebhooksStore;
  events: EventsStore;
  deliveries: DeliveriesStore;
  shapes: ShapesStore;
  failing: FailingStore;
  /** Wall-clock milliseconds; tests may pass their own clock. */
  now: () => number;
  logger: Logger;
  metrics: Metrics;
  /** What deliveries and test sends are sent through (threads or this one). */
  sender: AttemptSender;
  /** This process's delivery worker. */
  worker: LocalWorker;
  /** Seals webhook secrets for the store and opens them for signing. */
  secretBox: SecretBox;
  /** The shapes live traffic carries, per event name (paths and types, never values). */
  observedShapes: ObservedShapes;
  /** OpenTelemetry traces; undefined unless OTEL_* configures them. */
  tracing: Tracing | undefined;
}

export interface LocalWorker extends DeliveryHandoff {
  /** New deliveries were stored unleased: claim them soon. */
  wake(): void;
  /** The handoff of an ingest commit refused deliveries: claim them soon if a claim can take one. */
  claimRefused(): void;
  /** Sends the deliveries an ingest commit leased to this worker. */
  sendLeased(deliveries: readonly ClaimedDelivery[]): void;
  /** Takes a slot of the webhook's limit for a test send; false when all are in use. */
  reserveTestSend(webhookId: string): boolean;
}
