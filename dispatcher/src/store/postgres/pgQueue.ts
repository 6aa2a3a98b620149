import type { Pool } from 'pg';
import type { QueueDepth } from '../storeQueueTypes';
import type { QueueStore } from '../store';
import { StoreUnavailableError } from '../storeTypes';
import type { ClaimMemory } from '../claimMemory';
import { query } from './pgConnection';
import { claimDue } from './pgClaim';
import { recordAttempts } from './pgAttempts';
import type { LeaseReturns } from './pgLeaseReturns';

/** The delivery queue on PostgreSQL: claims in pgClaim.ts, attempt results in pgAttempts.ts. */
export function pgQueue(pool: Pool, memory: ClaimMemory, leaseReturns: LeaseReturns): QueueStore {
  return {
    async claimDueDeliveries(options) {
      try {
        return await claimDue(pool, options, memory);
      } catch (error) {
        // A lost connection may have cut the COMMIT after it took effect: the leases it wrote, told
        // apart by their end (unique per claim), are given back once the database answers.
        if (error instanceof StoreUnavailableError)
          leaseReturns.add({ workerId: options.workerId, leaseExpiresAt: options.leaseUntil });
        throw error;
      }
    },
    recordAttemptResults: (workerId, results) => recordAttempts(pool, workerId, results),
    queueDepth: (now) => queueDepth(pool, now),
  };
}

async function queueDepth(pool: Pool, now: number): Promise<QueueDepth> {
  const [row] = await query<QueueDepth>(
    pool,
    `SELECT count(*) FILTER (WHERE next_attempt_at <= $1 AND (lease_expires_at IS NULL OR lease_expires_at <= $1))::int AS due,
            count(*) FILTER (WHERE lease_expires_at > $1)::int AS "inFlight",
            (min(next_attempt_at) FILTER (WHERE next_attempt_at <= $1 AND (lease_expires_at IS NULL OR lease_expires_at <= $1)))::float8
              AS "oldestDueAt",
            (SELECT count(*) FROM failure_emails WHERE status = 'pending')::int AS "failureEmailsPending",
            (SELECT min(created_at) FROM failure_emails WHERE status = 'pending')::float8 AS "oldestFailureEmailAt"
     FROM deliveries WHERE status = 'pending'`,
    [now],
  );
  return row!;
}
