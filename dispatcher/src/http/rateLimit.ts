import type { RequestHandler, Response } from 'express';
import { RateLimiterMemory, RateLimiterRes } from 'rate-limiter-flexible';
import { ApiError } from './apiError';
import { teamOf } from './auth';

/**
 * Per-team request rate on the team API: a team may make `perSecond` requests in any second
 * (counted per dispatcher process); past that, 429 with `Retry-After`. One team's script in a
 * loop cannot take the dispatcher from the others.
 */
export function teamRateLimit(perSecond: number): RequestHandler {
  const limiter = new RateLimiterMemory({ points: perSecond, duration: 1 });
  return async (req, res, next) => {
    try {
      await limiter.consume(teamOf(req).team_id);
    } catch (rejection) {
      if (!(rejection instanceof RateLimiterRes)) throw rejection;
      const seconds = Math.max(1, Math.ceil(rejection.msBeforeNext / 1000));
      res.setHeader('retry-after', String(seconds));
      throw new ApiError(
        429,
        'rate_limited',
        `This team made more than ${perSecond} requests in a second; try again in ${seconds} s.`,
      );
    }
    next();
  };
}

/**
 * At most one action per key (a delivery's id) every `intervalSeconds`, counted per dispatcher
 * process; a refusal is a 429 with `Retry-After`. Resending a delivery that fails again mails its
 * team's administrators, so resends must not come faster than people can read those emails.
 */
export function oncePer(intervalSeconds: number, what: string): (key: string, res: Response) => Promise<void> {
  const limiter = new RateLimiterMemory({ points: 1, duration: intervalSeconds });
  return async (key, res) => {
    try {
      await limiter.consume(key);
    } catch (rejection) {
      if (!(rejection instanceof RateLimiterRes)) throw rejection;
      const seconds = Math.max(1, Math.ceil(rejection.msBeforeNext / 1000));
      res.setHeader('retry-after', String(seconds));
      throw new ApiError(
        429,
        'rate_limited',
        `${what} at most once every ${intervalSeconds} s; try again in ${seconds} s.`,
      );
    }
  };
}
