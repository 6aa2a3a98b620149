import type { WebhookKind } from '../../store/storeTypes';
import { nextStepAfter, type RetryPolicy } from './retryPolicy';

const spir: RetryPolicy = { retryIntervalMs: 10_000, maxRetries: 4, requestTimeoutMs: 30_000 };
const attempt = (
  attemptNumber: number,
  succeeded: boolean,
  endedAt: number,
  status?: number,
  webhookKind: WebhookKind = 'endpoint',
) => ({ attemptNumber, succeeded, endedAt, status, webhookKind });

describe('nextStepAfter', () => {
  it('finishes a delivery whose attempt succeeded', () => {
    expect(nextStepAfter(spir, attempt(3, true, 1_000, 200))).toEqual({ kind: 'succeeded' });
  });

  it('retries ten seconds after a failed attempt ended, for the first four failures', () => {
    for (const n of [1, 2, 3, 4]) {
      expect(nextStepAfter(spir, attempt(n, false, 50_000, 503))).toEqual({ kind: 'retry', nextAttemptAt: 60_000 });
    }
  });

  it('gives up after the fifth failed attempt', () => {
    expect(nextStepAfter(spir, attempt(5, false, 50_000))).toEqual({ kind: 'failed' });
  });

  it('gives up after the first failure when retries are off', () => {
    expect(nextStepAfter({ ...spir, maxRetries: 0 }, attempt(1, false, 0))).toEqual({ kind: 'failed' });
  });

  it('removes a subscription that answers 410 Gone at once, and retries a registered endpoint that does', () => {
    expect(nextStepAfter(spir, attempt(1, false, 0, 410, 'subscription'))).toEqual({ kind: 'gone' });
    expect(nextStepAfter(spir, attempt(1, false, 0, 410, 'endpoint'))).toEqual({
      kind: 'retry',
      nextAttemptAt: 10_000,
    });
    expect(nextStepAfter(spir, attempt(1, false, 0, 404, 'subscription'))).toEqual({
      kind: 'retry',
      nextAttemptAt: 10_000,
    });
  });
});
