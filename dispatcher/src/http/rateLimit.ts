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
function refuse(res: Response, msBeforeNext: number, code: string, explain: (seconds: number) => string): never {
  const seconds = Math.max(1, Math.ceil(msBeforeNext / 1000));
  res.setHeader('retry-after', String(seconds));
  throw new ApiError(429, code, explain(seconds));
}

/**
 * A team's budget of store time on the team API's reads: each GET is charged the milliseconds it
 * took (nearly all of it waiting on the store), and once a team has used `msPerMinute` in a
 * minute its reads are refused, 429 with `Retry-After`, until the minute is over. Reads go
 * through indexes and cost what they return (store/teamReadsSql.ts); what can still cost more (a
 * combination of rare filters, many pages of a wide range) is what this bounds, so that one team
 * cannot take the store from the others. Counted per dispatcher process.
 */
export function teamStoreBudget(msPerMinute: number): RequestHandler {
  const budget = new RateLimiterMemory({ points: msPerMinute, duration: 60 });
  return async (req, res, next) => {
    if (req.method !== 'GET') return next();
    const teamId = teamOf(req).team_id;
    const used = await budget.get(teamId);
    if (used !== null && used.remainingPoints <= 0) {
      refuse(
        res,
        used.msBeforeNext,
        'store_budget_exhausted',
        (seconds) =>
          `This team's reads used their ${msPerMinute} ms of store time for this minute; try again in ${seconds} s, or narrow the request (a shorter date range, fewer pages).`,
      );
    }
    const started = performance.now();
    res.once('finish', () => {
      const spent = Math.ceil(performance.now() - started);
      // Charged after the fact: a read is never cut short, the next one is refused.
      budget.penalty(teamId, spent).catch(() => undefined);
    });
    next();
  };
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
