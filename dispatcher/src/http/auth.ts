import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Request, RequestHandler } from 'express';
import type { Store, TeamRow } from '../store/storeTypes';
import { ApiError } from './apiError';

function bearerToken(authorization: string | undefined): string {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '');
  if (match === null) throw new ApiError(401, 'unauthorized', 'Send an `authorization: Bearer <token>` header.');
  return match[1]!;
}

const digest = (value: string) => createHash('sha256').update(value).digest();

/** Checks an authorization header for the internal API token, in constant time; throws a 401. */
export function internalTokenChecker(token: string): (authorization: string | undefined) => void {
  const expected = digest(token);
  return (authorization) => {
    if (!timingSafeEqual(digest(bearerToken(authorization)), expected)) {
      throw new ApiError(401, 'unauthorized', 'The internal API token is not valid.');
    }
  };
}

/** Spir's own systems: the internal API token. */
export function requireInternalToken(token: string): RequestHandler {
  const check = internalTokenChecker(token);
  return (req, _res, next) => {
    check(req.headers.authorization);
    next();
  };
}

/** A new team API key; only its hash is stored, so it is shown once. */
export function generateApiKey(): { apiKey: string; keyHash: string } {
  const apiKey = `spk_${randomBytes(32).toString('base64url')}`;
  return { apiKey, keyHash: hashApiKey(apiKey) };
}

// Keys carry 256 random bits, so a plain SHA-256 is as strong as a slow hash here and stays cheap.
function hashApiKey(apiKey: string): string {
  return digest(apiKey).toString('hex');
}

declare module 'express-serve-static-core' {
  interface Request {
    /** The team whose API key authenticated this request. */
    team?: TeamRow;
  }
}

/** Customers and the Zapier app: a team API key. */
export function requireTeamKey(store: Store): RequestHandler {
  return async (req, _res, next) => {
    const team = await store.findTeamByApiKeyHash(hashApiKey(bearerToken(req.headers.authorization)));
    if (team === undefined)
      throw new ApiError(401, 'unauthorized', 'The API key is not valid; check it or ask for a new one.');
    req.team = team;
    next();
  };
}

export function teamOf(req: Request): TeamRow {
  if (req.team === undefined) throw new Error('teamOf called on a route without requireTeamKey');
  return req.team;
}
