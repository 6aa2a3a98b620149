import { Router, type Request } from 'express';
import { z } from 'zod';
import { bookingOf, webhookEventNames } from '@spir-webhooks/shared-types';
import type { DispatcherContext } from '../../context';
import { ApiError, parseInput } from '../../http/apiError';
import { mayReadSecret, teamOf } from '../../http/auth';
import { decodeAttempt } from '../../store/storeRows';
import {
  type AttemptRow,
  type DecodedAttempt,
  type DeliveryRow,
  type ListedDelivery,
  type TeamLanguage,
} from '../../store/storeTypes';
import type { AttemptOutcome } from '../send/sendAttempt';
import { summarizeAttempt } from './summarizeAttempt';
import { headersForReader } from './signatureRedaction';
import { oncePer } from '../../http/rateLimit';
import { deviationsOfStoredBody } from '../../contract/storedDeviations';
import { testUrlKind } from '../../store/rules/testSend';
import type { DeliveriesStore, EventsStore } from '../../store/store';

// A cursor names the last delivery of a page (opaque to clients; no engine's row number in it).
const cursorSchema = z.string().transform((cursor, ctx) => {
  const id = Buffer.from(cursor, 'base64url').toString();
  if (!/^dlv_[a-f0-9]{32}$/.test(id)) {
    ctx.addIssue({ code: 'custom', message: 'is not a cursor this API returned' });
    return z.NEVER;
  }
  return { afterId: id };
});
const encodeCursor = (row: ListedDelivery) => Buffer.from(row.id).toString('base64url');

export const listQuery = z.strictObject({
  webhookId: z.string().optional(),
  status: z.enum(['pending', 'succeeded', 'failed', 'canceled']).optional(),
  event: z.enum(webhookEventNames).optional(),
  since: z.iso.datetime({ offset: true }).transform(Date.parse).optional(),
  until: z.iso.datetime({ offset: true }).transform(Date.parse).optional(),
  /** A webhookEventId, or an invitee's email (anything with an @). */
  q: z.string().trim().min(1).max(320).optional(),
  cursor: cursorSchema.optional(),
  limit: z.coerce.number().int().min(1).max(100).default(20),
});

// `summary` reads in the team's language unless the caller asks for another (`?lang=`).
export const languageQuery = z.strictObject({ lang: z.enum(['ja', 'en']).optional() });

/** The language of attempt summaries for this request. */
function summaryLanguage(req: Request): TeamLanguage {
  return parseInput(languageQuery, req.query, 'query').lang ?? teamOf(req).language;
}

/** How one request reads attempts: its language, and whether it may see signatures. */
export function attemptReader(req: Request) {
  return { language: summaryLanguage(req), mayReadSecret: mayReadSecret(req) };
}
type AttemptReader = ReturnType<typeof attemptReader>;

/** One attempt as the API shows it, whether just made (a test send) or read from the log. */
export function attemptOutcomeJson(
  outcome: Pick<AttemptOutcome, 'startedAt' | 'durationMs' | 'requestHeaders' | 'response' | 'error'> &
    Partial<Pick<DecodedAttempt, 'answerKept' | 'sameAnswerAs'>>,
  reader: AttemptReader,
) {
  return {
    summary: summarizeAttempt(outcome, reader.language),
    startedAt: new Date(outcome.startedAt).toISOString(),
    durationMs: outcome.durationMs,
    request: { headers: headersForReader(outcome.requestHeaders, reader) },
    response:
      outcome.response === null
        ? null
        : { ...outcome.response, kept: outcome.answerKept ?? 'whole', sameAs: outcome.sameAnswerAs ?? null },
    error: outcome.error,
  };
}

function attemptJson(row: AttemptRow, reader: AttemptReader) {
  const attempt = decodeAttempt(row);
  return {
    round: attempt.round,
    attempt: attempt.attemptNumber,
    outcome: attempt.outcome,
    ...attemptOutcomeJson(attempt, reader),
  };
}

