import type { AttemptResult } from '../storeQueueTypes';
import { deliveryMoveOf, effectsOfMoved, goneReason, wavesOf } from './attemptEffects';

const result = (deliveryId: string, webhookId: string, next: AttemptResult['next']): AttemptResult => ({
  deliveryId,
  webhookId,
  round: 2,
  attemptNumber: 3,
  startedAt: 1_000.4,
  durationMs: 20.3,
  requestHeaders: {},
  response: null,
  error: null,
  next,
});
const gone = (deliveryId: string, webhookId: string) => result(deliveryId, webhookId, { kind: 'gone' });
const failed = (deliveryId: string, webhookId: string) => result(deliveryId, webhookId, { kind: 'failed' });
const ids = (waves: AttemptResult[][]) => waves.map((wave) => wave.map((r) => `${r.deliveryId}:${r.next.kind}`));

describe('what the result of an attempt does', () => {
  it('moves a retried delivery to its next attempt and a finished one to its end, in whole milliseconds', () => {
    expect(deliveryMoveOf(result('d', 'w', { kind: 'retry', nextAttemptAt: 5_000.7 }))).toEqual({
      deliveryId: 'd',
      round: 2,
      status: 'pending',
      attemptsInRound: 3,
      nextAttemptAt: 5_001,
      finishedAt: 1_021,
      cancelReason: null,
    });
    expect(deliveryMoveOf(gone('d', 'w'))).toMatchObject({
      status: 'canceled',
      nextAttemptAt: 1_021,
      cancelReason: goneReason,
    });
    expect(deliveryMoveOf(failed('d', 'w')).status).toBe('failed');
  });

  it('deletes the webhook of a 410, nothing else (final outcomes go to the failing rules)', () => {
    expect(effectsOfMoved(failed('d', 'w'))).toEqual({});
    expect(effectsOfMoved(gone('d', 'w'))).toEqual({ webhookGone: { webhookId: 'w', at: 1_021 } });
    expect(effectsOfMoved(result('d', 'w', { kind: 'succeeded' }))).toEqual({});
    expect(effectsOfMoved(result('d', 'w', { kind: 'retry', nextAttemptAt: 2_000 }))).toEqual({});
  });
});

describe('the waves a batch is run in', () => {
  it('is one wave when every delivery is there once and no 410 precedes a result of its webhook', () => {
    const batch = [failed('a', 'w1'), failed('b', 'w2'), gone('c', 'w1')];
    expect(wavesOf(batch)).toEqual([batch]);
  });

  it('puts a second result of a delivery in the next wave', () => {
    expect(ids(wavesOf([failed('a', 'w'), failed('b', 'w2'), failed('a', 'w')]))).toEqual([
      ['a:failed', 'b:failed'],
      ['a:failed'],
    ]);
  });

  it('puts every result after a 410 of its webhook in a later wave, so that the 410 cancels it first', () => {
    expect(ids(wavesOf([gone('a', 'w'), failed('b', 'w'), failed('c', 'other')]))).toEqual([
      ['a:gone', 'c:failed'],
      ['b:failed'],
    ]);
  });

  it('never runs a 410 before an earlier result of its webhook', () => {
    // b's second result waits for the second wave; the 410 after it must not cancel it first.
    expect(ids(wavesOf([failed('b', 'w'), failed('b', 'w'), gone('a', 'w')]))).toEqual([
      ['b:failed'],
      ['b:failed', 'a:gone'],
    ]);
  });

  it('gives an empty batch no wave', () => {
    expect(wavesOf([])).toEqual([]);
  });
});
