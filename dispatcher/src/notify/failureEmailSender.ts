import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { FailureEmailJob } from '../store/storeTypes';
import type { Store } from '../store/store';
import type { Metrics } from '../ops/metrics';
import { composeFailureEmail } from './failureEmail';
import type { Mailer } from './mailer';

export interface FailureEmailSenderOptions {
  store: Store;
  mailer: Mailer;
  from: string;
  /** CONSOLE_BASE_URL: the email then links to the delivery's page in the console. */
  consoleBaseUrl: string | undefined;
  now: () => number;
  logger: Logger;
  metrics: Metrics;
  /** Pause after the first failed send; it doubles after each failure, up to an hour. */
  retryMs: number;
  /** How often an idle sender looks for emails nobody told it of (a crashed sender's, say). */
  pollIntervalMs: number;
}

const maxRetryMs = 3600_000;
// Longer than nodemailer's connect + greeting + socket limits, so a lease outlives a send.
const leaseMs = 5 * 60_000;

/**
 * Works through the outbox of failure emails. An email is marked sent only after the mail
 * server accepted it; until then it stays in the outbox, so an SMTP outage or a crash delays it
 * and never loses it.
 */
export class FailureEmailSender {
  readonly senderId = `mailer_${randomUUID()}`;
  private running = false;
  private loopDone: Promise<void> = Promise.resolve();
  private wakeUp: (() => void) | undefined;
  private wakeRequested = false;
  // The earliest retry this sender scheduled itself.
  private nextRetryAt = Number.POSITIVE_INFINITY;

  constructor(private readonly options: FailureEmailSenderOptions) {}

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loopDone = this.loop();
  }

  async stop(): Promise<void> {
    this.running = false;
    this.wakeUp?.();
    await this.loopDone;
  }

  /** Looks for due emails now: a delivery's round has just failed (or another dispatcher's has). */
  wake(): void {
    this.wakeRequested = true;
    this.wakeUp?.();
  }

  private async loop(): Promise<void> {
    while (this.running) {
      this.wakeRequested = false;
      let jobs: FailureEmailJob[] = [];
      try {
        jobs = await this.options.store.outbox.claimFailureEmails(this.senderId, this.options.now(), leaseMs, 10);
      } catch (error) {
        this.options.logger.error({ err: error }, 'claiming failure emails failed; trying again');
      }
      for (const job of jobs) await this.send(job);
      if (jobs.length === 0 && !this.wakeRequested) await this.sleep();
    }
  }

  private async sleep(): Promise<void> {
    const untilRetry = this.nextRetryAt - this.options.now();
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, Math.max(0, Math.min(this.options.pollIntervalMs, untilRetry)));
      this.wakeUp = () => {
        clearTimeout(timer);
        resolve();
      };
    });
    this.wakeUp = undefined;
    if (this.nextRetryAt <= this.options.now()) this.nextRetryAt = Number.POSITIVE_INFINITY;
  }

  private async send(job: FailureEmailJob): Promise<void> {
    const { store, mailer, from, now, logger, metrics, retryMs } = this.options;
    const context = {
      deliveryId: job.email.delivery_id,
      round: job.email.round,
      teamId: job.email.team_id,
      to: job.adminEmails,
    };
    try {
      const message = composeFailureEmail(job, from, this.options.consoleBaseUrl);
      const { messageId } = await mailer.send(message);
      await store.outbox.markFailureEmailSent(this.senderId, job.email.id, messageId, now());
      metrics.failureEmails.inc({ outcome: 'sent' });
      logger.info(
        { event: 'failure_email_sent', ...context, messageId },
        `failure email for ${job.email.delivery_id} sent`,
      );
    } catch (error) {
      const delay = Math.min(retryMs * 2 ** Math.max(0, job.email.send_attempts - 1), maxRetryMs);
      this.nextRetryAt = Math.min(this.nextRetryAt, now() + delay);
      const reason = error instanceof Error ? error.message : String(error);
      metrics.failureEmails.inc({ outcome: 'retry' });
      logger.warn(
        { event: 'failure_email_retry', ...context, err: error, retryInMs: delay },
        `failure email for ${job.email.delivery_id} not sent; retrying`,
      );
      await store.outbox
        .rescheduleFailureEmail(this.senderId, job.email.id, now() + delay, reason)
        .catch((storeError: unknown) => {
          // The lease will expire and the email will be claimed again: delayed, not lost.
          logger.error({ err: storeError, ...context }, 'rescheduling a failure email failed');
        });
    }
  }
}
