import type { WebhookHealth } from '@spir-webhooks/shared-types';
import type { WebhookHealthRow } from '../store/webhookHealthSql';

export const healthWindowMs = 24 * 60 * 60_000;

const noAttempts: Omit<WebhookHealth, 'failingSince' | 'failedDeliveries'> = {
  lastAttempt: null,
  attempts24h: 0,
  succeeded24h: 0,
  successRate24h: null,
  consecutiveFailures: 0,
};

type AttemptHealth = Omit<WebhookHealth, 'failingSince' | 'failedDeliveries'>;

/** Each webhook's attempts from the store's rows; a webhook without attempts in the window has none. */
export function healthByWebhook(rows: readonly WebhookHealthRow[]): (webhookId: string) => AttemptHealth {
  const byId = new Map<string, AttemptHealth>();
  for (const row of rows) {
    // Two attempts at the same millisecond give two rows; either is the last attempt.
    if (byId.has(row.webhook_id)) continue;
    const attempts = Number(row.attempts);
    const succeeded = Number(row.succeeded);
    byId.set(row.webhook_id, {
      lastAttempt: {
        at: new Date(Number(row.last_at)).toISOString(),
        succeeded: row.last_outcome === 'succeeded',
        status: row.last_status,
        errorCode: row.last_error_code,
      },
      attempts24h: attempts,
      succeeded24h: succeeded,
      successRate24h: attempts === 0 ? null : succeeded / attempts,
      consecutiveFailures: Number(row.consecutive_failures),
    });
  }
  return (webhookId) => byId.get(webhookId) ?? noAttempts;
}
