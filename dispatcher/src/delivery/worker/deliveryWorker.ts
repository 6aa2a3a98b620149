import { initialWebhookLimit, type WebhookLimits } from './webhookLimits';
import { DeliverySlots } from './deliverySlots';
import { logAttempt } from './logAttempt';
import { AttemptRecorder } from './attemptRecorder';
import { UnansweredAttempts } from './firstSecond';
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import type { AttemptSender } from '../send/attemptSenderTypes';
import type { Logger } from 'pino';
import type { AttemptResult, ClaimedDelivery, DeliveryHandoff } from '../../store/storeQueueTypes';
import type { QueueStore } from '../../store/store';
import type { Metrics } from '../../ops/metrics';
import type { Tracing } from '../../ops/tracing';
import { nextStepAfter, type RetryPolicy } from './retryPolicy';

export interface DeliveryWorkerOptions {
  queue: QueueStore;
  /** The secret behind a stored (possibly sealed) one, for signing. */
  openSecret: (stored: string) => string;
  sender: AttemptSender;
  policy: RetryPolicy;
  now: () => number;
  logger: Logger;
  metrics: Metrics;
  /** Attempts in flight at once, in all. */
  concurrency: number;
  /** Each webhook's limit of attempts in flight (slow start), so that a hung endpoint holds one. */
  webhookLimits: WebhookLimits;
  /** Attempts in flight that started less than a second ago (see firstSecond.ts). */
  firstSecondConcurrency: number;
  /** Deliveries claimed in one statement. */
  claimBatchSize: number;
  /** How often an idle worker looks for work that another process made due. */
  pollIntervalMs: number;
  /** Told when a delivery's round has failed (its email or digest is stored), or a later round ended. */
  failuresRecorded?: () => void;
  /** A span per attempt when tracing is configured. */
  tracing?: Tracing | undefined;
}

/** How long stop() keeps trying to record the last attempts' results while the store cannot write. */
const recordOnStopMs = 10_000;

/** How long wake-ups are gathered before one claim answers them all (see `wake`). */
export function claimWindowMs(lastClaimMs: number): number {
  return Math.min(50, Math.max(2, 4 * lastClaimMs));
}

/**
 * Claims due deliveries, sends them, and records the outcomes in batches. At least once: a
 * delivery is leased, not removed, while it is sent; if this process dies, the lease expires
 * and another claim sends it again with the same webhook-id. Fresh deliveries it has room for
 * come leased straight from the ingest commit (`DeliveryHandoff`), without a claim.
 */
export class DeliveryWorker implements DeliveryHandoff {
  readonly workerId = `worker_${randomUUID()}`;
  // Those in flight for more than a second, which no longer count against firstSecondConcurrency.
  private readonly unanswered = new UnansweredAttempts((count, grew) => {
    this.options.metrics.attemptsUnanswered.set(count);
    if (grew && this.slots.full) this.wake();
  });
  private readonly slots: DeliverySlots;
  private running = false;
  private loopDone: Promise<void> = Promise.resolve();
  private wakeUp: (() => void) | undefined;
  // Set by wake() while the loop is busy claiming, so that the wake-up is not lost.
  private wakeRequested = false;
  private wakeTimer: NodeJS.Timeout | undefined;
  // How long the last claim took if it found nothing; 0 if it found work.
  private lastClaimMs = 0;
  private nextRetryAt = Number.POSITIVE_INFINITY;
  private readonly recorder: AttemptRecorder;
  // A lease outlives the longest attempt plus the time to record it.
  private readonly leaseMs: number;
  private lastLeaseEnd = 0;

  constructor(private readonly options: DeliveryWorkerOptions) {
    this.leaseMs = options.policy.requestTimeoutMs * 2 + 5_000;
    this.recorder = new AttemptRecorder(options.queue, this.workerId, options.logger, (results) =>
      this.afterRecorded(results),
    );
    // Which attempt's end wakes a claim: deliverySlots.ts. Resent and other dispatchers' work wakes
    // the worker itself, as do fresh deliveries a claim can take at once (claimRefused); polling
    // catches the rest.
    this.slots = new DeliverySlots(options, () => this.unanswered.count);
  }

