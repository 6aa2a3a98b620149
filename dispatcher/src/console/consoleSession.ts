import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Request, Response } from 'express';
import type { Config } from '../config';
import type { AuthenticatedKey, ConsoleSessionTeam } from '../store/storeTypes';
import { ApiError } from '../http/apiError';
import type { SessionLookup } from '../http/auth';
import type { SessionsStore } from '../store/store';

/** A console session lasts a working day, not weeks. */
const consoleSessionMs = 8 * 3600_000;
/** A sign-in link is for the next few minutes only, and for one use. */
export const consoleLinkValidityMs = 5 * 60_000;

const cookieName = 'spir_console';

export const hashToken = (token: string) => createHash('sha256').update(token).digest('hex');
export const newToken = () => randomBytes(32).toString('base64url');

function cookieValue(req: Request): string | undefined {
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const [name, ...value] = part.trim().split('=');
    if (name === cookieName) return value.join('=');
  }
  return undefined;
}

/**
 * The session cookie: HttpOnly (scripts never see it), Secure, and SameSite=Lax; when Spir frames
 * the console on its own origin (CONSOLE_FRAME_ANCESTORS), SameSite=None and Partitioned, since the
 * console then runs in a third-party frame. Writes are protected by the CSRF token either way.
 */
function cookieAttributes(config: Pick<Config, 'consoleFrameAncestors'>, maxAgeSeconds: number): string {
  const sameSite = config.consoleFrameAncestors === undefined ? 'SameSite=Lax' : 'SameSite=None; Partitioned';
  return `Path=/; HttpOnly; Secure; ${sameSite}; Max-Age=${maxAgeSeconds}`;
}

/** The API key a session is opened with: the session ends when the key is revoked or expires. */
export interface SessionKey {
  id: string;
  expiresAt: number | null;
}

/**
 * Opens a session for a team and sets its cookie; returns nothing the page needs to keep. The
 * browser's previous session, of whichever team, ends first: one browser, one signed-in team.
 */
export async function openConsoleSession(
  { sessions, now, config }: { sessions: SessionsStore; now: () => number; config: Readonly<Config> },
  req: Request,
  res: Response,
  teamId: string,
  key: SessionKey | undefined,
): Promise<void> {
  const previous = cookieValue(req);
  if (previous !== undefined) await sessions.deleteConsoleSession(hashToken(previous));
  const id = newToken();
  const at = now();
  const expiresAt = Math.min(at + consoleSessionMs, key?.expiresAt ?? Infinity);
  await sessions.addConsoleSession({
    idHash: hashToken(id),
    teamId,
    csrfToken: newToken(),
    now: at,
    expiresAt,
    apiKeyId: key?.id ?? null,
  });
  const maxAgeSeconds = Math.max(1, Math.floor((expiresAt - at) / 1000));
  res.setHeader('set-cookie', `${cookieName}=${id}; ${cookieAttributes(config, maxAgeSeconds)}`);
}

export async function closeConsoleSession(
  { sessions, config }: { sessions: SessionsStore; config: Readonly<Config> },
  req: Request,
  res: Response,
): Promise<void> {
  const id = cookieValue(req);
  if (id !== undefined) await sessions.deleteConsoleSession(hashToken(id));
  res.setHeader('set-cookie', `${cookieName}=; ${cookieAttributes(config, 0)}`);
}

/** The session a request's cookie names, if it is still open. */
export async function consoleSessionOf(
  sessions: SessionsStore,
  req: Request,
  now: number,
): Promise<ConsoleSessionTeam | undefined> {
  const id = cookieValue(req);
  return id === undefined ? undefined : sessions.findConsoleSession(hashToken(id), now);
}

/** A write made with the session cookie must carry the session's CSRF token in `x-csrf-token`. */
function hasValidCsrfToken(req: Request, session: ConsoleSessionTeam): boolean {
  const given = Buffer.from(String(req.headers['x-csrf-token'] ?? ''));
  const expected = Buffer.from(session.session_csrf_token);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/**
 * The team API's session lookup (http/auth.ts): the session cookie stands in for a full-scope key
 * of its team while the session lasts; a write must carry the session's CSRF token.
 */
export function consoleSessionTeam(sessions: SessionsStore): SessionLookup {
  return async (req, at): Promise<AuthenticatedKey> => {
    const session = await consoleSessionOf(sessions, req, at);
    if (session === undefined)
      throw new ApiError(401, 'unauthorized', 'Your console session has ended; sign in again.');
    if (req.method !== 'GET' && req.method !== 'HEAD' && !hasValidCsrfToken(req, session))
      throw new ApiError(
        403,
        'csrf_token_invalid',
        'This change did not come from the console page; reload it and try again.',
      );
    return {
      ...session,
      key_id: 'console-session',
      key_scope: 'full' as const,
      key_expires_at: session.session_expires_at,
      key_last_used_at: at,
    };
  };
}
