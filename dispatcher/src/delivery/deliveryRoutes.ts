import { Router } from 'express';
import type { DispatcherContext } from '../context';
import { ApiError } from '../http/apiError';
import { teamOf } from '../http/auth';
import type { AttemptRow, DeliveryRow } from '../store/storeTypes';

export function attemptJson(row: AttemptRow) {
  return {
    round: row.round,
    attempt: row.attempt_number,
    startedAt: new Date(row.started_at).toISOString(),
    durationMs: row.duration_ms,
    outcome: row.outcome,
    request: { headers: JSON.parse(row.request_headers) as Record<string, string> },
    response: row.response_status === null ? null : {
      status: row.response_status,
      headers: JSON.parse(row.response_headers ?? '{}') as Record<string, string>,
      body: row.response_body ?? '',
    },
    error: row.error_code === null ? null : { code: row.error_code, message: row.error_message ?? '' },
  };
}

export function deliveryJson(row: DeliveryRow) {
  return {
    id: row.id,
    webhookId: row.webhook_id,
    url: row.url,
    status: row.status,
    round: row.round,
    attemptsInRound: row.attempts_in_round,
    nextAttemptAt: row.status === 'pending' ? new Date(row.next_attempt_at).toISOString() : null,
    createdAt: new Date(row.created_at).toISOString(),
    updatedAt: new Date(row.updated_at).toISOString(),
  };
}

/** A team's own delivery logs: the request, and the response or the error, of every attempt. */
export function deliveryRoutes({ store }: DispatcherContext): Router {
  const router = Router();
  router.get('/deliveries/:id', async (req, res) => {
    const delivery = await store.getDelivery(teamOf(req).team_id, req.params.id);
    if (delivery === undefined) throw new ApiError(404, 'delivery_not_found', `No delivery ${req.params.id} in this team.`);
    const attempts = await store.listAttempts(delivery.id);
    const event = await store.getEventById(delivery.event_id);
    res.json({
      ...deliveryJson(delivery),
      webhookEventId: event?.webhook_event_id,
      eventName: event?.event_name,
      request: { body: event?.body },
      attempts: attempts.map(attemptJson),
    });
  });
  return router;
}
