import { randomUUID } from 'node:crypto';
import { Router } from 'express';
import { z } from 'zod';
import {
  type WebhookHealth,
  checkWebhookUrl,
  generateWebhookSecret,
  normaliseAvailabilityLink,
  webhookEventNames,
} from '@spir-webhooks/shared-types';
import type { DispatcherContext } from '../context';
import { ApiError, parseInput } from '../http/apiError';
import { requireJsonBody } from '../http/readJsonBody';
import { teamOf } from '../http/auth';
import { healthByWebhook, healthWindowMs } from './webhookHealth';
import type { TeamRow, WebhookKind, WebhookRow } from '../store/storeTypes';
import type { WebhookFailingState } from '../store/failingStore';
import { requireFullScope } from '../http/auth';

export const createBody = z.strictObject({
  url: z.string({ error: 'url must be a string' }),
  event: z.enum(webhookEventNames, { error: `event must be one of ${webhookEventNames.join(', ')}` }),
  kind: z.enum(['endpoint', 'subscription'], { error: 'kind must be endpoint or subscription' }).default('endpoint'),
  /** Limits the webhook to these availability links (ids or URLs); absent: every link. */
  availabilityLinks: z
    .array(
      z
        .string()
        .regex(/^(https:\/\/\S+|[A-Za-z0-9_-]{1,128})$/, {
          error: 'each availability link must be its https URL or its link id',
        })
        .transform(normaliseAvailabilityLink),
      { error: 'availabilityLinks must be a list of availability link URLs or ids' },
    )
    .min(1, { error: 'availabilityLinks must name at least one link; leave it out for every link' })
    .max(100)
    .optional(),
});

/** `GET /v1/webhooks?health=false`: the list without each webhook's health, for a picker that needs only ids and URLs. */
export const webhookListQuery = z.object({
  health: z
    .enum(['true', 'false'], { error: 'health must be true or false' })
    .default('true')
    .transform((value) => value === 'true')
    .describe("false leaves out each webhook's health (a lighter read, for a picker)"),
});

/** `PATCH /v1/webhooks/:id`: what a team may change of a webhook after registering it. */
export const patchBody = z.strictObject({
  autoRedeliver: z.boolean({ error: 'autoRedeliver must be true or false' }),
});

/**
 * A webhook as the API shows it at `now`: never its secret, which only creation, rotation and
 * /secret reveal; the previous secret's expiry only while that secret still signs.
 */
export function webhookJson(row: WebhookRow, now: number, failing: WebhookFailingState | undefined) {
  return {
    id: row.id,
    url: row.url,
    event: row.event_name,
    kind: row.kind,
    availabilityLinks: row.availability_links === null ? null : (JSON.parse(row.availability_links) as string[]),
    createdAt: new Date(row.created_at).toISOString(),
    autoRedeliver: failing?.autoRedeliver ?? true,
    ...(row.previous_secret_expires_at !== null && row.previous_secret_expires_at > now
      ? { previousSecretExpiresAt: new Date(row.previous_secret_expires_at).toISOString() }
      : {}),
  };
}

/** A team's webhook, or 404: another team's id is indistinguishable from one that never existed. */
export async function findTeamWebhook(
  { webhooks }: Pick<DispatcherContext, 'webhooks'>,
  teamId: string,
  id: string,
): Promise<WebhookRow> {
  return (await webhooks.getWebhook(teamId, id)) ?? webhookNotFound(id);
}

export function webhookNotFound(id: string): never {
  throw new ApiError(404, 'webhook_not_found', `No webhook ${id} in this team.`);
}

function limitReached(team: TeamRow, kind: WebhookKind, event: string): ApiError {
  if (kind === 'subscription') {
    return new ApiError(
      409,
      'limit_reached',
      `This team already has ${team.max_subscriptions_per_event} integration subscriptions for ${event}, its limit; turn off a workflow you no longer use, or contact Spir to raise it.`,
      { limit: team.max_subscriptions_per_event, kind },
    );
  }
  return new ApiError(
    409,
    'limit_reached',
    `This team already has ${team.max_urls_per_event} webhook URL(s) for ${event}, its limit; delete one, or contact Spir to register more.`,
    { limit: team.max_urls_per_event, kind },
  );
}