  private afterRecorded(results: readonly AttemptResult[]): void {
    // A later round's end (a resend, a redelivery after an outage) may complete a "working again" notice.
    const laterRoundEnded = (result: AttemptResult) => result.round > 1 && result.next.kind !== 'retry';
    if (results.some((result) => result.next.kind === 'failed' || laterRoundEnded(result))) {
      this.options.failuresRecorded?.();
      // Such a record takes longer (store/failingRules.ts), and a shared store counts the lease it
      // ends until then: a claim at the attempt's end may have found the webhook's slot still taken.
      this.wake();
    }
    // A claim finds a retry only once its attempt is recorded: one that fell due before that was
    // missed by the wake-up armed for it, and would otherwise wait for the next poll.
    const now = this.options.now();
    if (results.some((result) => result.next.kind === 'retry' && result.next.nextAttemptAt <= now)) this.wake();
  }

  leaseUntil(now: number): number {
    this.lastLeaseEnd = Math.max(now + this.leaseMs, this.lastLeaseEnd + 1);
    return this.lastLeaseEnd;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loopDone = this.loop();
  }

  /**
   * Looks for due work shortly. Wake-ups within the same window (a burst of ingests, many
   * attempts finishing) are answered by one claim for all of them. The window is 2 ms, or, after
   * a claim that found nothing, four times what that claim took (up to 50 ms): fruitless claims
   * that have become expensive, as when hung endpoints' backlogs fill the store, so take at
   * most about a fifth of the worker's time, while a claim that finds work (a backlog draining)
   * is followed by the next one as soon as before.
   */
  wake(): void {
    if (this.wakeTimer !== undefined) return;
    const windowMs = claimWindowMs(this.lastClaimMs);
    this.wakeTimer = setTimeout(() => {
      this.wakeTimer = undefined;
      this.wakeRequested = true;
      this.wakeUp?.();
    }, windowMs);
  }

  /** Stops claiming, lets attempts in flight finish, and records them (see AttemptRecorder.finish). */
  async stop(): Promise<void> {
    this.running = false;
    clearTimeout(this.wakeTimer);
    this.wakeTimer = undefined;
    this.wakeUp?.();
    await this.loopDone;
    await this.slots.whenIdle();
    await this.recorder.finish(recordOnStopMs);
  }

  private async loop(): Promise<void> {
    while (this.running) {
      const free = this.slots.free();
      let claimed: ClaimedDelivery[] = [];
      this.wakeRequested = false;
      if (free > 0) {
        this.slots.beforeClaim();
        try {
          const limit = Math.min(free, this.options.claimBatchSize);
          const started = performance.now();
          const now = this.options.now();
          claimed = await this.options.queue.claimDueDeliveries({
            workerId: this.workerId,
            now,
            leaseUntil: this.leaseUntil(now),
            limit,
            perWebhookLimit: initialWebhookLimit,
            inFlightByWebhook: this.slots.inFlightForClaim(),
            limitByWebhook: this.options.webhookLimits.changed,
          });
          this.lastClaimMs = claimed.length === 0 ? performance.now() - started : 0;
        } catch (error) {
          this.options.logger.error({ err: error }, 'claiming due deliveries failed; trying again');
        }
        for (const delivery of claimed) {
          this.slots.takeClaimed(delivery.webhookId);
          void this.attempt(delivery);
        }
        if (claimed.length === free) this.slots.markFull();
      } else {
        this.slots.markFull();
      }
      // A full batch means more is probably due; otherwise sleep until woken or a retry is due.
      if (claimed.length > 0 && claimed.length === Math.min(free, this.options.claimBatchSize)) continue;
      await this.sleep();
    }
  }

