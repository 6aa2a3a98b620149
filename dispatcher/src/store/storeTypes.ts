import type { WebhookEventName } from '@spir-webhooks/shared-types';

/**
 * The store's row types, the same for every engine (SQLite and PostgreSQL). Row types mirror
 * table columns; times are Unix milliseconds. Nothing outside `store/` knows SQL.
 */

/** The store cannot take writes now (disk full, read-only, I/O error): a 503, retried later. */
export class StoreUnavailableError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'StoreUnavailableError';
  }
}

export interface TeamRow {
  team_id: string;
  name: string;
  /** JSON array of addresses. */
  admin_emails: string;
  max_urls_per_event: number;
  max_subscriptions_per_event: number;
  /** The language of the team's failure emails. */
  language: TeamLanguage;
  created_at: number;
  updated_at: number;
}

export type TeamLanguage = 'ja' | 'en';

/** A team as Spir's core creates or updates it. */
export interface NewTeam {
  teamId: string;
  name: string;
  adminEmails: string[];
  maxUrlsPerEvent: number;
  maxSubscriptionsPerEvent: number;
  language: TeamLanguage;
  now: number;
}

/** `full` may do everything a team may; `read` may call every GET but the secret's. */
export type ApiKeyScope = 'full' | 'read';

export interface ApiKeyRow {
  id: string;
  key_hash: string;
  team_id: string;
  /** The first characters of the key, so that a person can tell keys apart. */
  prefix: string;
  label: string | null;
  scope: ApiKeyScope;
  created_at: number;
  expires_at: number | null;
  last_used_at: number | null;
}

/** The team a key belongs to, with what the key itself may do. */
export interface AuthenticatedKey extends TeamRow {
  key_id: string;
  key_scope: ApiKeyScope;
  key_expires_at: number | null;
  key_last_used_at: number | null;
}

/** The team a console session belongs to, with the token its writes must carry. */
export interface NewConsoleSession {
  idHash: string;
  teamId: string;
  csrfToken: string;
  now: number;
  expiresAt: number;
  /** The API key that opened the session (it ends with the key); null for a one-time link. */
  apiKeyId: string | null;
}

/** What live traffic carried at one JSON path of one event name, counted since first seen. */
export interface ObservedPathCount {
  eventName: string;
  path: string;
  /** JSON types seen there, as bits (contract/observedShapes.ts). */
  typeBits: number;
  count: number;
  firstSeen: number;
  lastSeen: number;
}

/** A console sign-in link as its page shows it, before anyone uses it (or after). */
export interface ConsoleLinkRow {
  team_id: string;
  team_name: string;
  used_at: number | null;
  expires_at: number;
}

export interface ConsoleSessionTeam extends TeamRow {
  session_csrf_token: string;
  session_expires_at: number;
}

export interface NewApiKey {
  id: string;
  teamId: string;
  keyHash: string;
  prefix: string;
  label: string | null;
  scope: ApiKeyScope;
  createdAt: number;
  expiresAt: number | null;
}

export interface WebhookRow {
  id: string;
  team_id: string;
  url: string;
  event_name: WebhookEventName;
  secret: string;
  /** The secret before the last rotation; it keeps signing until `previous_secret_expires_at`. */
  previous_secret: string | null;
  previous_secret_expires_at: number | null;
  created_at: number;
  deleted_at: number | null;
  kind: WebhookKind;
  /** JSON array of availability link ids this webhook is limited to; null: every link. */
  availability_links: string | null;
}

/**
 * `endpoint`: a URL a team registers for its own systems (Spir's one-URL-per-event limit).
 * `subscription`: created per workflow by an integration platform (REST hooks, such as Zapier's),
 * with its own larger limit, removed when it answers 410 Gone.
 */
export type WebhookKind = 'endpoint' | 'subscription';

/** An availability link seen in a team's events. */
export interface AvailabilityLinkRow {
  team_id: string;
  link_id: string;
  original_url: string;
  private_title: string;
  last_event_at: number;
}

export interface EventRow {
  id: number;
  team_id: string;
  webhook_event_id: string;
  /** A name the contract does not know yet is stored as it came. */
  event_name: string;
  /** `test`: a test send's own event (store/rules/testSend.ts), never listed as the team's events. */
  url_kind: 'template' | 'oneOff' | 'test';
  /** The envelope exactly as it goes on the wire, serialised once at ingest. */
  body: string;
  received_at: number;
  /** NewEvent.traceContext; null when ingested untraced. */
  trace_context: string | null;
}