/** Each webhook's health of the last 24 h, with its failing state, whatever its last attempt's age. */
async function teamHealth(
  { deliveries }: Pick<DispatcherContext, 'deliveries'>,
  teamId: string,
  at: number,
  failing: Map<string, WebhookFailingState>,
): Promise<(webhookId: string) => WebhookHealth> {
  const health = healthByWebhook(await deliveries.webhookHealth(teamId, at - healthWindowMs));
  return (webhookId) => {
    const state = failing.get(webhookId);
    return {
      ...health(webhookId),
      failingSince:
        state === undefined || state.failingSince === null ? null : new Date(state.failingSince).toISOString(),
      failedDeliveries: state?.failedDeliveries ?? 0,
    };
  };
}

/** One webhook as `GET /v1/webhooks/:id` and `PATCH` answer it: as in the list, with its health. */
async function webhookWithHealth(context: DispatcherContext, teamId: string, row: WebhookRow) {
  const at = context.now();
  const failing = await context.failing.statesOfTeam(teamId);
  const health = await teamHealth(context, teamId, at, failing);
  return { ...webhookJson(row, at, failing.get(row.id)), health: health(row.id) };
}

export function webhookRoutes(context: DispatcherContext): Router {
  const { webhooks, failing, now, config } = context;
  const router = Router();

  router.post('/webhooks', requireJsonBody, async (req, res) => {
    const team = teamOf(req);
    const body = parseInput(createBody, req.body, 'webhook');
    const check = checkWebhookUrl(body.url, config.pinnedHosts);
    if (!check.ok) throw new ApiError(422, 'invalid_url', check.message, { rule: check.rule });
    const secret = generateWebhookSecret();
    const created = await webhooks.createWebhook({
      id: `wh_${randomUUID().replaceAll('-', '')}`,
      teamId: team.team_id,
      url: check.url,
      eventName: body.event,
      secret: context.secretBox.seal(secret),
      createdAt: now(),
      kind: body.kind,
      availabilityLinks: body.availabilityLinks === undefined ? undefined : [...new Set(body.availabilityLinks)],
    });
    if (created === 'limit_reached') throw limitReached(team, body.kind, body.event);
    res.status(201).json({ ...webhookJson(created, now(), undefined), secret });
  });

  router.get('/webhooks', async (req, res) => {
    const team = teamOf(req);
    const { health: withHealth } = parseInput(webhookListQuery, req.query, 'query');
    const at = now();
    const limits = { urlsPerEvent: team.max_urls_per_event, subscriptionsPerEvent: team.max_subscriptions_per_event };
    const [rows, states] = await Promise.all([webhooks.listWebhooks(team.team_id), failing.statesOfTeam(team.team_id)]);
    if (!withHealth) {
      res.json({ data: rows.map((row) => webhookJson(row, at, states.get(row.id))), limits });
      return;
    }
    const health = await teamHealth(context, team.team_id, at, states);
    res.json({
      data: rows.map((row) => ({ ...webhookJson(row, at, states.get(row.id)), health: health(row.id) })),
      limits,
    });
  });

  // The URL rules, checked as a person types in the console (the same check registration makes).
  router.get('/webhook-url-check', (req, res) => {
    const { url } = parseInput(z.object({ url: z.string() }), req.query, 'query');
    const check = checkWebhookUrl(url, config.pinnedHosts);
    res.json(check.ok ? { ok: true, url: check.url } : { ok: false, rule: check.rule, message: check.message });
  });

  router.get('/webhooks/:id', async (req, res) => {
    const teamId = teamOf(req).team_id;
    res.json(await webhookWithHealth(context, teamId, await findTeamWebhook(context, teamId, req.params.id)));
  });

  router.patch('/webhooks/:id', requireFullScope, requireJsonBody, async (req, res) => {
    const teamId = teamOf(req).team_id;
    const { autoRedeliver } = parseInput(patchBody, req.body, 'webhook change');
    const webhook = await findTeamWebhook(context, teamId, String(req.params.id));
    if (!(await failing.setAutoRedeliver(teamId, webhook.id, autoRedeliver))) webhookNotFound(webhook.id);
    res.json(await webhookWithHealth(context, teamId, webhook));
  });

  router.delete('/webhooks/:id', async (req, res) => {
    if (!(await webhooks.deleteWebhook(teamOf(req).team_id, req.params.id, now()))) webhookNotFound(req.params.id);
    res.status(204).end();
  });

  return router;
}
