import type { NextStep } from '../store/storeTypes';

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
  attemptNumber: number,
  succeeded: boolean,
  endedAt: number,
): NextStep {
  if (succeeded) return { kind: 'succeeded' };
  if (attemptNumber > policy.maxRetries) return { kind: 'failed' };
  return { kind: 'retry', nextAttemptAt: endedAt + policy.retryIntervalMs };
}
