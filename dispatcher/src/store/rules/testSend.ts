import { inviteeEmailOfBody } from '../searchKeys';
import { newDeliveryId } from '../storeRows';
import type { TestSendRecord } from '../storeQueueTypes';
import type { DeliveryStatus } from '../storeTypes';
import { deliveryMoveOf } from './attemptEffects';

// A test send is kept so that a person finds it where deliveries are (marked as a test) and in
// the webhook's health, written once for every engine. It is a delivery of an event of its own
// (`url_kind = 'test'`, never among the team's events), finished when stored: one round of one
// attempt, never retried, never emailed about, never resent (deliveryRoutes refuses it).

export const testUrlKind = 'test';

/** The test delivery's row, its status the one an attempt with that outcome leaves. */
export function testDeliveryRowOf(send: TestSendRecord) {
  const move = deliveryMoveOf(send.attempt);
  return {
    id: send.attempt.deliveryId,
    team_id: send.teamId,
    webhook_id: send.webhookId,
    url: send.url,
    status: move.status satisfies DeliveryStatus,
    next_attempt_at: move.finishedAt,
    created_at: send.now,
    updated_at: move.finishedAt,
    event_name: send.eventName,
    invitee_email: inviteeEmailOfBody(send.body),
  };
}

/** A test send's record, from what the sender answered: the delivery id is made here. */
export function testSendRecordOf(
  send: Omit<TestSendRecord, 'attempt'>,
  outcome: Omit<TestSendRecord['attempt'], 'deliveryId' | 'webhookId' | 'round' | 'attemptNumber' | 'next'> & {
    succeeded: boolean;
  },
): TestSendRecord {
  const { succeeded, ...attempt } = outcome;
  return {
    ...send,
    attempt: {
      ...attempt,
      deliveryId: newDeliveryId(send.now),
      webhookId: send.webhookId,
      round: 1,
      attemptNumber: 1,
      next: { kind: succeeded ? 'succeeded' : 'failed' },
    },
  };
}
