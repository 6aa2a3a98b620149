import type { RequestHandler } from 'express';
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
