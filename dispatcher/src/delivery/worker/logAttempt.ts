import type { Logger } from 'pino';
import type { ClaimedDelivery } from '../../store/storeQueueTypes';
import { redactQuery } from '../send/redactQuery';
import type { nextStepAfter } from './retryPolicy';
import type { AttemptOutcome } from '../send/sendAttempt';

/**
 * The operator's log line for one attempt (a URL's query is redacted: it may hold a token): at
 * `info` for an attempt that failed, at `debug` for one that succeeded. The store keeps every
 * attempt for the delivery log and /metrics counts them; a line per success at thousands of
 * deliveries a second would be megabytes of log a second, for nothing an operator acts on.
 */
export function logAttempt(
  logger: Logger,
  delivery: ClaimedDelivery,
  outcome: AttemptOutcome,
  next: ReturnType<typeof nextStepAfter>,
): void {
  const level = next.kind === 'succeeded' ? 'debug' : 'info';
  if (!logger.isLevelEnabled(level)) return;
  logger[level](
    {
      event: 'attempt',
      deliveryId: delivery.id,
      teamId: delivery.teamId,
      webhookId: delivery.webhookId,
      webhookEventId: delivery.webhookEventId,
      eventName: delivery.eventName,
      url: redactQuery(delivery.url),
      attempt: delivery.attemptNumber,
      round: delivery.round,
      status: outcome.response?.status ?? null,
      error: outcome.error,
      durationMs: outcome.durationMs,
      next: next.kind,
      ...(next.kind === 'retry' ? { nextAttemptAt: new Date(next.nextAttemptAt).toISOString() } : {}),
    },
    `delivery ${delivery.id} attempt ${delivery.attemptNumber}: ${next.kind}`,
  );
}
