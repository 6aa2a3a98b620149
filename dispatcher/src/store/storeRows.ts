import { randomUUID } from 'node:crypto';
import { currentSecrets, type WebhookSecrets } from './webhookSecrets';
import type {
  AttemptRow,
  DecodedAttempt,
  FailureEmailJob,
  FailureEmailRow,
  TeamLanguage,
  WebhookKind,
} from './storeTypes';
import type { ClaimedDelivery, NewEvent } from './storeQueueTypes';

/**
 * What every engine's queries return, turned into what the worker and the email sender use: the
 * rules live here once, the engines hold only SQL.
 */

/** A claimed delivery joined with its event and webhook, as both engines select it. */
export interface ClaimedJoinRow extends WebhookSecrets {
  id: string;
  team_id: string;
  webhook_id: string;
  url: string;
  round: number;
  attempts_in_round: number;
  webhook_event_id: string;
  event_name: ClaimedDelivery['eventName'];
  body: string;
  trace_context: string | null;
  kind: WebhookKind;
}

/**
 * A new delivery's id: `dlv_` and 32 hex digits, the first 12 the creation time in milliseconds
 * (as in UUIDv7), the rest random. Ids so sort by creation, and each new one lands at the end of
 * the primary-key index: random ids scattered every insert over the whole index, and each commit
 * wrote those pages back.
 */
export function newDeliveryId(now = Date.now()): string {
  return `dlv_${now.toString(16).padStart(12, '0')}${randomUUID().replaceAll('-', '').slice(12)}`;
}

export function claimedDeliveryOf(row: ClaimedJoinRow, now: number): ClaimedDelivery {
  return {
    id: row.id,
    teamId: row.team_id,
    webhookId: row.webhook_id,
    url: row.url,
    webhookEventId: row.webhook_event_id,
    eventName: row.event_name,
    body: row.body,
    secrets: currentSecrets(row, now),
    webhookKind: row.kind,
    round: row.round,
    attemptNumber: row.attempts_in_round + 1,
    traceContext: row.trace_context,
  };
}

/** A delivery an ingest hands straight to a local worker: its first attempt, of round one. */
export function freshDelivery(
  event: Pick<NewEvent, 'teamId' | 'webhookEventId' | 'eventName' | 'body' | 'now' | 'traceContext'>,
  target: WebhookSecrets & { id: string; url: string; kind: WebhookKind },
  id: string,
): ClaimedDelivery {
  return {
    id,
    teamId: event.teamId,
    webhookId: target.id,
    url: target.url,
    webhookEventId: event.webhookEventId,
    eventName: event.eventName,
    body: event.body,
    secrets: currentSecrets(target, event.now),
    webhookKind: target.kind,
    round: 1,
    attemptNumber: 1,
    traceContext: event.traceContext ?? null,
  };
}

/** The delivery, event and team behind a failure email, as both engines select it. */
export interface FailureEmailContextRow {
  url: string;
  webhook_id: string;
  webhook_event_id: string;
  event_name: string;
  body: string;
  team_name: string;
  admin_emails: string;
  language: TeamLanguage;
}

export function failureEmailJobOf(
  email: FailureEmailRow,
  context: FailureEmailContextRow,
  attempts: AttemptRow[],
): FailureEmailJob {
  return {
    email,
    url: context.url,
    webhookId: context.webhook_id,
    webhookEventId: context.webhook_event_id,
    eventName: context.event_name,
    body: context.body,
    teamName: context.team_name,
    teamLanguage: context.language,
    adminEmails: JSON.parse(context.admin_emails) as string[],
    attempts,
  };
}

/** The one place the attempt columns are decoded. */
export function decodeAttempt(row: AttemptRow): DecodedAttempt {
  return {
    round: row.round,
    attemptNumber: row.attempt_number,
    outcome: row.outcome,
    startedAt: row.started_at,
    durationMs: row.duration_ms,
    requestHeaders: JSON.parse(row.request_headers) as Record<string, string>,
    response:
      row.response_status === null
        ? null
        : {
            status: row.response_status,
            headers: JSON.parse(row.response_headers ?? '{}') as Record<string, string>,
            body: row.response_body ?? '',
          },
    error: row.error_code === null ? null : { code: row.error_code, message: row.error_message ?? '' },
    answerKept: row.answer_kept ?? 'whole',
    sameAnswerAs:
      row.answer_kept === 'same' && row.same_round !== null && row.same_attempt !== null
        ? { round: row.same_round, attempt: row.same_attempt }
        : null,
  };
}

/**
 * Text as either engine keeps it outside an event's body: PostgreSQL's text cannot hold the NUL
 * character, so it becomes U+FFFD (an availability link's title, a logged response body).
 */
export const storableText = (text: string): string => text.replaceAll('\u0000', '\uFFFD');
