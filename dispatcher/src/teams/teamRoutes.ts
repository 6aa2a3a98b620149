import { Router } from 'express';
import { z } from 'zod';
import type { DispatcherContext } from '../context';
import { ApiError, parseInput, requireJsonBody } from '../http/apiError';
import { generateApiKey, teamOf } from '../http/auth';
import type { TeamRow } from '../store/storeTypes';

export const teamIdSchema = z
  .string()
  .regex(/^[A-Za-z0-9_-]{1,64}$/, { error: 'must be 1 to 64 letters, digits, _ or -' });

const teamBody = z.strictObject({
  name: z.string().trim().min(1).max(200),
  adminEmails: z
    .array(z.email())
    .min(1, { error: 'list at least one administrator to receive failure emails' })
    .max(100),
  maxUrlsPerEvent: z.number().int().min(1).max(100).default(1),
  /** The language of the team's failure emails; Japanese unless the team asks for English. */
  language: z.enum(['ja', 'en'], { error: 'language must be ja or en' }).default('ja'),
});

function teamJson(team: TeamRow) {
  return {
    teamId: team.team_id,
    name: team.name,
    adminEmails: JSON.parse(team.admin_emails) as string[],
    maxUrlsPerEvent: team.max_urls_per_event,
    language: team.language,
    createdAt: new Date(team.created_at).toISOString(),
    updatedAt: new Date(team.updated_at).toISOString(),
  };
}

/** Spir's own systems create teams and their API keys. */
export function internalTeamRoutes({ store, now }: DispatcherContext): Router {
  const router = Router();
  router.put('/teams/:teamId', requireJsonBody, async (req, res) => {
    const teamId = parseInput(teamIdSchema, req.params.teamId, 'team id');
    const body = parseInput(teamBody, req.body, 'team');
    const team = await store.upsertTeam({ teamId, ...body, now: now() });
    res.json(teamJson(team));
  });
  router.post('/teams/:teamId/api-keys', async (req, res) => {
    const teamId = parseInput(teamIdSchema, req.params.teamId, 'team id');
    if ((await store.getTeam(teamId)) === undefined)
      throw new ApiError(
        404,
        'team_not_found',
        `No team ${teamId}; create it with PUT /internal/v1/teams/${teamId} first.`,
      );
    const { apiKey, keyHash } = generateApiKey();
    await store.addApiKey(teamId, keyHash, now());
    res.status(201).json({ apiKey });
  });
  return router;
}

export function meRoute(): Router {
  const router = Router();
  router.get('/me', (req, res) => {
    const team = teamOf(req);
    res.json({ teamId: team.team_id, name: team.name });
  });
  return router;
}