  private sleep(): Promise<void> {
    if (this.wakeRequested) return Promise.resolve();
    const untilRetry = this.nextRetryAt - this.options.now();
    const delay = Math.max(0, Math.min(this.options.pollIntervalMs, untilRetry));
    return new Promise<void>((resolve) => {
      const timer = setTimeout(done, delay);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.wakeUp = done;
    }).then(() => {
      this.wakeUp = undefined;
      if (this.nextRetryAt <= this.options.now()) this.nextRetryAt = Number.POSITIVE_INFINITY;
    });
  }

  reserve(webhookId: string): boolean {
    return this.running && this.slots.reserveForHandoff(webhookId);
  }

  /** A slot for a test send (deliverySlots.ts); none while the webhook's limit is in use. */
  reserveTestSend(webhookId: string): boolean {
    return this.running && this.slots.reserveTestSend(webhookId);
  }

  /** Gives back a slot: a reserved one whose commit failed, or one whose attempt has ended. */
  release(webhookId: string): void {
    this.slots.release(webhookId);
  }

  /**
   * After an ingest commit whose handoff refused deliveries: claims soon if one of them went to a
   * webhook whose claims' slot is free. Otherwise a claim now finds nothing (beside 200 hung
   * endpoints, three in four of those claims did); the end of an attempt wakes the worker instead,
   * its webhook's or, when the worker was full, any.
   */
  claimRefused(): void {
    if (this.slots.takeRefusedClaimable()) this.wake();
  }

  /** Sends deliveries that the ingest commit leased to this worker after `reserve`. */
  sendLeased(deliveries: readonly ClaimedDelivery[]): void {
    for (const delivery of deliveries) void this.attempt(delivery);
  }

  private async attempt(delivery: ClaimedDelivery): Promise<void> {
    const { policy, sender, now, metrics, logger } = this.options;
    const secrets = delivery.secrets.map((stored) => this.options.openSecret(stored));
    const { url, webhookEventId, body } = delivery;
    const answeredOrGivenUp = this.unanswered.track();
    const startedAt = now();
    const span = this.options.tracing?.startAttempt(delivery, startedAt);
    const request = { url, webhookEventId, body, secrets };
    const outcome = await sender.send(
      span === undefined ? request : { ...request, traceHeaders: span.headers },
      startedAt,
    );
    answeredOrGivenUp();
    const next = nextStepAfter(policy, {
      attemptNumber: delivery.attemptNumber,
      succeeded: outcome.succeeded,
      status: outcome.response?.status,
      webhookKind: delivery.webhookKind,
      endedAt: outcome.startedAt + outcome.durationMs,
    });
    this.options.webhookLimits.afterAttempt(delivery.webhookId, {
      answered: outcome.response !== null,
      timedOut: outcome.error?.code === 'timeout',
    });
    this.recorder.add({
      deliveryId: delivery.id,
      webhookId: delivery.webhookId,
      round: delivery.round,
      attemptNumber: delivery.attemptNumber,
      ...outcome,
      next,
    });

    metrics.attempts.inc({ outcome: next.kind });
    metrics.attemptDuration.observe(outcome.durationMs / 1000);
    if (next.kind !== 'retry') metrics.deliveriesFinished.inc({ outcome: next.kind });
    if (next.kind === 'failed') metrics.finalFailures.inc({ team: delivery.teamId });
    if (span === undefined) logAttempt(logger, delivery, outcome, next);
    else {
      span.end(outcome, next);
      span.run(() => logAttempt(logger, delivery, outcome, next));
    }

    // A retry due before the worker's next wake-up moves that wake-up earlier.
    const earlierRetry = next.kind === 'retry' && next.nextAttemptAt < this.nextRetryAt;
    if (earlierRetry) this.nextRetryAt = next.nextAttemptAt;
    this.slots.release(delivery.webhookId);
    if (earlierRetry || this.slots.wakesOnEnd(delivery.webhookId)) this.wake();
  }
}
