import { attemptRowsSelect } from './answerStorage';
import { maxProbeDelayMs } from './failingStore';

/**
 * The failing state's SQL, written once for both engines (store/failingStore.ts): named
 * parameters (`:name`) as SQLite takes them, turned into PostgreSQL's `$n` by `toPostgres`, and
 * `/*lock*\/` and `/*forUpdate*\/` where PostgreSQL locks the rows it reads (SQLite's writer holds the whole file).
 */

// How long a failing webhook waits after its last final failure before a probe: RECOVERY_PROBE_SECONDS
// doubled per failed probe, at most an hour.
const probeExponent = 'CASE WHEN s.probes_failed > 20 THEN 20 ELSE s.probes_failed END';
const probeDelay = `CAST(:probe_ms AS BIGINT) * (1 << ${probeExponent})`;
const cappedProbeDelay = `CASE WHEN ${probeDelay} > ${maxProbeDelayMs} THEN ${maxProbeDelayMs} ELSE ${probeDelay} END`;

// Failures of a webhook's run whose delivery is still failed: what a recovery sends again.
const stillFailedOfRun = `
  FROM webhook_failures f JOIN deliveries d ON d.id = f.delivery_id
  WHERE f.webhook_id = :webhook_id AND f.failing_since = :failing_since AND d.status = 'failed'`;

