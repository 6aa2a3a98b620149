import type { DecodedAttempt, EventRow, NextStep, WebhookKind } from './storeTypes';

// What the queue's verbs take and give, the same for every engine: an event stored with its
// deliveries (and the worker's handoff of the fresh ones), claims, and the results of attempts.

/** A delivery handed to a worker, with everything needed to send it. */
export interface ClaimedDelivery {
  id: string;
  teamId: string;
  webhookId: string;
  url: string;
  webhookEventId: string;
  eventName: string;
  body: string;
  /** Current secret first, then a rotated one still valid. */
  secrets: string[];
  webhookKind: WebhookKind;
  round: number;
  /** The number this attempt gets. */
  attemptNumber: number;
  /** The event's W3C trace context (`NewEvent.traceContext`); null when it was ingested untraced. */
  traceContext: string | null;
}

/** What became of one attempt, and so of its delivery. */
export interface AttemptResult extends Omit<DecodedAttempt, 'outcome' | 'answerKept' | 'sameAnswerAs'> {
  deliveryId: string;
  webhookId: string;
  /** `retry` leaves the delivery pending until `nextAttemptAt`. */
  next: NextStep;
}

/**
 * A test send (`POST /v1/webhooks/:id/test`) as it is kept: a test event of its own and one
 * finished delivery of it with its single attempt (`next` is `succeeded` or `failed`).
 */
export interface TestSendRecord {
  teamId: string;
  webhookId: string;
  url: string;
  eventName: string;
  webhookEventId: string;
  /** The envelope exactly as sent. */
  body: string;
  attempt: AttemptResult;
  now: number;
}

export interface NewEvent {
  teamId: string;
  webhookEventId: string;
  /** A name the contract does not know is stored too, and delivered to no webhook. */
  eventName: string;
  urlKind: 'template' | 'oneOff';
  /** The envelope exactly as it goes on the wire. */
  body: string;
  /**
   * The payload's `invitee.email` as it came, when the caller parsed the envelope already; left
   * out, the store reads it from `body` (store/searchKeys.ts makes it a search key).
   */
  inviteeEmail?: unknown;
  /** The event's availability link: webhooks limited to other links do not get it. */
  link: { id: string; originalUrl: string; privateTitle: string } | undefined;
  now: number;
  /**
   * The W3C trace context the event was ingested in (`traceparent`, `tracestate`, as JSON), kept
   * with it so that every attempt, on any dispatcher, continues that trace; unset when untraced.
   */
  traceContext?: string;
  /** A local worker that takes the new deliveries it has room for, leased to it. */
  handoff?: DeliveryHandoff;
}

/**
 * A worker in this process that takes fresh deliveries straight from the ingest transaction,
 * leased to it, so that sending them needs no claim. A delivery it has no room for is stored
 * unleased and claimed like any other.
 */
export interface DeliveryHandoff {
  readonly workerId: string;
  /**
   * When a lease taken at `now` ends. Never the same value twice, so that one claim's or one
   * ingest's leases can be told from every other lease of the worker (see pgLeaseReturns.ts).
   */
  leaseUntil(now: number): number;
  /** Takes a slot for one delivery to this webhook; false when it has no room. */
  reserve(webhookId: string): boolean;
  /** Gives back a reserved slot whose delivery was not committed. */
  release(webhookId: string): void;
}

export interface RecordedEvent {
  created: boolean;
  event: EventRow;
  deliveryIds: string[];
  /** The deliveries leased to `handoff` in the same commit: the caller hands them over. */
  leased: ClaimedDelivery[];
}

export interface ClaimOptions {
  workerId: string;
  now: number;
  /** When the leases this claim takes end (`DeliveryHandoff.leaseUntil`). */
  leaseUntil: number;
  limit: number;
  /** At most this many deliveries of one webhook in flight at once (across this worker). */
  perWebhookLimit: number;
  /** This worker's in-flight count per webhook id. */
  inFlightByWebhook: ReadonlyMap<string, number>;
  /** Webhooks whose limit slow start moved away from `perWebhookLimit`, and that limit. */
  limitByWebhook: ReadonlyMap<string, number>;
}

export interface QueueDepth {
  due: number;
  inFlight: number;
  /** When the longest-waiting due, unleased delivery became due; null when none is. */
  oldestDueAt: number | null;
  /** Failure emails not yet sent, and when the oldest of them was written; null when none is. */
  failureEmailsPending: number;
  oldestFailureEmailAt: number | null;
}
