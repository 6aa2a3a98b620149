import { initialWebhookLimit, type WebhookLimits } from './slowStart';
import { logAttempt } from './attemptLog';
import { AttemptRecorder } from './attemptRecorder';
import { UnansweredAttempts } from './firstSecond';
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import type { AttemptSender } from './attemptSender';
import type { Logger } from 'pino';
import type { ClaimedDelivery, DeliveryHandoff, Store } from '../store/storeTypes';
import type { Metrics } from '../ops/metrics';
import { nextStepAfter, type RetryPolicy } from './retryPolicy';

export interface DeliveryWorkerOptions {
  store: Store;
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
  private readonly inFlightByWebhook = new Map<string, number>();
  private inFlight = 0;
  // Those in flight for more than a second, which no longer count against firstSecondConcurrency.
  private readonly unanswered = new UnansweredAttempts((count, grew) => {
    this.options.metrics.attemptsUnanswered.set(count);
    if (grew && this.waitingForAnySlot) this.wake();
  });
  private running = false;
  private loopDone: Promise<void> = Promise.resolve();
  private wakeUp: (() => void) | undefined;
  // Set by wake() while the loop is busy claiming, so that the wake-up is not lost.
  private wakeRequested = false;
  private wakeTimer: NodeJS.Timeout | undefined;
  // How long the last claim took if it found nothing; 0 if it found work.
  private lastClaimMs = 0;
  private nextRetryAt = Number.POSITIVE_INFINITY;
  // Webhooks that may have due deliveries waiting for one of their slots: refused a handoff, or
  // given deliveries by the last claim (a backlog may hold more). An attempt that ends for one of
  // them, or while the whole worker was full, wakes the worker to claim; others do not, so that
  // claims that can find nothing (beside hung endpoints' backlogs) are not repeated at every
  // answer. Resent and other dispatchers' work wakes the worker itself, as do fresh deliveries
  // that a claim can take at once (claimRefused); polling catches the rest.
  private readonly mayHaveWaiting = new Set<string>();
  private waitingForAnySlot = false;
  // Set when the handoff refused a delivery whose webhook still has its claims' slot free.
  private refusedClaimable = false;
  private readonly recorder: AttemptRecorder;
  // A lease outlives the longest attempt plus the time to record it.
  private readonly leaseMs: number;
  private lastLeaseEnd = 0;

  constructor(private readonly options: DeliveryWorkerOptions) {
    this.leaseMs = options.policy.requestTimeoutMs * 2 + 5_000;
    this.recorder = new AttemptRecorder(options.store, this.workerId, options.logger);
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
    while (this.inFlight > 0) await new Promise((resolve) => setTimeout(resolve, 10));
    await this.recorder.finish(recordOnStopMs);
  }

  private async loop(): Promise<void> {
    while (this.running) {
      const free = this.freeSlots();
      let claimed: ClaimedDelivery[] = [];
      this.wakeRequested = false;
      if (free > 0) {
        this.keepOnlyFullWebhooksWaiting();
        this.waitingForAnySlot = false;
        try {
          const limit = Math.min(free, this.options.claimBatchSize);
          const started = performance.now();
          const now = this.options.now();
          claimed = await this.options.store.claimDueDeliveries({
            workerId: this.workerId,
            now,
            leaseUntil: this.leaseUntil(now),
            limit,
            perWebhookLimit: initialWebhookLimit,
            inFlightByWebhook: this.options.webhookLimits.inFlightAsClaimed(this.inFlightByWebhook),
            limitByWebhook: this.options.webhookLimits.changed,
          });
          this.lastClaimMs = claimed.length === 0 ? performance.now() - started : 0;
        } catch (error) {
          this.options.logger.error({ err: error }, 'claiming due deliveries failed; trying again');
        }
        for (const delivery of claimed) {
          this.mayHaveWaiting.add(delivery.webhookId);
          this.startAttempt(delivery);
        }
        if (claimed.length === free) this.waitingForAnySlot = true;
      } else {
        this.waitingForAnySlot = true;
      }
      // A full batch means more is probably due; otherwise sleep until woken or a retry is due.
      if (claimed.length > 0 && claimed.length === Math.min(free, this.options.claimBatchSize)) continue;
      await this.sleep();
    }
  }

