/** Deliveries created this long before the window can still have attempts in it (retries span under a minute). */
export const healthLookbackMs = 60 * 60_000;

/**
 * A team's webhooks' attempts over a window, summed per webhook: one SQL source for both engines
 * (the placeholder is the dialect's only difference). Attempts are found through the deliveries
 * created in the window (deliveries_by_team), so a resend of an older delivery is not counted.
 */
export function webhookHealthSql(placeholder: (n: number) => string): string {
  // Each parameter appears once, in order, so SQLite's plain `?` serves as well as PostgreSQL's $n.
  const [team, createdSince, startedSince] = [1, 2, 3].map(placeholder);
  return `
  WITH recent AS (
    SELECT d.webhook_id, a.outcome, a.started_at, a.response_status, a.error_code
      FROM deliveries d JOIN attempts a ON a.delivery_id = d.id
     WHERE d.team_id = ${team} AND d.created_at >= ${createdSince} AND a.started_at >= ${startedSince}
  ), summary AS (
    SELECT webhook_id, count(*) AS attempts,
           sum(CASE WHEN outcome = 'succeeded' THEN 1 ELSE 0 END) AS succeeded,
           max(started_at) AS last_at,
           max(CASE WHEN outcome = 'succeeded' THEN started_at END) AS last_success_at
      FROM recent GROUP BY webhook_id
  )
  SELECT s.webhook_id, s.attempts, s.succeeded, s.last_at,
         (SELECT count(*) FROM recent r
           WHERE r.webhook_id = s.webhook_id AND r.started_at > coalesce(s.last_success_at, -1)) AS consecutive_failures,
         l.outcome AS last_outcome, l.response_status AS last_status, l.error_code AS last_error_code
    FROM summary s JOIN recent l ON l.webhook_id = s.webhook_id AND l.started_at = s.last_at`;
}

/** One row per webhook with attempts in the window (ties on the last attempt's time give more). */
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