function deliveryJson(row: DeliveryRow) {
  return {
    id: row.id,
    webhookId: row.webhook_id,
    url: row.url,
    status: row.status,
    round: row.round,
    attemptsInRound: row.attempts_in_round,
    nextAttemptAt: row.status === 'pending' ? new Date(row.next_attempt_at).toISOString() : null,
    cancelReason: row.cancel_reason,
    createdAt: new Date(row.created_at).toISOString(),
    updatedAt: new Date(row.updated_at).toISOString(),
  };
}

/**
 * A test send is not resent: its round already said what it had to, and a new one through the
 * queue would retry and email the admins like a real event. A new test is the way to try again.
 */
async function refuseTestSend(
  deliveries: Pick<DeliveriesStore, 'getDelivery'>,
  events: Pick<EventsStore, 'getEventById'>,
  teamId: string,
  id: string,
): Promise<void> {
  const delivery = await deliveries.getDelivery(teamId, id);
  const event = delivery && (await events.getEventById(delivery.event_id));
  if (event?.url_kind === testUrlKind)
    throw new ApiError(409, 'test_send', 'This delivery is a test send, which is not resent; send a new test instead.');
}

/** A delivery may be resent once a minute: each resend that fails again emails the team's administrators. */
const resendIntervalSeconds = 60;

/** A team's own delivery logs: the request, and the response or the error, of every attempt. */
export function deliveryRoutes({
  deliveries,
  events,
  now,
  worker,
}: Pick<DispatcherContext, 'deliveries' | 'events' | 'now' | 'worker'>): Router {
  const router = Router();
  const limitResend = oncePer(resendIntervalSeconds, 'A delivery can be resent');
  router.get('/deliveries', async (req, res) => {
    const query = parseInput(listQuery, req.query, 'query');
    const rows = await deliveries.listDeliveries({
      teamId: teamOf(req).team_id,
      webhookId: query.webhookId,
      status: query.status,
      eventName: query.event,
      since: query.since,
      until: query.until,
      after: query.cursor,
      limit: query.limit + 1,
      ...(query.q === undefined ? {} : query.q.includes('@') ? { inviteeEmail: query.q } : { webhookEventId: query.q }),
    });
    const page = rows.slice(0, query.limit);
    res.json({
      data: page.map((row) => ({
        ...deliveryJson(row),
        webhookEventId: row.webhook_event_id,
        eventName: row.event_name,
        booking: bookingOf(row.event_body),
        test: row.event_url_kind === testUrlKind,
      })),
      nextCursor: rows.length > query.limit ? encodeCursor(page[page.length - 1]!) : null,
    });
  });

  router.post('/deliveries/:id/resend', async (req, res) => {
    await limitResend(`${teamOf(req).team_id}/${req.params.id}`, res);
    await refuseTestSend(deliveries, events, teamOf(req).team_id, req.params.id);
    const result = await deliveries.resendDelivery(teamOf(req).team_id, req.params.id, now());
    if (result === 'not_found')
      throw new ApiError(404, 'delivery_not_found', `No delivery ${req.params.id} in this team.`);
    if (result === 'in_progress')
      throw new ApiError(
        409,
        'delivery_in_progress',
        'This delivery is still being attempted; resend it once it has succeeded or finally failed.',
      );
    if (result === 'webhook_deleted')
      throw new ApiError(
        409,
        'webhook_deleted',
        'The webhook of this delivery was deleted; register the URL again to receive new events.',
      );
    worker.wake();
    res.status(202).json(deliveryJson(result));
  });

  router.get('/deliveries/:id', async (req, res) => {
    const team = teamOf(req);
    const reader = attemptReader(req);
    const delivery = await deliveries.getDelivery(team.team_id, req.params.id);
    if (delivery === undefined)
      throw new ApiError(404, 'delivery_not_found', `No delivery ${req.params.id} in this team.`);
    const attempts = await deliveries.listAttempts(delivery.id);
    const event = await events.getEventById(delivery.event_id);
    res.json({
      ...deliveryJson(delivery),
      webhookEventId: event?.webhook_event_id,
      eventName: event?.event_name,
      test: event?.url_kind === testUrlKind,
      booking: bookingOf(event?.body ?? ''),
      request: { body: event?.body },
      contractDeviations: event === undefined ? [] : deviationsOfStoredBody(event.body),
      attempts: attempts.map((row) => attemptJson(row, reader)),
    });
  });
  return router;
}
