import type { AttemptResult } from './storeQueueTypes';
import type { AttemptRow, TeamLanguage } from './storeTypes';

/**
 * A webhook's failing state, kept by every engine beside the queue (sqliteFailing.ts,
 * pgFailing.ts): a webhook is failing from its first final failure until it answers 2xx again.
 * Each engine applies the rules below in the transaction that records the attempts, so that a
 * crash never loses or doubles a notice nor a redelivery.
 *
 * - The first final failure of a run emails the admins at once (the failure email of today);
 *   every further one is listed for one digest per FAILURE_DIGEST_SECONDS (`webhook_notices`).
 * - The first 2xx ends the run: with autoRedeliver on, every delivery that finally failed during
 *   it (and is still failed) starts a new round, oldest first; a "working again" notice follows
 *   once they have all finished.
 * - A failing webhook with autoRedeliver on and nothing pending is probed with its oldest failed
 *   delivery (a new round of it) RECOVERY_PROBE_SECONDS after its last final failure, twice as
 *   long after each failed probe, at most an hour.
 */

/** One webhook's state as the team API shows it. */
export interface WebhookFailingState {
  failingSince: number | null;
  autoRedeliver: boolean;
  /** Deliveries that finally failed in the current run and are not delivered since (a probe in flight counts). */
  failedDeliveries: number;
}

/** A failing webhook as Spir's support sees it (`GET /internal/v1/webhooks/failing`). */
export interface FailingWebhook {
  teamId: string;
  webhookId: string;
  url: string;
  failingSince: number;
  failedDeliveries: number;
}

/** One failed delivery as a digest names it. */
export interface NoticedFailure {
  deliveryId: string;
  webhookEventId: string;
  eventName: string;
  /** The envelope as sent, for the booking's title. */
  body: string;
  failedAt: number;
  /** The last attempt of the round that failed; null when the attempt log was purged. */
  lastAttempt: AttemptRow | null;
}

/** A digest or "working again" notice to send, with everything it tells. */
export interface WebhookNoticeJob {
  id: number;
  kind: 'digest' | 'recovered';
  webhookId: string;
  teamId: string;
  /** When the run of failures this notice is about began. */
  failingSince: number;
  /** Digest: when the digest was due; recovered: when the webhook answered 2xx again. */
  at: number;
  sendAttempts: number;
  url: string;
  /** The webhook's event name. */
  eventName: string;
  teamName: string;
  teamLanguage: TeamLanguage;
  adminEmails: string[];
  autoRedeliver: boolean;
  /** Whether the run is still going on now (the webhook has not answered 2xx since). */
  stillFailing: boolean;
  /** Digest: the failures it lists (at most `noticeListLimit`), oldest first, and how many in all. */
  failures: NoticedFailure[];
  failureCount: number;
  /** Recovered: deliveries sent again, and what became of them; failures of the run left as they were. */
  redelivery: { sentAgain: number; delivered: number; failedAgain: number; notSent: number };
}

/** A digest names at most this many failures in its text; the rest are counted, and listed in the console. */
export const noticeListLimit = 500;

/** The longest a failing webhook waits between probes. */
export const maxProbeDelayMs = 3600_000;

export interface FailingStore {
  /** The failing state of each of the team's webhooks that has one; the others are healthy and redeliver. */
  statesOfTeam(teamId: string): Promise<Map<string, WebhookFailingState>>;
  /** Sets autoRedeliver; false when the team has no such live webhook. */
  setAutoRedeliver(teamId: string, webhookId: string, on: boolean): Promise<boolean>;
  /** Every live webhook failing now, longest first. */
  listFailing(): Promise<FailingWebhook[]>;
  /** How many live webhooks are failing now, by autoRedeliver. */
  countFailing(): Promise<{ redelivering: number; manual: number }>;
  /**
   * Starts a probe (a new round of its oldest failed delivery) for each failing webhook whose
   * time has come; returns how many it started.
   */
  startDueProbes(now: number, probeMs: number, limit: number): Promise<number>;
  /** Leases due notices to one sender; a digest is due `digestMs` after the notice before it. */
  claimNotices(
    workerId: string,
    now: number,
    leaseMs: number,
    limit: number,
    digestMs: number,
  ): Promise<WebhookNoticeJob[]>;
  markNoticeSent(workerId: string, id: number, messageId: string, now: number): Promise<void>;
  rescheduleNotice(workerId: string, id: number, nextAttemptAt: number, error: string): Promise<void>;
  /** Forgets what the retention job purged: failures of deliveries gone, notices sent before `cutoff`. */
  purgeBefore(cutoff: number): Promise<void>;
}

/** The row an engine keeps per webhook that ever failed or had autoRedeliver set. */
export interface FailingRow {
  webhook_id: string;
  auto_redeliver: number | boolean;
  failing_since: number | string | null;
  last_notice_at: number | string | null;
  open_digest_id: number | string | null;
  probe_delivery_id: string | null;
  probe_round: number | null;
}

/** The results that moved their delivery to a final state the failing rules care about, oldest first. */
export function finishedInOrder(results: readonly AttemptResult[], moved: (result: AttemptResult) => boolean) {
  return results
    .filter((result) => (result.next.kind === 'failed' || result.next.kind === 'succeeded') && moved(result))
    .map((result) => ({ result, at: Math.round(result.startedAt + result.durationMs) }))
    .sort((a, b) => a.at - b.at);
}

/** What one final outcome does to its webhook's run, the one rule both engines apply. */
export function failingStep(
  state: FailingRow | undefined,
  result: AttemptResult,
): 'start' | 'probeFailed' | 'listInDigest' | 'recover' | 'none' {
  const failing = state !== undefined && state.failing_since !== null;
  if (result.next.kind === 'succeeded') return failing ? 'recover' : 'none';
  if (!failing) return 'start';
  const probe = state.probe_delivery_id === result.deliveryId && state.probe_round === result.round;
  return probe ? 'probeFailed' : 'listInDigest';
}
