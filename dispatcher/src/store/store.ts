/**
 * The store every engine implements (SQLite embedded, PostgreSQL shared): what the dispatcher
 * asks of its database, as a few parts beside its lifecycle. Each engine implements each part in
 * a file of its own (sqlite/sqliteTeams.ts, postgres/pgTeams.ts, ...), and each caller takes
 * only the parts it uses. Engines hold SQL; the rules they share are in storeRows.ts and
 * webhookSecrets.ts, and `openStore.ts` picks the engine from DATABASE_URL.
 */
import type { WebhookHealthRow } from './webhookHealthSql';
import type { ObservedPathLimits } from './observedPathLimits';
import type {
  ApiKeyRow,
  AttemptRow,
  AuthenticatedKey,
  AvailabilityLinkRow,
  ConsoleLinkRow,
  ConsoleSessionTeam,
  DeliveryFilter,
  DeliveryRow,
  EventRow,
  FailureEmailJob,
  FailureEmailRow,
  ListedDelivery,
  NewApiKey,
  NewConsoleSession,
  NewTeam,
  ObservedPathCount,
  NewWebhook,
  TeamRow,
  WebhookRow,
} from './storeTypes';
import type {
  AttemptResult,
  ClaimOptions,
  ClaimedDelivery,
  NewEvent,
  QueueDepth,
  RecordedEvent,
  TestSendRecord,
} from './storeQueueTypes';
import type { WebhookEventName } from '@spir-webhooks/shared-types';
import type { FailingStore } from './failingStore';

export interface Store {
  readonly engine: 'sqlite' | 'postgres';
  /** Failing webhooks, their digest and "working again" notices, and recoveries (failingStore.ts). */
  readonly failing: FailingStore;
  ping(): Promise<void>;
  close(): Promise<void>;
  /**
   * Calls `wake` when another dispatcher stores work this one should look at (a shared engine's
   * notifications): deliveries it had no room for, or failure emails; or when the store gave back
   * deliveries leased to this process's handoff (the embedded engine, after a failed WAL sync).
   */
  onWorkDue(wake: (work: 'deliveries' | 'failureEmails') => void): Promise<void>;
  /**
   * The identities (ops/peerSettings.ts) of the other dispatchers connected to a shared store right
   * now; an engine only one process uses answers with none.
   */
  connectedDispatchers(): Promise<string[]>;

  readonly teams: TeamsStore;
  readonly sessions: SessionsStore;
  readonly webhooks: WebhooksStore;
  readonly events: EventsStore;
  readonly queue: QueueStore;
  readonly deliveries: DeliveriesStore;
  readonly outbox: OutboxStore;
  readonly shapes: ShapesStore;
  readonly retention: RetentionStore;
}

/** Teams and their API keys. */
export interface TeamsStore {
  upsertTeam(team: NewTeam): Promise<TeamRow>;
  getTeam(teamId: string): Promise<TeamRow | undefined>;
  addApiKey(key: NewApiKey): Promise<ApiKeyRow>;
  listApiKeys(teamId: string): Promise<ApiKeyRow[]>;
  /** Deletes the key, and the console sessions it opened: refused from that moment. False when the team has no such key. */
  revokeApiKey(teamId: string, keyId: string): Promise<boolean>;
  findApiKey(keyHash: string): Promise<AuthenticatedKey | undefined>;
  /** Records a key's last use; not waited for on disk (a lost update only dates it earlier). */
  touchApiKey(keyId: string, now: number): Promise<void>;
}

/** Console sign-in links and sessions. */
export interface SessionsStore {
  /** A one-time console sign-in link, stored by the hash of its token. */
  addConsoleLink(link: {
    tokenHash: string;
    teamId: string;
    returnTo: string | null;
    now: number;
    expiresAt: number;
  }): Promise<void>;
  /** Reads a link without using it (a link preview or a page before its Sign in button); undefined for an unknown token. */
  findConsoleLink(tokenHash: string): Promise<ConsoleLinkRow | undefined>;
  /** Uses a link: its team the first time, before it expires; undefined ever after. */
  useConsoleLink(tokenHash: string, now: number): Promise<{ team_id: string; return_to: string | null } | undefined>;
  addConsoleSession(session: NewConsoleSession): Promise<void>;
  /** The session's team, while the session lasts and the API key that opened it (if any) is valid. */
  findConsoleSession(idHash: string, now: number): Promise<ConsoleSessionTeam | undefined>;
  deleteConsoleSession(idHash: string): Promise<void>;
  /** Ends every console session of the team; how many there were. */
  deleteTeamConsoleSessions(teamId: string): Promise<number>;
}

