import { existsSync } from 'node:fs';
import { join } from 'node:path';
import express, { Router, type Request, type Response } from 'express';
import { z } from 'zod';
import type { DispatcherContext } from '../context';
import { ApiError, parseInput } from '../http/apiError';
import { requireJsonBody } from '../http/readJsonBody';
import { jsonBody } from '../http/jsonDepth';
import { findTeamByApiKey } from '../http/auth';
import { refuseNulText } from '../http/nulText';
import {
  consoleContentSecurityPolicy,
  signInLinkPage,
  signInRefusedPage,
  type NewLinkHelp,
  type RefusedLink,
} from './consolePages';
import {
  closeConsoleSession,
  consoleLinkValidityMs,
  consoleSessionOf,
  hashToken,
  newToken,
  openConsoleSession,
} from './consoleSession';

// A path inside the console to land on after sign-in; anything else (another site) is ignored.
const returnPath = z
  .string()
  .regex(/^\/console\/[^\s\\]*$/, { error: 'returnTo must be a path under /console/' })
  .max(2_000);

export const consoleLinkBody = z.strictObject({ returnTo: returnPath.optional() });
export const keySignInBody = z.strictObject({ apiKey: z.string().min(1) });

/** `POST /internal/v1/teams/:teamId/console-links`: Spir's core asks for a one-time sign-in link. */
export function consoleLinkRoute(
  { teams, sessions, now, config }: Pick<DispatcherContext, 'teams' | 'sessions' | 'now' | 'config'>,
  publicUrl: () => string,
): Router {
  const router = Router();
  router.post('/teams/:teamId/console-links', async (req, res) => {
    const teamId = req.params.teamId;
    const { returnTo } = parseInput(consoleLinkBody, req.body ?? {}, 'link');
    if ((await teams.getTeam(teamId)) === undefined)
      throw new ApiError(
        404,
        'team_not_found',
        `No team ${teamId}; create it with PUT /internal/v1/teams/${teamId} first.`,
      );
    const token = newToken();
    const at = now();
    const expiresAt = at + consoleLinkValidityMs;
    await sessions.addConsoleLink({
      tokenHash: hashToken(token),
      teamId,
      returnTo: returnTo ?? null,
      now: at,
      expiresAt,
    });
    const base = config.consoleBaseUrl ?? publicUrl();
    res
      .status(201)
      .json({ url: `${base}/console/sign-in?token=${token}`, expiresAt: new Date(expiresAt).toISOString() });
  });
  // Spir's core ends a team's sessions when an administrator leaves the team.
  router.delete('/teams/:teamId/console-sessions', async (req, res) => {
    const teamId = req.params.teamId;
    if ((await teams.getTeam(teamId)) === undefined) throw new ApiError(404, 'team_not_found', `No team ${teamId}.`);
    await sessions.deleteTeamConsoleSessions(teamId);
    res.status(204).end();
  });
  return router;
}

/** Where the console's built files are: the console package's `dist/`, next to this one's. */
const consoleDist = join(__dirname, '..', '..', '..', 'console', 'dist');

/**
 * A browser says where a form was sent from (Sec-Fetch-Site); only the sign-in page's own button
 * may use a link, so that another site cannot sign a visitor into a team of its choosing.
 */
const sentFromAnotherSite = (req: Request) => {
  const site = req.headers['sec-fetch-site'];
  return site !== undefined && site !== 'same-origin';
};

