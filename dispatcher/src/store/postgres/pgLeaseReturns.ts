import type { Pool } from 'pg';
import { query } from './pgConnection';

/** The leases one ingest or one claim may have written: its owner and their end, unique to it. */
interface PossiblyLeased {
  workerId: string;
  leaseExpiresAt: number;
}

/**
 * Leases that an ingest or a claim may have written although it failed. A connection lost during
 * COMMIT leaves us not knowing whether the commit took effect; when it did, the deliveries it
 * leased to this dispatcher's worker, which the worker never got, would wait out their lease
 * (twice REQUEST_TIMEOUT_SECONDS plus 5 s) before anyone sent them. They are given back once the
 * database answers again: unleased, with a NOTIFY so that a worker claims them at once. A lease's
 * end is unique per claim or ingest (`DeliveryHandoff.leaseUntil`), so no lease of another claim
 * is undone; a row the commit never wrote, or whose lease has since ended, is left as it is.
 */
export class LeaseReturns {
  private pending: PossiblyLeased[] = [];
  private timer: NodeJS.Timeout | undefined;
  private returning: Promise<void> | undefined;
  private closed = false;

  constructor(
    private readonly pool: Pool,
    private readonly now: () => number = Date.now,
    private readonly retryMs = 500,
  ) {}

  add(leases: PossiblyLeased): void {
    if (this.closed) return;
    this.pending.push(leases);
    this.schedule(0);
  }

  /** Stops trying; leases not yet given back simply end on their own. */
  close(): void {
    this.closed = true;
    clearTimeout(this.timer);
    this.timer = undefined;
    this.pending = [];
  }

  private schedule(delayMs: number): void {
    if (this.closed || this.timer !== undefined || this.returning !== undefined) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.returning = this.giveBack().finally(() => {
        this.returning = undefined;
        if (this.pending.length > 0) this.schedule(this.retryMs);
      });
    }, delayMs);
    this.timer.unref();
  }

  private async giveBack(): Promise<void> {
    // A lease that has ended needs nothing from us: the row is due for any claim again.
    const now = this.now();
    const batch = this.pending.filter((lease) => lease.leaseExpiresAt > now);
    this.pending = [];
    if (batch.length === 0) return;
    try {
      await query(
        this.pool,
        `WITH returned AS (
           UPDATE deliveries d SET lease_owner = NULL, lease_expires_at = NULL
             FROM unnest($1::text[], $2::bigint[]) AS r(owner, expires)
            WHERE d.lease_owner = r.owner AND d.lease_expires_at = r.expires
              AND d.status = 'pending'
            RETURNING d.id
         )
         SELECT pg_notify('spir_deliveries_due', '') FROM (SELECT 1 FROM returned LIMIT 1) AS any_returned`,
        [batch.map((l) => l.workerId), batch.map((l) => l.leaseExpiresAt)],
      );
    } catch {
      // Still unreachable: kept for the next try.
      this.pending = batch.concat(this.pending);
    }
  }
}
