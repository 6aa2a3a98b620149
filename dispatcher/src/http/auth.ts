import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { markAuthenticated } from './connectionGuard';
import type { Request, RequestHandler } from 'express';
import type { Logger } from 'pino';
import type { AuthenticatedKey } from '../store/storeTypes';
import type { TeamsStore } from '../store/store';
import { ApiError } from './apiError';

function bearerToken(authorization: string | undefined): string {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '');
  if (match === null) throw new ApiError(401, 'unauthorized', 'Send an `authorization: Bearer <token>` header.');
  return match[1]!;
}

const digest = (value: string) => createHash('sha256').update(value).digest();

/**
 * Checks an authorization header for the internal API token, in constant time for a token of its
 * length (only the length can show in the time taken, and the length is no secret); throws a 401.
 * Compared as bytes, not through two digests: this runs on every ingest.
 */
export function internalTokenChecker(
  token: string,
  refusal = 'The internal API token is not valid.',
): (authorization: string | undefined) => void {
  const expected = Buffer.from(token);
  return (authorization) => {
    const presented = Buffer.from(bearerToken(authorization));
    if (presented.length !== expected.length || !timingSafeEqual(presented, expected)) {
      throw new ApiError(401, 'unauthorized', refusal);
    }
  };
}

/** Spir's own systems: the internal API token. */
export function requireInternalToken(token: string): RequestHandler {
  const check = internalTokenChecker(token);
  return (req, _res, next) => {
    check(req.headers.authorization);
    markAuthenticated(req.socket);
    next();
  };
}

/** A new team API key; only its hash is stored, so it is shown once. */
export function generateApiKey(): { apiKey: string; keyHash: string; prefix: string } {
  const apiKey = `spk_${randomBytes(32).toString('base64url')}`;
  return { apiKey, keyHash: hashApiKey(apiKey), prefix: apiKey.slice(0, 12) };
}

// Keys carry 256 random bits, so a plain SHA-256 is as strong as a slow hash here and stays cheap.
function hashApiKey(apiKey: string): string {
  return digest(apiKey).toString('hex');
}

declare module 'express-serve-static-core' {
  interface Request {
    /** The team whose API key (or console session) authenticated this request, and what the key may do. */
    team?: AuthenticatedKey;
  }
}

// A key's last use is written at most this often: an exact time is not worth a write per request.
const touchIntervalMs = 60_000;

/**
 * The team a request's session cookie stands for, as a full-scope key (the console's sessions,
 * console/consoleSession.ts); throws an ApiError when the session has ended or the request may not.
 */
export type SessionLookup = (req: Request, at: number) => Promise<AuthenticatedKey>;

interface KeyLookup {
  teams: Pick<TeamsStore, 'findApiKey' | 'touchApiKey'>;
  now: () => number;
}

/**
 * Customers, the Zapier app and dashboards: a team API key. A revoked key is unknown at once (its
 * row is gone); an expired one is refused saying so; a read-scoped key may only read. A request
 * with a cookie and no authorization header is the session's (`sessionTeam`).
 */
export function requireTeamKey(
  { teams, now, logger }: KeyLookup & { logger: Logger },
  sessionTeam: SessionLookup,
): RequestHandler {
  return async (req, _res, next) => {
    if (req.headers.authorization === undefined && req.headers.cookie !== undefined) {
      req.team = await sessionTeam(req, now());
      markAuthenticated(req.socket);
      next();
      return;
    }
    const key = await findTeamByApiKey({ teams, now }, bearerToken(req.headers.authorization));
    const at = now();
    if (key.key_scope === 'read' && req.method !== 'GET' && req.method !== 'HEAD') throw insufficientScope();
    if (key.key_last_used_at === null || at - key.key_last_used_at > touchIntervalMs) {
      teams
        .touchApiKey(key.key_id, at)
        .catch((error: unknown) => logger.warn({ err: error }, 'recording a key use failed'));
    }
    req.team = key;
    markAuthenticated(req.socket);
    next();
  };
}

/** The team of a valid, unexpired API key; a 401 that says why otherwise. */
export async function findTeamByApiKey({ teams, now }: KeyLookup, apiKey: string): Promise<AuthenticatedKey> {
  const key = await teams.findApiKey(hashApiKey(apiKey));
  if (key === undefined)
    throw new ApiError(401, 'unauthorized', 'The API key is not valid; check it or ask for a new one.');
  if (key.key_expires_at !== null && key.key_expires_at <= now()) {
    throw new ApiError(
      401,
      'api_key_expired',
      `This API key expired at ${new Date(key.key_expires_at).toISOString()}; ask a team administrator for a new one.`,
    );
  }
  return key;
}

/** Whether this request may read a webhook's signing secret: a full-scope key or a console session. */
export const mayReadSecret = (req: Request): boolean => teamOf(req).key_scope === 'full';

/** For the routes a read-scoped key may not call even with GET (a webhook's secret). */
export const requireFullScope: RequestHandler = (req, _res, next) => {
  if (!mayReadSecret(req)) throw insufficientScope();
  next();
};

function insufficientScope(): ApiError {
  return new ApiError(
    403,
    'insufficient_scope',
    'This API key is read-only; use a key with full scope for changes and secrets.',
  );
}

export function teamOf(req: Request): AuthenticatedKey {
  if (req.team === undefined) throw new Error('teamOf called on a route without requireTeamKey');
  return req.team;
}
