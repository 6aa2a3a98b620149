import { randomUUID } from 'node:crypto';
import { Router } from 'express';
import { z } from 'zod';
import type { DispatcherContext } from '../context';
import { ApiError, parseInput } from '../http/apiError';
import { requireJsonBody } from '../http/readJsonBody';
import { generateApiKey, teamOf } from '../http/auth';
import type { ApiKeyRow, TeamRow } from '../store/storeTypes';

export const teamIdSchema = z
  .string()
  .regex(/^[A-Za-z0-9_-]{1,64}$/, { error: 'must be 1 to 64 letters, digits, _ or -' });

export const teamBody = z.strictObject({
  name: z.string().trim().min(1).max(200),
  adminEmails: z
    .array(z.email())
    .min(1, { error: 'list at least one administrator to receive failure emails' })
    .max(100),
  maxUrlsPerEvent: z.number().int().min(1).max(100).default(1),
  /** Subscriptions by integration platforms (one per Zap), apart from the registered URLs. */
  maxSubscriptionsPerEvent: z.number().int().min(1).max(1000).default(20),
  /** The language of the team's failure emails; Japanese unless the team asks for English. */
  language: z.enum(['ja', 'en'], { error: 'language must be ja or en' }).default('ja'),
});

export const apiKeyBody = z.strictObject({
  label: z.string().trim().min(1).max(200).optional(),
  /** `read` for dashboards and log readers; `full` (the default) for integrations such as Zapier. */
  scope: z.enum(['full', 'read'], { error: 'scope must be full or read' }).default('full'),
  expiresAt: z.iso.datetime({ offset: true }).transform(Date.parse).optional(),
});

/** A key as listed: never the key itself, which only its creation shows. */
function apiKeyJson(key: ApiKeyRow) {
  const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());
  return {
    id: key.id,
    prefix: key.prefix,
    label: key.label,
    scope: key.scope,
    createdAt: iso(key.created_at),
    lastUsedAt: iso(key.last_used_at),
    expiresAt: iso(key.expires_at),
  };
}

function teamJson(team: TeamRow) {
  return {
    teamId: team.team_id,
    name: team.name,
    adminEmails: JSON.parse(team.admin_emails) as string[],
    maxUrlsPerEvent: team.max_urls_per_event,
    maxSubscriptionsPerEvent: team.max_subscriptions_per_event,
    language: team.language,
    createdAt: new Date(team.created_at).toISOString(),
    updatedAt: new Date(team.updated_at).toISOString(),
  };
}

/** Spir's own systems create teams and their API keys. */
export function internalTeamRoutes({ teams, now }: Pick<DispatcherContext, 'teams' | 'now'>): Router {
  const router = Router();
  router.put('/teams/:teamId', requireJsonBody, async (req, res) => {
    const teamId = parseInput(teamIdSchema, req.params.teamId, 'team id');
    const body = parseInput(teamBody, req.body, 'team');
    const team = await teams.upsertTeam({ teamId, ...body, now: now() });
    res.json(teamJson(team));
  });
  router.post('/teams/:teamId/api-keys', async (req, res) => {
    const teamId = await existingTeam(req.params.teamId);
    const body = parseInput(apiKeyBody, req.body ?? {}, 'API key');
    const createdAt = now();
    if (body.expiresAt !== undefined && body.expiresAt <= createdAt)
      throw new ApiError(400, 'validation_failed', 'expiresAt must be in the future.');
    const { apiKey, keyHash, prefix } = generateApiKey();
    const key = await teams.addApiKey({
      id: `key_${randomUUID().replaceAll('-', '')}`,
      teamId,
      keyHash,
      prefix,
      label: body.label ?? null,
      scope: body.scope,
      createdAt,
      expiresAt: body.expiresAt ?? null,
    });
    res.status(201).json({ apiKey, ...apiKeyJson(key) });
  });
  router.get('/teams/:teamId/api-keys', async (req, res) => {
    const teamId = await existingTeam(req.params.teamId);
    res.json({ data: (await teams.listApiKeys(teamId)).map(apiKeyJson) });
  });
  router.delete('/teams/:teamId/api-keys/:keyId', async (req, res) => {
    const teamId = await existingTeam(req.params.teamId);
    if (!(await teams.revokeApiKey(teamId, req.params.keyId)))
      throw new ApiError(404, 'api_key_not_found', `No API key ${req.params.keyId} in team ${teamId}.`);
    res.status(204).end();
  });

  async function existingTeam(rawTeamId: string): Promise<string> {
    const teamId = parseInput(teamIdSchema, rawTeamId, 'team id');
    if ((await teams.getTeam(teamId)) === undefined)
      throw new ApiError(
        404,
        'team_not_found',
        `No team ${teamId}; create it with PUT /internal/v1/teams/${teamId} first.`,
      );
    return teamId;
  }
  return router;
}

export function meRoute(): Router {
  const router = Router();
  router.get('/me', (req, res) => {
    const team = teamOf(req);
    res.json({ teamId: team.team_id, name: team.name, scope: team.key_scope });
  });
  return router;
}
