import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Request, Response } from 'express';
import type { Config } from '../config';
import type { ConsoleSessionTeam } from '../store/storeTypes';
import type { Store } from '../store/store';

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
  { store, now, config }: { store: Store; now: () => number; config: Readonly<Config> },
  req: Request,
  res: Response,
  teamId: string,
  key: SessionKey | undefined,
): Promise<void> {
  const previous = cookieValue(req);
  if (previous !== undefined) await store.sessions.deleteConsoleSession(hashToken(previous));
  const id = newToken();
  const at = now();
  const expiresAt = Math.min(at + consoleSessionMs, key?.expiresAt ?? Infinity);
  await store.sessions.addConsoleSession({
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
  { store, config }: { store: Store; config: Readonly<Config> },
  req: Request,
  res: Response,
): Promise<void> {
  const id = cookieValue(req);
  if (id !== undefined) await store.sessions.deleteConsoleSession(hashToken(id));
  res.setHeader('set-cookie', `${cookieName}=; ${cookieAttributes(config, 0)}`);
}

/** The session a request's cookie names, if it is still open. */
export async function consoleSessionOf(
  store: Store,
  req: Request,
  now: number,
): Promise<ConsoleSessionTeam | undefined> {
  const id = cookieValue(req);
  return id === undefined ? undefined : store.sessions.findConsoleSession(hashToken(id), now);
}

/** A write made with the session cookie must carry the session's CSRF token in `x-csrf-token`. */
export function hasValidCsrfToken(req: Request, session: ConsoleSessionTeam): boolean {
  const given = Buffer.from(String(req.headers['x-csrf-token'] ?? ''));
  const expected = Buffer.from(session.session_csrf_token);
  return given.length === expected.length && timingSafeEqual(given, expected);
}