/** The console: its pages, the sign-in link and key sign-in, and the session it opens. */
export function consoleRoutes(context: DispatcherContext, newLinkHelp: Omit<NewLinkHelp, 'loginUrl'>): Router {
  const { sessions, now, config } = context;
  const help: NewLinkHelp = { ...newLinkHelp, loginUrl: config.consoleLoginUrl };
  const router = Router();
  const secured = (res: Response) => {
    res.setHeader('content-security-policy', consoleContentSecurityPolicy(config.consoleFrameAncestors));
    res.setHeader('referrer-policy', 'no-referrer');
    res.setHeader('cache-control', 'no-store');
  };

  const refuse = (req: Request, res: Response, refused: RefusedLink, teamId?: string) =>
    res
      .status(403)
      .type('html')
      .send(signInRefusedPage(refused, teamId, help, req.headers['accept-language']));

  // Opening a link (a person, a chat app's preview, a mail scanner; GET or HEAD) uses nothing.
  router.get('/console/sign-in', async (req, res) => {
    secured(res);
    const token = typeof req.query.token === 'string' ? req.query.token : '';
    const link = token === '' ? undefined : await sessions.findConsoleLink(hashToken(token));
    if (link === undefined) return refuse(req, res, 'unknown');
    if (link.used_at !== null) return refuse(req, res, 'used', link.team_id);
    if (link.expires_at <= now()) return refuse(req, res, 'expired', link.team_id);
    const current = await consoleSessionOf(sessions, req, now());
    const signedInTo = current !== undefined && current.team_id !== link.team_id ? current.name : undefined;
    res.type('html').send(signInLinkPage(token, link.team_name, req.headers['accept-language'], signedInTo));
  });

  // The page's Sign in button: the one request that uses the link.
  router.post('/console/sign-in', express.urlencoded({ extended: false, limit: '2kb' }), async (req, res) => {
    secured(res);
    const body = (req.body ?? {}) as { token?: unknown };
    const token = typeof body.token === 'string' ? body.token : '';
    if (sentFromAnotherSite(req)) return refuse(req, res, 'other-site');
    const used = token === '' ? undefined : await sessions.useConsoleLink(hashToken(token), now());
    if (used === undefined) {
      const link = token === '' ? undefined : await sessions.findConsoleLink(hashToken(token));
      if (link === undefined) return refuse(req, res, 'unknown');
      return refuse(req, res, link.used_at === null ? 'expired' : 'used', link.team_id);
    }
    await openConsoleSession(context, req, res, used.team_id, undefined);
    res.redirect(303, used.return_to ?? '/console/');
  });

  // A developer's way in: a team API key (full scope), exchanged for a session.
  router.post('/console/session', requireJsonBody, jsonBody('4kb'), refuseNulText, async (req, res) => {
    const { apiKey } = parseInput(keySignInBody, req.body, 'sign-in');
    const key = await findTeamByApiKey(context, apiKey);
    if (key.key_scope !== 'full')
      throw new ApiError(403, 'insufficient_scope', 'Sign in with a full-scope API key; this one is read-only.');
    await openConsoleSession(context, req, res, key.team_id, { id: key.key_id, expiresAt: key.key_expires_at });
    res.status(204).end();
  });

  router.get('/console/session', async (req, res) => {
    const session = await consoleSessionOf(sessions, req, now());
    res.setHeader('cache-control', 'no-store');
    if (session === undefined) {
      res.status(401).json({
        error: { code: 'unauthorized', message: 'Not signed in.' },
        signIn: { loginUrl: config.consoleLoginUrl ?? null },
      });
      return;
    }
    res.json({
      teamId: session.team_id,
      teamName: session.name,
      language: session.language,
      csrfToken: session.session_csrf_token,
      expiresAt: new Date(session.session_expires_at).toISOString(),
    });
  });

  router.delete('/console/session', async (req, res) => {
    await closeConsoleSession(context, req, res);
    res.status(204).end();
  });

  router.use('/console', (_req, res, next) => {
    secured(res);
    next();
  });
  if (existsSync(consoleDist)) {
    router.use('/console', express.static(consoleDist, { index: 'index.html', fallthrough: true }));
  } else {
    router.get('/console/', (_req, res) => {
      res.status(503).type('text').send('The console is not built: run `npm run build` at the repository root.');
    });
  }
  router.get('/console', (_req, res) => res.redirect(301, '/console/'));
  return router;
}