/** Webhooks and their secrets. */
export interface WebhooksStore {
  /** Adds the webhook unless the team already has its limit for that event: then `limit_reached`. */
  createWebhook(webhook: NewWebhook): Promise<WebhookRow | 'limit_reached'>;
  listWebhooks(teamId: string): Promise<WebhookRow[]>;
  getWebhook(teamId: string, id: string): Promise<WebhookRow | undefined>;
  /** Soft-deletes the webhook and cancels its pending deliveries. */
  deleteWebhook(teamId: string, id: string, now: number): Promise<boolean>;
  rotateWebhookSecret(
    teamId: string,
    id: string,
    secret: string,
    previousExpiresAt: number,
  ): Promise<WebhookRow | undefined>;
  /**
   * Rewrites every stored webhook secret (current and previous, deleted webhooks too) through
   * `transform`, in one transaction; a transform that throws leaves the store unchanged.
   */
  rewriteWebhookSecrets(transform: (stored: string) => string): Promise<number>;
}

/** Events received, and the links they were received for. */
export interface EventsStore {
  /**
   * Records an event and one delivery per live webhook of its team and name (template URLs
   * only), in one transaction. The same team and webhookEventId again creates nothing.
   */
  recordEvent(event: NewEvent): Promise<RecordedEvent>;
  /** The team's recent events of template links (the ones delivered), newest first. */
  listRecentEvents(
    teamId: string,
    filter: { eventName: WebhookEventName | undefined; linkId: string | undefined },
    limit: number,
  ): Promise<EventRow[]>;
  listAvailabilityLinks(teamId: string): Promise<AvailabilityLinkRow[]>;
  getEventById(id: number): Promise<EventRow | undefined>;
}

/** The delivery queue as workers drive it. */
export interface QueueStore {
  /** Leases due deliveries to one worker; a lease that expires makes them due again. */
  claimDueDeliveries(options: ClaimOptions): Promise<ClaimedDelivery[]>;
  /**
   * Records attempts and moves their deliveries on, in one transaction, guarded by the lease.
   * Final outcomes move their webhooks' failing states in that same transaction (failingStore.ts):
   * the first final failure of a run writes its failure email to the outbox, later ones a digest.
   */
  recordAttemptResults(workerId: string, results: readonly AttemptResult[]): Promise<void>;
  queueDepth(now: number): Promise<QueueDepth>;
}

/** Deliveries and their attempts as a team reads them, and a resend. */
export interface DeliveriesStore {
  listDeliveries(filter: DeliveryFilter): Promise<ListedDelivery[]>;
  getDelivery(teamId: string, id: string): Promise<DeliveryRow | undefined>;
  listAttempts(deliveryId: string): Promise<AttemptRow[]>;
  /** Per webhook of the team, its attempts since `since` (of deliveries created since a little before). */
  webhookHealth(teamId: string, since: number): Promise<WebhookHealthRow[]>;
  /**
   * Starts a new round of attempts for a delivery that succeeded or finally failed; a pending
   * one is `in_progress`, one whose webhook was deleted is `webhook_deleted`.
   */
  resendDelivery(
    teamId: string,
    id: string,
    now: number,
  ): Promise<DeliveryRow | 'not_found' | 'in_progress' | 'webhook_deleted'>;
  /** Keeps a test send: a finished delivery of a test event of its own (store/rules/testSend.ts). */
  recordTestSend(send: TestSendRecord): Promise<void>;
}

/** The failure-email outbox, written with a final failure and drained by the sender. */
export interface OutboxStore {
  /** Leases due failure emails to one sender. */
  claimFailureEmails(workerId: string, now: number, leaseMs: number, limit: number): Promise<FailureEmailJob[]>;
  markFailureEmailSent(workerId: string, id: number, messageId: string, now: number): Promise<void>;
  rescheduleFailureEmail(workerId: string, id: number, nextAttemptAt: number, error: string): Promise<void>;
  getFailureEmail(deliveryId: string, round: number): Promise<FailureEmailRow | undefined>;
}

/** Observed shapes of live traffic (contract/observedShapes.ts). */
export interface ShapesStore {
  /**
   * Adds counts of observed paths: types OR-ed, counts added, first and last seen widened. A
   * path the store does not hold is added only within `limits` (observedPathLimits.ts), counted
   * against what the store already holds.
   */
  mergeObservedPaths(rows: readonly ObservedPathCount[], limits: ObservedPathLimits): Promise<void>;
  listObservedPaths(): Promise<ObservedPathCount[]>;
}

/** What the retention purge deletes. */
export interface RetentionStore {
  /**
   * Deletes finished deliveries, their attempts and bodies last changed before `cutoff`, and the
   * webhooks deleted before it, secrets and all, once no delivery refers to them.
   */
  purgeFinishedBefore(
    cutoff: number,
  ): Promise<{ deliveries: number; attempts: number; events: number; deletedWebhooks: number }>;
}