export const failingSql = {
  // In the transaction that records attempts (failingRules.ts).
  stateOf: `
    SELECT webhook_id, auto_redeliver, failing_since, last_notice_at, open_digest_id, probe_delivery_id, probe_round
    FROM webhook_failing WHERE webhook_id = :webhook_id /*lock*/`,
  // Guarded: a run another transaction started meanwhile is joined, not started again.
  startRun: `
    INSERT INTO webhook_failing (webhook_id, team_id, failing_since, last_failure_at, last_notice_at)
    SELECT id, team_id, CAST(:at AS BIGINT), CAST(:at AS BIGINT), CAST(:at AS BIGINT) FROM webhooks WHERE id = :webhook_id
    ON CONFLICT (webhook_id) DO UPDATE SET failing_since = excluded.failing_since,
      last_failure_at = excluded.last_failure_at, last_notice_at = excluded.last_notice_at, probes_failed = 0,
      probe_delivery_id = NULL, probe_round = NULL, open_digest_id = NULL
    WHERE webhook_failing.failing_since IS NULL
    RETURNING webhook_id`,
  // The failure email of today, for the first final failure of a run.
  emailAtOnce: `
    INSERT INTO failure_emails (delivery_id, round, team_id, status, next_attempt_at, created_at)
    SELECT id, round, team_id, 'pending', CAST(:at AS BIGINT), CAST(:at AS BIGINT) FROM deliveries WHERE id = :delivery_id
    ON CONFLICT (delivery_id, round) DO NOTHING`,
  listFailure: `
    INSERT INTO webhook_failures (delivery_id, failing_since, webhook_id, round, failed_at, digest_id)
    VALUES (:delivery_id, :failing_since, :webhook_id, :round, :at, :digest_id)
    ON CONFLICT (delivery_id, failing_since) DO UPDATE SET round = excluded.round, failed_at = excluded.failed_at,
      digest_id = coalesce(excluded.digest_id, webhook_failures.digest_id)`,
  openDigest: `
    INSERT INTO webhook_notices (webhook_id, team_id, kind, failing_since, due_after, status, next_attempt_at, created_at)
    SELECT webhook_id, team_id, 'digest', failing_since, last_notice_at, 'pending', CAST(:at AS BIGINT), CAST(:at AS BIGINT)
    FROM webhook_failing WHERE webhook_id = :webhook_id
    RETURNING id`,
  furtherFailure: `
    UPDATE webhook_failing SET last_failure_at = :at, open_digest_id = :digest_id WHERE webhook_id = :webhook_id`,
  probeFailed: `
    UPDATE webhook_failing SET probes_failed = probes_failed + 1, last_failure_at = :at, probe_delivery_id = NULL,
      probe_round = NULL
    WHERE webhook_id = :webhook_id`,
  endRun: `
    UPDATE webhook_failing SET failing_since = NULL, probes_failed = 0, probe_delivery_id = NULL, probe_round = NULL,
      open_digest_id = NULL
    WHERE webhook_id = :webhook_id`,
  // Marked first, then moved: the mark tells the moved ones from deliveries a person resent meanwhile.
  markRedeliveries: `
    UPDATE webhook_failures SET redelivered_round = (SELECT d.round + 1 FROM deliveries d WHERE d.id = webhook_failures.delivery_id)
    WHERE webhook_id = :webhook_id AND failing_since = :failing_since
      AND EXISTS (SELECT 1 FROM deliveries d WHERE d.id = webhook_failures.delivery_id AND d.status = 'failed')`,
  // Oldest first: each one's due time a millisecond after the one before, as claims take them in that order.
  redeliver: `
    UPDATE deliveries SET status = 'pending', round = r.round, attempts_in_round = 0, next_attempt_at = r.due,
      lease_owner = NULL, lease_expires_at = NULL, updated_at = :at
    FROM (SELECT f.delivery_id, f.redelivered_round AS round,
                 CAST(:at AS BIGINT) + ROW_NUMBER() OVER (ORDER BY d.created_at, d.event_id) - 1 AS due
          ${stillFailedOfRun} AND f.redelivered_round = d.round + 1) AS r
    WHERE deliveries.id = r.delivery_id`,
  // The delivery whose 2xx ended the run, when it was one of the run's (a probe, or a person's resend).
  markSentAgain: `
    UPDATE webhook_failures SET redelivered_round = :round WHERE delivery_id = :delivery_id AND failing_since = :failing_since`,
  recoveredNotice: `
    INSERT INTO webhook_notices (webhook_id, team_id, kind, failing_since, due_after, redelivered, status, next_attempt_at,
      created_at)
    SELECT webhook_id, team_id, 'recovered', CAST(:failing_since AS BIGINT), CAST(:at AS BIGINT),
      (SELECT count(*) FROM webhook_failures f
        WHERE f.webhook_id = :webhook_id AND f.failing_since = :failing_since AND f.redelivered_round IS NOT NULL),
      'pending', CAST(:at AS BIGINT), CAST(:at AS BIGINT)
    FROM webhook_failing WHERE webhook_id = :webhook_id`,

  // The team API, the internal API and /metrics.
  statesOfTeam: `
    SELECT s.webhook_id, s.auto_redeliver, s.failing_since,
      (SELECT count(*) FROM webhook_failures f JOIN deliveries d ON d.id = f.delivery_id
        WHERE f.webhook_id = s.webhook_id AND f.failing_since = s.failing_since
          AND d.status IN ('failed', 'pending')) AS failed_deliveries
    FROM webhook_failing s WHERE s.team_id = :team_id`,
  setAutoRedeliver: `
    INSERT INTO webhook_failing (webhook_id, team_id, auto_redeliver)
    SELECT id, team_id, CAST(:auto_redeliver AS INTEGER) FROM webhooks
    WHERE id = :webhook_id AND team_id = :team_id AND deleted_at IS NULL
    ON CONFLICT (webhook_id) DO UPDATE SET auto_redeliver = excluded.auto_redeliver
    RETURNING webhook_id`,
  listFailing: `
    SELECT s.team_id, s.webhook_id, w.url, s.failing_since,
      (SELECT count(*) FROM webhook_failures f JOIN deliveries d ON d.id = f.delivery_id
        WHERE f.webhook_id = s.webhook_id AND f.failing_since = s.failing_since
          AND d.status IN ('failed', 'pending')) AS failed_deliveries
    FROM webhook_failing s JOIN webhooks w ON w.id = s.webhook_id
    WHERE s.failing_since IS NOT NULL AND w.deleted_at IS NULL
    ORDER BY s.failing_since, s.webhook_id LIMIT :limit`,
  countFailing: `
    SELECT coalesce(sum(CASE WHEN s.auto_redeliver = 1 THEN 1 ELSE 0 END), 0) AS redelivering,
           coalesce(sum(CASE WHEN s.auto_redeliver = 1 THEN 0 ELSE 1 END), 0) AS manual
    FROM webhook_failing s JOIN webhooks w ON w.id = s.webhook_id
    WHERE s.failing_since IS NOT NULL AND w.deleted_at IS NULL`,

  // Probes (delivery/recovery/recoveryProber.ts).
  dueProbes: `
    SELECT s.webhook_id, s.failing_since FROM webhook_failing s JOIN webhooks w ON w.id = s.webhook_id
    WHERE s.failing_since IS NOT NULL AND s.auto_redeliver = 1 AND s.probe_delivery_id IS NULL AND w.deleted_at IS NULL
      AND s.last_failure_at + ${cappedProbeDelay} <= :now
      AND NOT EXISTS (SELECT 1 FROM deliveries d WHERE d.webhook_id = s.webhook_id AND d.status = 'pending')
    ORDER BY s.failing_since LIMIT :limit /*forUpdateOfS*/`,
  oldestFailed: `SELECT f.delivery_id ${stillFailedOfRun} ORDER BY d.created_at, d.event_id LIMIT 1`,
  resendProbe: `
    UPDATE deliveries SET status = 'pending', round = round + 1, attempts_in_round = 0, next_attempt_at = :now,
      lease_owner = NULL, lease_expires_at = NULL, updated_at = :now
    WHERE id = :delivery_id AND status = 'failed'
    RETURNING round`,
  setProbe: `UPDATE webhook_failing SET probe_delivery_id = :delivery_id, probe_round = :round WHERE webhook_id = :webhook_id`,
  // Nothing left to probe with (all purged, or resent by hand): wait longer; the next event shows recovery.
  nothingToProbe: `
    UPDATE webhook_failing SET probes_failed = probes_failed + 1, last_failure_at = :now WHERE webhook_id = :webhook_id`,

  // The notices' outbox, leased like the failure emails'.
  claimNotices: `
    UPDATE webhook_notices SET lease_owner = :worker, lease_expires_at = :lease_until, send_attempts = send_attempts + 1
    WHERE id IN (
      SELECT n.id FROM webhook_notices n
      WHERE n.status = 'pending' AND n.next_attempt_at <= :now AND (n.lease_expires_at IS NULL OR n.lease_expires_at <= :now)
        AND (n.kind <> 'digest' OR n.due_after + CAST(:digest_ms AS BIGINT) <= :now)
        AND NOT EXISTS (
          SELECT 1 FROM webhook_failures f JOIN deliveries d ON d.id = f.delivery_id
          WHERE n.kind = 'recovered' AND f.webhook_id = n.webhook_id AND f.failing_since = n.failing_since
            AND f.redelivered_round = d.round AND d.status = 'pending')
      ORDER BY n.next_attempt_at LIMIT :limit /*forUpdate*/)
    RETURNING *`,
  // A digest claimed is closed: later failures go to the next one, due a period after this one.
  closeDigest: `
    UPDATE webhook_failing SET open_digest_id = NULL, last_notice_at = :now WHERE open_digest_id = :notice_id`,
  noticeContext: `
    SELECT w.url, w.event_name, t.name AS team_name, t.admin_emails, t.language, coalesce(s.auto_redeliver, 1) AS auto_redeliver,
      s.failing_since AS failing_now
    FROM webhooks w JOIN teams t ON t.team_id = w.team_id LEFT JOIN webhook_failing s ON s.webhook_id = w.id
    WHERE w.id = :webhook_id`,
  digestFailures: `
    SELECT f.delivery_id, f.round, f.failed_at, e.webhook_event_id, e.event_name, e.body
    FROM webhook_failures f JOIN deliveries d ON d.id = f.delivery_id JOIN events e ON e.id = d.event_id
    WHERE f.digest_id = :notice_id ORDER BY f.failed_at, f.delivery_id LIMIT :limit`,
  digestCount: `SELECT count(*) AS n FROM webhook_failures WHERE digest_id = :notice_id`,
  lastAttempt: `${attemptRowsSelect} WHERE a.delivery_id = :delivery_id AND a.round = :round
    ORDER BY a.attempt_number DESC, a.id DESC LIMIT 1`,
  recoveryCounts: `
    SELECT coalesce(sum(CASE WHEN f.redelivered_round IS NOT NULL AND d.status = 'succeeded' THEN 1 ELSE 0 END), 0) AS delivered,
      coalesce(sum(CASE WHEN f.redelivered_round IS NOT NULL AND d.status <> 'succeeded' THEN 1 ELSE 0 END), 0) AS failed_again,
      coalesce(sum(CASE WHEN f.redelivered_round IS NULL AND d.status = 'failed' THEN 1 ELSE 0 END), 0) AS not_sent
    FROM webhook_failures f JOIN deliveries d ON d.id = f.delivery_id
    WHERE f.webhook_id = :webhook_id AND f.failing_since = :failing_since`,
  markNoticeSent: `
    UPDATE webhook_notices SET status = 'sent', sent_at = :now, message_id = :message_id, lease_owner = NULL,
      lease_expires_at = NULL
    WHERE id = :notice_id AND lease_owner = :worker`,
  rescheduleNotice: `
    UPDATE webhook_notices SET next_attempt_at = :next_attempt_at, last_error = :error, lease_owner = NULL,
      lease_expires_at = NULL
    WHERE id = :notice_id AND lease_owner = :worker`,

  // After the retention job: what no longer refers to anything.
  purgeFailures: `
    DELETE FROM webhook_failures WHERE NOT EXISTS (SELECT 1 FROM deliveries d WHERE d.id = webhook_failures.delivery_id)`,
  purgeNotices: `DELETE FROM webhook_notices WHERE status = 'sent' AND sent_at < :cutoff`,
  purgeStates: `
    DELETE FROM webhook_failing WHERE NOT EXISTS (SELECT 1 FROM webhooks w WHERE w.id = webhook_failing.webhook_id)`,
} as const;

export type FailingStatement = keyof typeof failingSql;

/** A statement with its named parameters, as the rules (failingRules.ts) hand it to an engine. */
export interface FailingQuery {
  name: FailingStatement;
  params: Record<string, string | number | null>;
}

/** The SQLite text: named parameters as they are; the locking marks stay comments. */
export const sqliteText = (name: FailingStatement): string => failingSql[name];

/** The PostgreSQL text, and the order its `$n` take the named parameters in. */
export function postgresText(name: FailingStatement): { text: string; names: string[] } {
  const names: string[] = [];
  const text = failingSql[name]
    .replace(/(?<![:\w]):([a-z_]+)/g, (_match, param: string) => {
      if (!names.includes(param)) names.push(param);
      return `$${names.indexOf(param) + 1}`;
    })
    .replace('/*lock*/', 'FOR UPDATE')
    .replace('/*forUpdate*/', 'FOR UPDATE SKIP LOCKED')
    .replace('/*forUpdateOfS*/', 'FOR UPDATE OF s SKIP LOCKED');
  return { text, names };
}
