import type { AttemptResult } from './storeQueueTypes';

/**
 * Webhook health, kept as it happens rather than read from the attempt log: counters per webhook
 * and hour (webhook_attempt_hours) and each webhook's last attempt with the failures since its
 * last success (webhook_last_attempts), both written in the transaction that records the
 * attempts. Reading a team's health reads its live webhooks' rows of the window: a few per
 * webhook, however many deliveries it has. New columns of health (when a webhook started failing,
 * say) go in webhook_last_attempts beside consecutive_failures.
 */

/** Counters are kept per hour: the window is read as the hours it overlaps. */
const healthHourMs = 60 * 60_000;

const hourOf = (at: number): number => Math.floor(at / healthHourMs) * healthHourMs;

/** A batch of attempt results as the health tables take them, sorted by webhook (the order rows are locked in). */
export interface HealthChanges {
  hours: { webhookId: string; hourStart: number; attempts: number; succeeded: number }[];
  last: {
    webhookId: string;
    startedAt: number;
    outcome: 'succeeded' | 'failed';
    status: number | null;
    errorCode: string | null;
    /** Failures after the batch's last success (all of them when it has none). */
    failures: number;
    /** The batch holds a success: its failures replace the webhook's count instead of adding to it. */
    reset: boolean;
  }[];
}

export function healthChangesOf(results: readonly AttemptResult[]): HealthChanges {
  const hours = new Map<string, HealthChanges['hours'][number]>();
  const last = new Map<string, HealthChanges['last'][number]>();
  const inOrder = [...results].sort((a, b) => a.startedAt - b.startedAt);
  for (const result of inOrder) {
    const succeeded = result.next.kind === 'succeeded';
    const startedAt = Math.round(result.startedAt);
    const hourStart = hourOf(startedAt);
    const hourKey = `${result.webhookId}\u0000${hourStart}`;
    const hour = hours.get(hourKey) ?? { webhookId: result.webhookId, hourStart, attempts: 0, succeeded: 0 };
    hour.attempts += 1;
    hour.succeeded += succeeded ? 1 : 0;
    hours.set(hourKey, hour);
    const previous = last.get(result.webhookId);
    last.set(result.webhookId, {
      webhookId: result.webhookId,
      startedAt,
      outcome: succeeded ? 'succeeded' : 'failed',
      status: result.response?.status ?? null,
      errorCode: result.error?.code ?? null,
      failures: succeeded ? 0 : (previous?.failures ?? 0) + 1,
      reset: succeeded || (previous?.reset ?? false),
    });
  }
  const byWebhook = <T extends { webhookId: string }>(rows: Iterable<T>) =>
    [...rows].sort((a, b) => (a.webhookId < b.webhookId ? -1 : a.webhookId > b.webhookId ? 1 : 0));
  return { hours: byWebhook(hours.values()), last: byWebhook(last.values()) };
}

/**
 * A team's live webhooks' health since `since`, one SQL source for both engines (the placeholder
 * is the dialect's only difference): attempts of the hours that overlap the window, and the last
 * attempt when it falls in the window.
 */
export function webhookHealthSql(placeholder: (n: number) => string): string {
  // Each parameter appears once, in order, so SQLite's plain `?` serves as well as PostgreSQL's $n.
  const [team, hoursAfter, sameTeam, since] = [1, 2, 3, 4].map(placeholder);
  return `
  SELECT l.webhook_id, coalesce(h.attempts, 0) AS attempts, coalesce(h.succeeded, 0) AS succeeded,
         l.started_at AS last_at, l.consecutive_failures, l.outcome AS last_outcome,
         l.response_status AS last_status, l.error_code AS last_error_code
    FROM webhooks w JOIN webhook_last_attempts l ON l.webhook_id = w.id
    LEFT JOIN (
      SELECT hw.id AS webhook_id, sum(c.attempts) AS attempts, sum(c.succeeded) AS succeeded
        FROM webhooks hw JOIN webhook_attempt_hours c ON c.webhook_id = hw.id
       WHERE hw.team_id = ${team} AND hw.deleted_at IS NULL AND c.hour_start > ${hoursAfter}
       GROUP BY hw.id
    ) h ON h.webhook_id = w.id
   WHERE w.team_id = ${sameTeam} AND w.deleted_at IS NULL AND l.started_at >= ${since}`;
}

/** The parameters of webhookHealthSql, in order. */
export const webhookHealthParams = (teamId: string, since: number) => [teamId, since - healthHourMs, teamId, since];

/** One row per live webhook with its last attempt in the window. */
export interface WebhookHealthRow {
  webhook_id: string;
  attempts: number | string;
  succeeded: number | string;
  last_at: number | string;
  consecutive_failures: number | string;
  last_outcome: string;
  last_status: number | null;
  last_error_code: string | null;
}

/**
 * The health counters rebuilt from the attempt log, for a store whose counters are empty: the
 * migration that created them runs this on both engines, and so does the history bench after a
 * bulk fill. Columns are named, so columns added later to the tables take their defaults.
 */
export function healthBackfillSql(dialect: 'sqlite' | 'postgres'): string[] {
  const succeeded =
    dialect === 'sqlite' ? "sum(a.outcome = 'succeeded')" : "count(*) FILTER (WHERE a.outcome = 'succeeded')";
  const logged = `WITH logged AS MATERIALIZED (
    SELECT d.webhook_id, a.id, a.started_at, a.outcome, a.response_status, a.error_code
      FROM attempts a JOIN deliveries d ON d.id = a.delivery_id
  ), last_success AS (
    SELECT webhook_id, max(started_at) AS at FROM logged WHERE outcome = 'succeeded' GROUP BY webhook_id
  ), failures AS (
    SELECT l.webhook_id, count(*) AS n FROM logged l LEFT JOIN last_success s ON s.webhook_id = l.webhook_id
     WHERE l.started_at > coalesce(s.at, -1) GROUP BY l.webhook_id
  )`;
  const lastColumns =
    'webhook_last_attempts (webhook_id, started_at, outcome, response_status, error_code, consecutive_failures)';
  const last =
    dialect === 'sqlite'
      ? `${logged}, newest AS (
    SELECT *, ROW_NUMBER() OVER (PARTITION BY webhook_id ORDER BY started_at DESC, id DESC) AS n FROM logged
  )
  INSERT INTO ${lastColumns}
    SELECT newest.webhook_id, started_at, outcome, response_status, error_code, coalesce(failures.n, 0)
      FROM newest LEFT JOIN failures ON failures.webhook_id = newest.webhook_id WHERE newest.n = 1`
      : `${logged}
  INSERT INTO ${lastColumns}
    SELECT DISTINCT ON (l.webhook_id) l.webhook_id, l.started_at, l.outcome, l.response_status, l.error_code,
           coalesce(f.n, 0)
      FROM logged l LEFT JOIN failures f ON f.webhook_id = l.webhook_id
     ORDER BY l.webhook_id, l.started_at DESC, l.id DESC`;
  return [
    `INSERT INTO webhook_attempt_hours (webhook_id, hour_start, attempts, succeeded)
    SELECT d.webhook_id, (a.started_at / 3600000) * 3600000, count(*), ${succeeded}
      FROM attempts a JOIN deliveries d ON d.id = a.delivery_id GROUP BY 1, 2`,
    last,
  ];
}
