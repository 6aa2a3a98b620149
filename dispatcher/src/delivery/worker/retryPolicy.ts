import type { NextStep, WebhookKind } from '../../store/storeTypes';

/** Spir's retry policy as data: the help page's "retry every 10 seconds up to 4 times". */
export interface RetryPolicy {
  /** Pause between the end of a failed attempt and the next one. */
  retryIntervalMs: number;
  /** Retries after the first attempt; attempts in all = maxRetries + 1. */
  maxRetries: number;
  /** Limit of one attempt, covering connect, headers and body. */
  requestTimeoutMs: number;
}

/** What follows attempt `attemptNumber` (from 1) that ended at `endedAt`. */
export function nextStepAfter(
  policy: RetryPolicy,
  attempt: {
    attemptNumber: number;
    succeeded: boolean;
    /** The response's status, when there was one. */
    status: number | undefined;
    webhookKind: WebhookKind;
    endedAt: number;
  },
): NextStep {
  if (attempt.succeeded) return { kind: 'succeeded' };
  // REST hooks' rule (Zapier's among them): a subscription whose URL answers 410 Gone was removed
  // on the platform's side. A registered endpoint's 410 stays a failure, as Spir's policy says.
  if (attempt.status === 410 && attempt.webhookKind === 'subscription') return { kind: 'gone' };
  if (attempt.attemptNumber > policy.maxRetries) return { kind: 'failed' };
  return { kind: 'retry', nextAttemptAt: attempt.endedAt + policy.retryIntervalMs };
}