export type DeliveryStatus = 'pending' | 'succeeded' | 'failed' | 'canceled';

export interface DeliveryRow {
  id: string;
  team_id: string;
  webhook_id: string;
  event_id: number;
  /** The webhook's URL when the delivery was created. */
  url: string;
  status: DeliveryStatus;
  /** A resend starts a new round; attempts are numbered from 1 within a round. */
  round: number;
  attempts_in_round: number;
  next_attempt_at: number;
  lease_owner: string | null;
  lease_expires_at: number | null;
  created_at: number;
  updated_at: number;
  /** Why a canceled delivery was canceled, when the dispatcher canceled it itself. */
  cancel_reason: string | null;
}

/** What follows an attempt, as the retry policy decides it. */
export type NextStep =
  | { kind: 'succeeded' }
  | { kind: 'retry'; nextAttemptAt: number }
  | { kind: 'failed' }
  /** A subscription answered 410 Gone: it is removed and the delivery canceled, without an email. */
  | { kind: 'gone' };

export interface AttemptRow {
  id: number;
  delivery_id: string;
  round: number;
  attempt_number: number;
  started_at: number;
  duration_ms: number;
  outcome: 'succeeded' | 'failed';
  /** JSON object. */
  request_headers: string;
  response_status: number | null;
  /** JSON object, or null when no response came. */
  response_headers: string | null;
  /** The first 64 KiB of the response body. */
  response_body: string | null;
  error_code: string | null;
  error_message: string | null;
  /** How the answer is kept (store/answerStorage.ts); null on rows from before answers were bounded. */
  answer_kept: 'whole' | 'same' | 'trimmed' | null;
  /** For `same`: the round and number of the attempt whose answer this one repeats. */
  same_round: number | null;
  same_attempt: number | null;
}

/** An attempt row with its JSON columns read: what the delivery API and the failure email show. */
export interface DecodedAttempt {
  round: number;
  attemptNumber: number;
  outcome: AttemptRow['outcome'];
  startedAt: number;
  durationMs: number;
  requestHeaders: Record<string, string>;
  response: { status: number; headers: Record<string, string>; body: string } | null;
  error: { code: string; message: string } | null;
  /**
   * How the answer was kept: `same` has no headers or body of its own (they are those of
   * `sameAnswerAs`), `trimmed` kept its status only (the delivery's answers passed their budget).
   */
  answerKept: 'whole' | 'same' | 'trimmed';
  sameAnswerAs: { round: number; attempt: number } | null;
}

export interface FailureEmailRow {
  id: number;
  delivery_id: string;
  round: number;
  team_id: string;
  status: 'pending' | 'sent';
  send_attempts: number;
  next_attempt_at: number;
  lease_owner: string | null;
  lease_expires_at: number | null;
  last_error: string | null;
  message_id: string | null;
  created_at: number;
  sent_at: number | null;
}

/** A failure email to send, with everything it tells. */
export interface FailureEmailJob {
  email: FailureEmailRow;
  url: string;
  webhookId: string;
  webhookEventId: string;
  eventName: string;
  /** The envelope as it was sent. */
  body: string;
  teamName: string;
  teamLanguage: TeamLanguage;
  adminEmails: string[];
  /** Every attempt of the round that failed. */
  attempts: AttemptRow[];
}

/** A delivery row as listed, with its event's id and name and its place for paging. */
export interface ListedDelivery extends DeliveryRow {
  webhook_event_id: string;
  event_name: WebhookEventName;
  /** The event as stored, for the booking a person recognizes. */
  event_body: string;
  /** `test` for a test send's delivery. */
  event_url_kind: EventRow['url_kind'];
}

export interface DeliveryFilter {
  teamId: string;
  webhookId?: string | undefined;
  status?: DeliveryStatus | undefined;
  eventName?: WebhookEventName | undefined;
  /** created_at >= since */
  since?: number | undefined;
  /** created_at < until */
  until?: number | undefined;
  /** Only the event with this id. */
  webhookEventId?: string | undefined;
  /** Only events whose payload.invitee.email is this one, in any case. */
  inviteeEmail?: string | undefined;
  /** Continue after this delivery (newest first). */
  after?: { afterId: string } | undefined;
  limit: number;
}

export interface NewWebhook {
  id: string;
  teamId: string;
  url: string;
  eventName: WebhookEventName;
  secret: string;
  createdAt: number;
  kind: WebhookKind;
  /** Link ids; undefined: every link. */
  availabilityLinks: string[] | undefined;
}
