import { randomUUID } from 'node:crypto';
import { Router } from 'express';
import { samples } from '@spir-webhooks/shared-types';
import type { DispatcherContext } from '../context';
import { attemptOutcomeJson, attemptReader } from '../delivery/api/deliveryRoutes';
import { ApiError } from '../http/apiError';
import { teamOf } from '../http/auth';
import { findTeamWebhook } from './webhookRoutes';
import { currentSecrets } from '../store/webhookSecrets';
import { testSendRecordOf } from '../store/rules/testSend';

/**
 * `POST /v1/webhooks/:id/test`: a sample event of the webhook's type, signed and sent now. It is
 * not a real event: it gets its own webhookEventId each time, never causes an email and is never
 * retried or resent; it is kept as a delivery marked as a test, with its attempt in the webhook's
 * health (store/rules/testSend.ts), so that the console shows it where people look. It takes a slot of the webhook's limit like any delivery, so that test
 * sends can never open more connections to an endpoint than deliveries may.
 */
export function testSendRoute(context: DispatcherContext): Router {
  const { now, worker, secretBox } = context;
  const router = Router();
  router.post('/webhooks/:id/test', async (req, res) => {
    const team = teamOf(req);
    const webhook = await findTeamWebhook(context, team.team_id, req.params.id);
    if (!worker.reserveTestSend(webhook.id)) {
      res.setHeader('retry-after', '1');
      throw new ApiError(
        429,
        'webhook_busy',
        'Every connection this webhook may have is in use (deliveries or other tests); try again in a moment.',
      );
    }
    try {
      const event = { ...samples[webhook.event_name], webhookEventId: `test_${randomUUID().replaceAll('-', '')}` };
      const secrets = currentSecrets(webhook, now()).map((stored) => secretBox.open(stored));
      const body = JSON.stringify(event);
      const sentAt = now();
      const outcome = await context.sender.send(
        { url: webhook.url, webhookEventId: event.webhookEventId, body, secrets },
        sentAt,
      );
      const record = testSendRecordOf(
        {
          teamId: team.team_id,
          webhookId: webhook.id,
          url: webhook.url,
          eventName: webhook.event_name,
          webhookEventId: event.webhookEventId,
          body,
          now: sentAt,
        },
        outcome,
      );
      await context.deliveries.recordTestSend(record);
      res.json({
        succeeded: outcome.succeeded,
        webhookEventId: event.webhookEventId,
        deliveryId: record.attempt.deliveryId,
        ...attemptOutcomeJson(outcome, attemptReader(req)),
      });
    } finally {
      worker.release(webhook.id);
      // A delivery may have been waiting for that slot.
      worker.wake();
    }
  });
  return router;
}
