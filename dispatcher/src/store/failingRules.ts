import type { AttemptResult } from './storeQueueTypes';
import type { AttemptRow, TeamLanguage } from './storeTypes';
import {
  finishedInOrder,
  failingStep,
  noticeListLimit,
  type FailingRow,
  type NoticedFailure,
  type WebhookNoticeJob,
} from './failingStore';
import type { FailingQuery, FailingStatement } from './failingSql';

/**
 * The failing state's rules (store/failingStore.ts), written once as generators that yield each
 * statement (failingSql.ts) and get its rows back: the SQLite engine runs them inside its
 * synchronous transaction, the PostgreSQL engine awaits each one in its own.
 */
export type FailingWork<T> = Generator<FailingQuery, T, Row[]>;
type Row = Record<string, unknown>;

const q = (name: FailingStatement, params: FailingQuery['params']): FailingQuery => ({ name, params });
const num = (value: unknown): number => Number(value);

/** What an engine does after the transaction commits: wake its worker, its sender. */
export interface FailingEffects {
  deliveriesDue: boolean;
  emailsDue: boolean;
}

/**
 * Applies final outcomes to their webhooks' runs, in the transaction that records them. Only
 * results that moved their delivery count (a lease lost means another worker records it).
 */
export function* recordFinalOutcomes(
  results: readonly AttemptResult[],
  moved: (result: AttemptResult) => boolean,
): FailingWork<FailingEffects> {
  const effects: FailingEffects = { deliveriesDue: false, emailsDue: false };
  for (const { result, at } of finishedInOrder(results, moved)) {
    const webhook_id = result.webhookId;
    let state = (yield q('stateOf', { webhook_id }))[0] as FailingRow | undefined;
    let step = failingStep(state, result);
    if (step === 'none') continue;
    const failure = { delivery_id: result.deliveryId, webhook_id, round: result.round, at };
    if (step === 'start') {
      const started = yield q('startRun', { webhook_id, at });
      if (started.length > 0) {
        yield q('listFailure', { ...failure, failing_since: at, digest_id: null });
        yield q('emailAtOnce', { delivery_id: result.deliveryId, at });
        effects.emailsDue = true;
        continue;
      }
      // Another dispatcher's transaction started the run first: this failure joins it.
      state = (yield q('stateOf', { webhook_id }))[0] as FailingRow | undefined;
      step = failingStep(state, result);
    }
    if (state === undefined || state.failing_since === null) continue;
    const failing_since = num(state.failing_since);
    if (step === 'probeFailed') {
      yield q('listFailure', { ...failure, failing_since, digest_id: null });
      yield q('probeFailed', { webhook_id, at });
    } else if (step === 'listInDigest') {
      const digest_id =
        state.open_digest_id === null
          ? num((yield q('openDigest', { webhook_id, at }))[0]!.id)
          : num(state.open_digest_id);
      yield q('listFailure', { ...failure, failing_since, digest_id });
      yield q('furtherFailure', { webhook_id, at, digest_id });
    } else if (step === 'recover') {
      yield q('endRun', { webhook_id });
      yield q('markSentAgain', { delivery_id: result.deliveryId, failing_since, round: result.round });
      if (num(state.auto_redeliver) === 1) {
        yield q('markRedeliveries', { webhook_id, failing_since });
        yield q('redeliver', { webhook_id, failing_since, at });
        effects.deliveriesDue = true;
      }
      yield q('recoveredNotice', { webhook_id, failing_since, at });
      effects.emailsDue = true;
    }
  }
  return effects;
}

/** Starts the probes that are due (store/failingStore.ts); returns how many. */
export function* startDueProbes(now: number, probeMs: number, limit: number): FailingWork<number> {
  let started = 0;
  for (const due of yield q('dueProbes', { now, probe_ms: probeMs, limit })) {
    const webhook_id = String(due.webhook_id);
    const [oldest] = yield q('oldestFailed', { webhook_id, failing_since: num(due.failing_since) });
    const [resent] =
      oldest === undefined ? [] : yield q('resendProbe', { delivery_id: String(oldest.delivery_id), now });
    if (resent === undefined) {
      yield q('nothingToProbe', { webhook_id, now });
      continue;
    }
    yield q('setProbe', { webhook_id, delivery_id: String(oldest!.delivery_id), round: num(resent.round) });
    started++;
  }
  return started;
}

/** Leases due notices and gathers what each one tells. */
export function* claimNotices(
  worker: string,
  now: number,
  leaseMs: number,
  limit: number,
  digestMs: number,
): FailingWork<WebhookNoticeJob[]> {
  const claimed = yield q('claimNotices', { worker, now, lease_until: now + leaseMs, limit, digest_ms: digestMs });
  const jobs: WebhookNoticeJob[] = [];
  for (const notice of claimed) {
    const id = num(notice.id);
    const kind = notice.kind as WebhookNoticeJob['kind'];
    const webhook_id = String(notice.webhook_id);
    const failing_since = num(notice.failing_since);
    const [context] = yield q('noticeContext', { webhook_id });
    if (context === undefined) continue;
    const job: WebhookNoticeJob = {
      id,
      kind,
      webhookId: webhook_id,
      teamId: String(notice.team_id),
      failingSince: failing_since,
      at: kind === 'digest' ? now : num(notice.due_after),
      sendAttempts: num(notice.send_attempts),
      url: String(context.url),
      eventName: String(context.event_name),
      teamName: String(context.team_name),
      teamLanguage: context.language as TeamLanguage,
      adminEmails: JSON.parse(String(context.admin_emails)) as string[],
      autoRedeliver: num(context.auto_redeliver) === 1,
      stillFailing: context.failing_now !== null && num(context.failing_now) === failing_since,
      failures: [],
      failureCount: 0,
      redelivery: { sentAgain: num(notice.redelivered), delivered: 0, failedAgain: 0, notSent: 0 },
    };
    if (kind === 'digest') {
      yield q('closeDigest', { notice_id: id, now });
      job.failureCount = num((yield q('digestCount', { notice_id: id }))[0]!.n);
      for (const row of yield q('digestFailures', { notice_id: id, limit: noticeListLimit })) {
        const [lastAttempt] = yield q('lastAttempt', { delivery_id: String(row.delivery_id), round: num(row.round) });
        job.failures.push(noticedFailureOf(row, lastAttempt as AttemptRow | undefined));
      }
    } else {
      const [counts] = yield q('recoveryCounts', { webhook_id, failing_since });
      job.redelivery.delivered = num(counts?.delivered ?? 0);
      job.redelivery.failedAgain = num(counts?.failed_again ?? 0);
      job.redelivery.notSent = num(counts?.not_sent ?? 0);
    }
    jobs.push(job);
  }
  return jobs;
}

function noticedFailureOf(row: Row, lastAttempt: AttemptRow | undefined): NoticedFailure {
  return {
    deliveryId: String(row.delivery_id),
    webhookEventId: String(row.webhook_event_id),
    eventName: String(row.event_name),
    body: String(row.body),
    failedAt: num(row.failed_at),
    lastAttempt: lastAttempt ?? null,
  };
}
