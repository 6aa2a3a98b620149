import { isUtf8 } from 'node:buffer';
import express, { type RequestHandler } from 'express';
import { z } from 'zod';
import { webhookEventSchema } from '@spir-webhooks/shared-types';
import type { DispatcherContext } from '../context';
import { ApiError, parseInput, requireJsonBody } from '../http/apiError';
import { teamIdSchema } from '../teams/teamRoutes';

export const maxIngestBodyBytes = 256 * 1024;

const ingestBody = z.strictObject({
  teamId: teamIdSchema,
  urlKind: z.enum(['template', 'oneOff']),
  event: webhookEventSchema,
});

// The JSON parser would quietly turn malformed bytes into U+FFFD and store a changed event.
function refuseInvalidUtf8(_req: unknown, _res: unknown, body: Buffer): void {
  if (!isUtf8(body)) throw new ApiError(400, 'invalid_utf8', 'The body is not valid UTF-8.');
}

/**
 * Spir's core hands over an event. The answer is 202 only once the event and its deliveries are
 * committed: from then on nothing loses it.
 */
export function ingestRoute({ store, now, metrics, worker }: DispatcherContext): RequestHandler[] {
  const parseJson = express.json({ limit: maxIngestBodyBytes, strict: true, verify: refuseInvalidUtf8 });
  return [requireJsonBody, parseJson, async (req, res) => {
    const { teamId, urlKind, event } = parseInput(ingestBody, req.body, 'event');
    if ((await store.getTeam(teamId)) === undefined) {
      throw new ApiError(404, 'team_not_found', `No team ${teamId}; create it with PUT /internal/v1/teams/${teamId} first.`);
    }
    // Serialised once here; every attempt sends exactly these bytes.
    const body = JSON.stringify(event);
    const recorded = await store.recordEvent({
      teamId, webhookEventId: event.webhookEventId, eventName: event.webhookEventName, urlKind, body, now: now(), handoff: worker,
    });
    if (!recorded.created && recorded.event.body !== body) {
      throw new ApiError(409, 'event_id_reused', `webhookEventId ${event.webhookEventId} was already used for a different event of team ${teamId}; give each event its own id.`);
    }
    if (recorded.created) {
      metrics.eventsIngested.inc();
      worker.sendLeased(recorded.leased);
      if (recorded.deliveryIds.length > recorded.leased.length) worker.wake();
    }
    res.status(202).json({ webhookEventId: event.webhookEventId, deliveries: recorded.deliveryIds, duplicate: !recorded.created });
  }];
}
