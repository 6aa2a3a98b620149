import type { RequestHandler } from 'express';
import { RateLimiterMemory } from 'rate-limiter-flexible';
import type { Config } from '../config';
import { teamOf } from './auth';
import { refuse } from './rateLimit';

/**
 * What a store call costs the store every team shares. SQLite runs a read on the event loop from
 * start to end: its synchronous time, the whole of what it takes from every other request. A
 * PostgreSQL read holds one of the pool's connections until its answer: its time from call to
 * answer, over the pool's size, is the share of the store it took. The request's other time
 * (parsing, the answer's JSON, waiting on a loop another team keeps busy) is the rate limit's
 * concern, not the store's: charged to a team, it refused polite teams on a busy machine.
 */
export type StoreCost = { engine: 'sqlite' } | { engine: 'postgres'; poolSize: number };

export function storeCostOf(database: Config['database']): StoreCost {
  return database.engine === 'postgres' ? { engine: 'postgres', poolSize: database.poolSize } : { engine: 'sqlite' };
}

export interface TeamStoreBudget {
  /** Refuses a team's reads once its budget is spent, and marks them as reads to charge. */
  readonly refuseSpent: RequestHandler;
  /** The store as the team API's routes see it: what its reads cost is charged to their team. */
  metered<T extends object>(store: T): T;
}

/**
 * A team's budget of store time on the team API's reads: each GET is charged what its store calls
 * cost the store (`StoreCost`), and once a team has used `msPerMinute` in a minute its reads are
 * refused, 429 with `Retry-After`, until the minute is over. Reads go through indexes and cost
 * what they return (store/teamReadsSql.ts); what can still cost more (a combination of rare
 * filters, many pages of a wide range, a storm of searches) is what this bounds, so that one team
 * cannot take the store from the others. Counted per dispatcher process.
 *
 * A store call is charged to the team its first argument names (the team's id, or a filter's
 * `teamId`) while that team has a read in progress; the reads that name a delivery or an event
 * by its key alone (its attempts, its event) are bounded by that key and go uncharged.
 */
export function teamStoreBudget(msPerMinute: number, cost: StoreCost): TeamStoreBudget {
  const budget = new RateLimiterMemory({ points: msPerMinute, duration: 60 });
  const readsInProgress = new Map<string, number>();
  // The limiter counts whole points: fractions of a millisecond are carried per team until they add
  // up, or reads cheaper than a millisecond would never be charged at all.
  const owed = new Map<string, number>();
  const charge = (teamId: string, ms: number) => {
    const total = (owed.get(teamId) ?? 0) + ms;
    const whole = Math.floor(total);
    if (whole === 0) return void owed.set(teamId, total);
    owed.set(teamId, total - whole);
    void budget.penalty(teamId, whole).catch(() => undefined);
  };

  const refuseSpent: RequestHandler = async (req, res, next) => {
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
    readsInProgress.set(teamId, (readsInProgress.get(teamId) ?? 0) + 1);
    res.once('close', () => {
      const left = readsInProgress.get(teamId)! - 1;
      if (left === 0) readsInProgress.delete(teamId);
      else readsInProgress.set(teamId, left);
    });
    next();
  };

  const readingTeamOf = (args: unknown[]): string | undefined => {
    const first = args[0];
    const named =
      typeof first === 'string'
        ? first
        : typeof first === 'object' && first !== null
          ? (first as { teamId?: unknown }).teamId
          : undefined;
    return typeof named === 'string' && readsInProgress.has(named) ? named : undefined;
  };

  // Charged after the fact: a read is never cut short, the next one is refused.
  const timed = (call: (...args: unknown[]) => unknown, self: object) =>
    function (...args: unknown[]): unknown {
      const teamId = readingTeamOf(args);
      if (teamId === undefined) return Reflect.apply(call, self, args);
      const started = performance.now();
      const result = Reflect.apply(call, self, args);
      if (cost.engine === 'sqlite' || !(result instanceof Promise)) {
        charge(teamId, performance.now() - started);
        return result;
      }
      const answered = () => charge(teamId, (performance.now() - started) / cost.poolSize);
      result.then(answered, answered);
      return result;
    };

  const wrapped = new WeakMap<object, object>();
  const metered = <T extends object>(store: T): T => {
    const known = wrapped.get(store);
    if (known !== undefined) return known as T;
    const proxy = new Proxy(store, {
      get(target, key) {
        const value: unknown = Reflect.get(target, key, target);
        if (typeof value === 'function') return timed(value as (...args: unknown[]) => unknown, target);
        // A store made of parts (a store of deliveries, one of webhooks…) is metered part by part.
        if (typeof value === 'object' && value !== null) return metered(value);
        return value;
      },
    });
    wrapped.set(store, proxy);
    return proxy;
  };

  return { refuseSpent, metered };
}
