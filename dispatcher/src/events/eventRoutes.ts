import { Router } from 'express';
import { z } from 'zod';
import { bookingOf, eventCatalog, normaliseAvailabilityLink, webhookEventNames } from '@spir-webhooks/shared-types';
import type { DispatcherContext } from '../context';
import { parseInput } from '../http/apiError';
import { teamOf } from '../http/auth';
import { deviationsOfStoredBody } from '../contract/storedDeviations';

export const eventsQuery = z.strictObject({
  name: z.enum(webhookEventNames).optional(),
  /** Only events of this availability link (its id, or any of its URLs). */
  availabilityLink: z.string().min(1).transform(normaliseAvailabilityLink).optional(),
  limit: z.coerce.number().int().min(1).max(100).default(10),
});

/**
 * The team's recent events, newest first, as envelopes: the Zapier app's samples (performList).
 * Only events of template links, the only ones ever delivered; and the team's availability links
 * seen in them, for a trigger's dropdown.
 */
export function eventRoutes({ events }: Pick<DispatcherContext, 'events'>): Router {
  const router = Router();
  router.get('/events', async (req, res) => {
    const query = parseInput(eventsQuery, req.query, 'query');
    const rows = await events.listRecentEvents(
      teamOf(req).team_id,
      { eventName: query.name, linkId: query.availabilityLink },
      query.limit,
    );
    // The envelopes exactly as stored (Zapier's samples read `data`), and, beside them for the
    // console, where any of them differs from the typed contract and the booking each is about
    // (the deliveries' rule, so that one booking has one title on every page).
    const contractDeviations = Object.fromEntries(
      rows
        .map((row) => [row.webhook_event_id, deviationsOfStoredBody(row.body)] as const)
        .filter(([, deviations]) => deviations.length > 0),
    );
    const bookings = Object.fromEntries(rows.map((row) => [row.webhook_event_id, bookingOf(row.body)]));
    res.json({ data: rows.map((row) => JSON.parse(row.body) as unknown), contractDeviations, bookings });
  });
  // The catalog is the contract's, the same for every team: built once.
  let catalog: ReturnType<typeof eventCatalog> | undefined;
  router.get('/event-types', (_req, res) => {
    catalog ??= eventCatalog();
    res.json({ data: catalog });
  });
  router.get('/availability-links', async (req, res) => {
    const rows = await events.listAvailabilityLinks(teamOf(req).team_id);
    res.json({
      data: rows.map((row) => ({
        linkId: row.link_id,
        originalUrl: row.original_url,
        privateTitle: row.private_title,
        lastEventAt: new Date(row.last_event_at).toISOString(),
      })),
    });
  });
  return router;
}
