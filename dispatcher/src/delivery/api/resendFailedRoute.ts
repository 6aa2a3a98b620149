import { Router } from 'express';
import { z } from 'zod';
import type { DispatcherContext } from '../../context';
import { parseInput } from '../../http/apiError';
import { teamOf } from '../../http/auth';
import { oncePer } from '../../http/rateLimit';
import { testUrlKind } from '../../store/rules/testSend';

export const resendFailedBody = z.strictObject({
  /** Deliveries created at or after this moment (ISO 8601 with an offset). */
  since: z.iso.datetime({ offset: true, error: 'since must be an ISO 8601 date-time with an offset' }),
  /** Only this webhook's; every webhook of the team otherwise. */
  webhookId: z.string().min(1).optional(),
});

/** At most this many deliveries a call: a larger recovery is a few calls, a minute apart. */
const maxResentPerCall = 5_000;
const page = 100;

/**
 * `POST /v1/deliveries/resend-failed`: the morning after a customer's outage, a new round for
 * every delivery that finally failed since a moment (those of deleted webhooks are skipped). Once
 * a minute per team: each round that fails again emails the team's administrators.
 */
export function resendFailedRoute({
  deliveries,
  now,
  worker,
}: Pick<DispatcherContext, 'deliveries' | 'now' | 'worker'>): Router {
  const router = Router();
  const limit = oncePer(60, 'Failed deliveries can be resent in bulk');
  router.post('/deliveries/resend-failed', async (req, res) => {
    const { since, webhookId } = parseInput(resendFailedBody, req.body, 'body');
    const teamId = teamOf(req).team_id;
    await limit(teamId, res);
    const failed: string[] = [];
    let after: { afterId: string } | undefined;
    for (;;) {
      const rows = await deliveries.listDeliveries({
        teamId,
        webhookId,
        status: 'failed',
        since: Date.parse(since),
        after,
        limit: page,
      });
      // A test send's delivery is a test's answer, not a lost event: never resent.
      failed.push(...rows.filter((row) => row.event_url_kind !== testUrlKind).map((row) => row.id));
      if (rows.length < page || failed.length >= maxResentPerCall) break;
      after = { afterId: rows[rows.length - 1]!.id };
    }
    let resent = 0;
    let skipped = 0;
    const at = now();
    // Oldest first, so that a receiver catching up gets the events in the order they happened.
    for (const id of failed.slice(0, maxResentPerCall).reverse()) {
      const result = await deliveries.resendDelivery(teamId, id, at);
      if (typeof result === 'string') skipped++;
      else resent++;
    }
    if (resent > 0) worker.wake();
    res.status(202).json({ resent, skipped, more: failed.length > maxResentPerCall });
  });
  return router;
}
