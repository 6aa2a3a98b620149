import { Router } from 'express';
import type { DispatcherContext } from '../context';

/**
 * `GET /internal/v1/webhooks/failing`: every webhook failing now, longest first, for Spir's
 * support (store/failingStore.ts). At most 10,000: a list longer than that is an incident, and
 * `spir_webhook_failing_webhooks` in /metrics counts them all.
 */
export function failingWebhooksRoute({ failing }: Pick<DispatcherContext, 'failing'>): Router {
  const router = Router();
  router.get('/webhooks/failing', async (_req, res) => {
    const listed = await failing.listFailing();
    res.json({
      data: listed.map((webhook) => ({
        teamId: webhook.teamId,
        webhookId: webhook.webhookId,
        url: webhook.url,
        failingSince: new Date(webhook.failingSince).toISOString(),
        failedDeliveries: webhook.failedDeliveries,
      })),
    });
  });
  return router;
}
