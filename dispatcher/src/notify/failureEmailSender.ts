import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { FailureEmailJob } from '../store/storeTypes';
import type { OutboxStore } from '../store/store';
import type { Metrics } from '../ops/metrics';
import { composeFailureEmail, type MailMessage } from './failureEmail';
import { composeNoticeEmail } from './noticeEmail';
import type { FailingStore, WebhookNoticeJob } from '../store/failingStore';
import type { Mailer } from './mailer';

export interface FailureEmailSenderOptions {
  outbox: OutboxStore;
  failing: FailingStore;
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
  /** FAILURE_DIGEST_SECONDS: a failing webhook's digest is due this long after the notice before it. */
  failureDigestMs: number;
  /** RECOVERY_PROBE_SECONDS, as a digest tells it. */
  recoveryProbeMs: number;
}

const maxRetryMs = 3600_000;
// Longer than nodemailer's connect + greeting + socket limits, so a lease outlives a send.
const leaseMs = 5 * 60_000;

/**
 * Works through the outbox of failure emails, and of the digests and "working again" notices of
 * failing webhooks (store/failingStore.ts). An email is marked sent only after the mail server
 * accepted it; until then it stays in the outbox, so an SMTP outage or a crash delays it and never
 * loses it.
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
        jobs = await this.options.outbox.claimFailureEmails(this.senderId, this.options.now(), leaseMs, 10);
      } catch (error) {
        this.options.logger.error({ err: error }, 'claiming failure emails failed; trying again');
      }
      for (const job of jobs) await this.send(job);
      let notices: WebhookNoticeJob[] = [];
      try {
        const { now, failureDigestMs } = this.options;
        notices = await this.options.failing.claimNotices(this.senderId, now(), leaseMs, 10, failureDigestMs);
      } catch (error) {
        this.options.logger.error({ err: error }, 'claiming failing-webhook notices failed; trying again');
      }
      for (const notice of notices) await this.sendNotice(notice);
      if (jobs.length === 0 && notices.length === 0 && !this.wakeRequested) await this.sleep();
    }
  }

  private async sleep(): Promise<void> {
    const untilRetry = this.nextRetryAt - this.options.now();
    await new Promise<void>((resolve) => {
      // A digest falls due by time alone: polling at least once per digest period finds it.
      const pollMs = Math.min(this.options.pollIntervalMs, this.options.failureDigestMs);
      const timer = setTimeout(resolve, Math.max(0, Math.min(pollMs, untilRetry)));
      this.wakeUp = () => {
        clearTimeout(timer);
        resolve();
      };
    });
    this.wakeUp = undefined;
    if (this.nextRetryAt <= this.options.now()) this.nextRetryAt = Number.POSITIVE_INFINITY;
  }

  private async send(job: FailureEmailJob): Promise<void> {
    const { outbox, from, consoleBaseUrl } = this.options;
    await this.deliver({
      compose: () => composeFailureEmail(job, from, consoleBaseUrl),
      context: {
        deliveryId: job.email.delivery_id,
        round: job.email.round,
        teamId: job.email.team_id,
        to: job.adminEmails,
      },
      what: `failure email for ${job.email.delivery_id}`,
      sendAttempts: job.email.send_attempts,
      markSent: (messageId, at) => outbox.markFailureEmailSent(this.senderId, job.email.id, messageId, at),
      reschedule: (at, reason) => outbox.rescheduleFailureEmail(this.senderId, job.email.id, at, reason),
    });
  }

  private async sendNotice(job: WebhookNoticeJob): Promise<void> {
    const { failing, from, consoleBaseUrl, failureDigestMs, recoveryProbeMs } = this.options;
    const periods = { digestMs: failureDigestMs, probeMs: recoveryProbeMs };
    await this.deliver({
      compose: () => composeNoticeEmail(job, from, periods, consoleBaseUrl),
      context: { notice: job.kind, webhookId: job.webhookId, teamId: job.teamId, to: job.adminEmails },
      what: `${job.kind} notice for webhook ${job.webhookId}`,
      sendAttempts: job.sendAttempts,
      markSent: (messageId, at) => failing.markNoticeSent(this.senderId, job.id, messageId, at),
      reschedule: (at, reason) => failing.rescheduleNotice(this.senderId, job.id, at, reason),
    });
  }

  private async deliver(email: {
    compose: () => MailMessage;
    context: Record<string, unknown>;
    what: string;
    sendAttempts: number;
    markSent: (messageId: string, now: number) => Promise<void>;
    reschedule: (nextAttemptAt: number, reason: string) => Promise<void>;
  }): Promise<void> {
    const { mailer, now, logger, metrics, retryMs } = this.options;
    const { context } = email;
    try {
      const { messageId } = await mailer.send(email.compose());
      await email.markSent(messageId, now());
      metrics.failureEmails.inc({ outcome: 'sent' });
      logger.info({ event: 'failure_email_sent', ...context, messageId }, `${email.what} sent`);
    } catch (error) {
      const delay = Math.min(retryMs * 2 ** Math.max(0, email.sendAttempts - 1), maxRetryMs);
      this.nextRetryAt = Math.min(this.nextRetryAt, now() + delay);
      const reason = error instanceof Error ? error.message : String(error);
      metrics.failureEmails.inc({ outcome: 'retry' });
      logger.warn(
        { event: 'failure_email_retry', ...context, err: error, retryInMs: delay },
        `${email.what} not sent; retrying`,
      );
      await email.reschedule(now() + delay, reason).catch((storeError: unknown) => {
        // The lease will expire and the email will be claimed again: delayed, not lost.
        logger.error({ err: storeError, ...context }, 'rescheduling a failure email failed');
      });
    }
  }
}
