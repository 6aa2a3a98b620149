import type { RequestHandler, Response } from 'express';
import { RateLimiterMemory, RateLimiterRes } from 'rate-limiter-flexible';
import { ApiError } from './apiError';
import { teamOf } from './auth';

/**
 * Takes a point of `limiter` for `key`, counted per dispatcher process; when none is left, a 429
 * with `Retry-After`, its message saying why and when (`explain` is given the seconds to wait).
 */
async function consumeOrRefuse(
  limiter: RateLimiterMemory,
  key: string,
  res: Response,
  explain: (seconds: number) => string,
): Promise<void> {
  try {
    await limiter.consume(key);
  } catch (rejection) {
    if (!(rejection instanceof RateLimiterRes)) throw rejection;
    refuse(res, rejection.msBeforeNext, 'rate_limited', explain);
  }
}

/** The one 429 of every limit: `Retry-After` in whole seconds, and the API's error shape. */
export function refuse(res: Response, msBeforeNext: number, code: string, explain: (seconds: number) => string): never {
  const seconds = Math.max(1, Math.ceil(msBeforeNext / 1000));
  res.setHeader('retry-after', String(seconds));
  throw new ApiError(429, code, explain(seconds));
}

/**
 * Per-team request rate on the team API: a team may make `perSecond` requests in any second;
 * past that, 429 with `Retry-After`. One team's script in a loop cannot take the dispatcher from
 * the others.
 */
export function teamRateLimit(perSecond: number): RequestHandler {
  const limiter = new RateLimiterMemory({ points: perSecond, duration: 1 });
  return async (req, res, next) => {
    await consumeOrRefuse(
      limiter,
      teamOf(req).team_id,
      res,
      (seconds) => `This team made more than ${perSecond} requests in a second; try again in ${seconds} s.`,
    );
    next();
  };
}

/**
 * At most one action per key (a delivery's id, a team's) every `intervalSeconds`. Resending a
 * delivery that fails again mails its team's administrators, so resends must not come faster
 * than people can read those emails.
 */
export function oncePer(intervalSeconds: number, what: string): (key: string, res: Response) => Promise<void> {
  const limiter = new RateLimiterMemory({ points: 1, duration: intervalSeconds });
  return (key, res) =>
    consumeOrRefuse(
      limiter,
      key,
      res,
      (seconds) => `${what} at most once every ${intervalSeconds} s; try again in ${seconds} s.`,
    );
}