  /**
   * Before a claim: it can serve every marked webhook with a free slot, so those are unmarked (and
   * marked again if it gives them deliveries); one at its whole limit gets nothing from it and stays
   * marked, or the deliveries its handoff refused would wait for a poll.
   */
  private keepOnlyFullWebhooksWaiting(): void {
    for (const webhookId of this.mayHaveWaiting) {
      if (this.hasFreeSlot(webhookId)) this.mayHaveWaiting.delete(webhookId);
    }
  }

  /** Whether the webhook has a slot of its whole limit free (the handoff's, the claims', or a test send's). */
  private hasFreeSlot(webhookId: string): boolean {
    return (this.inFlightByWebhook.get(webhookId) ?? 0) < this.options.webhookLimits.of(webhookId);
  }

  /** Attempts that may start now: within DELIVERY_CONCURRENCY, and within the first-second budget. */
  private freeSlots(): number {
    const { concurrency, firstSecondConcurrency } = this.options;
    return Math.min(concurrency - this.inFlight, firstSecondConcurrency - (this.inFlight - this.unanswered.count));
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
    if (!this.running) return false;
    if (this.freeSlots() <= 0) {
      this.waitingForAnySlot = true;
      return false;
    }
    if ((this.inFlightByWebhook.get(webhookId) ?? 0) >= this.options.webhookLimits.handoffRoom(webhookId)) {
      this.mayHaveWaiting.add(webhookId);
      if (this.hasFreeSlot(webhookId)) this.refusedClaimable = true;
      return false;
    }
    this.takeSlot(webhookId);
    return true;
  }

  /**
   * Takes a slot for a test send: any free one of the webhook's limit, the claims' included, since
   * a person asked for this one request; none while the limit is in use.
   */
  reserveTestSend(webhookId: string): boolean {
    if (!this.running || this.freeSlots() <= 0) return false;
    if (!this.hasFreeSlot(webhookId)) return false;
    this.takeSlot(webhookId);
    return true;
  }

  /** Gives back a slot: a reserved one whose commit failed, or one whose attempt has ended. */
  release(webhookId: string): void {
    this.inFlight--;
    const left = (this.inFlightByWebhook.get(webhookId) ?? 1) - 1;
    if (left === 0) this.inFlightByWebhook.delete(webhookId);
    else this.inFlightByWebhook.set(webhookId, left);
  }

  /**
   * After an ingest commit whose handoff refused deliveries: claims soon if one of them went to a
   * webhook whose claims' slot is free. Otherwise a claim now finds nothing (beside 200 hung
   * endpoints, three in four of those claims did); the end of an attempt wakes the worker instead,
   * its webhook's or, when the worker was full, any.
   */
  claimRefused(): void {
    if (!this.refusedClaimable) return;
    this.refusedClaimable = false;
    this.wake();
  }

  /** Sends deliveries that the ingest commit leased to this worker after `reserve`. */
  sendLeased(deliveries: readonly ClaimedDelivery[]): void {
    for (const delivery of deliveries) void this.attempt(delivery);
  }

  private startAttempt(delivery: ClaimedDelivery): void {
    this.takeSlot(delivery.webhookId);
    void this.attempt(delivery);
  }

  private takeSlot(webhookId: string): void {
    this.inFlight++;
    this.inFlightByWebhook.set(webhookId, (this.inFlightByWebhook.get(webhookId) ?? 0) + 1);
  }

  private async attempt(delivery: ClaimedDelivery): Promise<void> {
    const { policy, sender, now, metrics, logger } = this.options;
    const secrets = delivery.secrets.map((stored) => this.options.openSecret(stored));
    const { url, webhookEventId, body } = delivery;
    const answeredOrGivenUp = this.unanswered.track();
    const outcome = await sender.send({ url, webhookEventId, body, secrets }, now());
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
    logAttempt(logger, delivery, outcome, next);

    // A retry due before the worker's next wake-up moves that wake-up earlier.
    const earlierRetry = next.kind === 'retry' && next.nextAttemptAt < this.nextRetryAt;
    if (earlierRetry) this.nextRetryAt = next.nextAttemptAt;
    this.release(delivery.webhookId);
    if (earlierRetry || this.waitingForAnySlot || this.mayHaveWaiting.has(delivery.webhookId)) this.wake();
  }
}
