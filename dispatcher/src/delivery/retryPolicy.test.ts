import { nextStepAfter, type RetryPolicy } from './retryPolicy';

const spir: RetryPolicy = { retryIntervalMs: 10_000, maxRetries: 4, requestTimeoutMs: 30_000 };

describe('nextStepAfter', () => {
  it('finishes a delivery whose attempt succeeded', () => {
    expect(nextStepAfter(spir, 3, true, 1_000)).toEqual({ kind: 'succeeded' });
  });

  it('retries ten seconds after a failed attempt ended, for the first four failures', () => {
    for (const attempt of [1, 2, 3, 4]) {
      expect(nextStepAfter(spir, attempt, false, 50_000)).toEqual({ kind: 'retry', nextAttemptAt: 60_000 });
    }
  });

  it('gives up after the fifth failed attempt', () => {
    expect(nextStepAfter(spir, 5, false, 50_000)).toEqual({ kind: 'failed' });
  });

  it('gives up after the first failure when retries are off', () => {
    expect(nextStepAfter({ ...spir, maxRetries: 0 }, 1, false, 0)).toEqual({ kind: 'failed' });
  });
});
