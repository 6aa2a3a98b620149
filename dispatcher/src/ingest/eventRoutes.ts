import { Router } from 'express';
import { z } from 'zod';
import { webhookEventNames } from '@spir-webhooks/shared-types';
import type { DispatcherContext } from '../context';
import { parseInput } from '../http/apiError';
import { teamOf } from '../http/auth';

const eventsQuery = z.object({
  name: z.enum(webhookEventNames).optional(),
  limit: z.coerce.number().int().min(1).max(100).default(10),
});

/** The team's recent events, newest first, as envelopes (the Zapier app's performList). */
export function eventRoutes({ store }: DispatcherContext): Router {
  const router = Router();
  router.get('/events', async (req, res) => {
    const query = parseInput(eventsQuery, req.query, 'query');
    const rows = await store.listRecentEvents(teamOf(req).team_id, query.name, query.limit);
    res.json({ data: rows.map((row) => JSON.parse(row.body) as unknown) });
  });
  return router;
}
